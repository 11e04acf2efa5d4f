import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { DESK_API_BASE, makeHandler } from "../../../../functions/desk-api/handler";
import type { DeskRequest, DeskUser } from "../../../../functions/desk-api/route";
import { type Authenticate, unauthenticated } from "../../../../functions/desk-api/router";
import { lambdaContext } from "../../../../local/event-source";

/**
 * The desk API's handler as makeHandler builds it, on a fake route and token check: what it makes of an
 * HTTP API (payload v2) event and of what the router answers. Routing itself: router.test.ts.
 */

const now = new Date("2026-12-02T08:00:00Z");
const agent: DeskUser = { id: "li", groups: ["agent"] };

function deskApiWithFakes() {
  const seen: DeskRequest[] = [];
  const tokens: (string | undefined)[] = [];
  const authenticate: Authenticate = async (authorization) => {
    tokens.push(authorization);
    if (authorization !== "Bearer good") throw unauthenticated();
    return agent;
  };
  const logger = new Logger({ serviceName: "kefu", logLevel: "SILENT" });
  const handler = makeHandler({
    routes: [
      {
        method: "POST",
        path: "/tickets/:id/reply",
        groups: ["agent"],
        async handle(request) {
          seen.push(request);
          return { status: 201, body: { replied: request.params.id } };
        },
      },
      {
        method: "GET",
        path: "/boom",
        groups: ["agent"],
        async handle() {
          throw new Error("a store failed quoting a customer's 13800138000");
        },
      },
    ],
    authenticate,
    logger,
    now: () => now,
  });
  const call = (event: APIGatewayProxyEventV2) =>
    handler(event, lambdaContext("desk-api")) as Promise<APIGatewayProxyStructuredResultV2>;
  return { call, seen, tokens, logger };
}

function httpApiEvent(request: {
  method: string;
  rawPath: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  query?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `ANY ${DESK_API_BASE}/{proxy+}`,
    rawPath: request.rawPath,
    rawQueryString: new URLSearchParams(request.query).toString(),
    headers: request.headers ?? {},
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
    requestContext: { http: { method: request.method } },
  } as unknown as APIGatewayProxyEventV2;
}

describe("the desk API handler", () => {
  it("routes the path below /desk/api with its decoded body, token, query and clock, and answers JSON no-store", async () => {
    const { call, seen, tokens } = deskApiWithFakes();

    const result = await call(
      httpApiEvent({
        method: "post",
        rawPath: `${DESK_API_BASE}/tickets/KF-12345678/reply`,
        // API Gateway base64-encodes a body it does not take for text; HTTP/1 clients may capitalise.
        headers: { Authorization: "Bearer good" },
        body: Buffer.from(JSON.stringify({ text: "您好" })).toString("base64"),
        isBase64Encoded: true,
        query: { draft: "1" },
      }),
    );

    expect(result).toEqual({
      statusCode: 201,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      body: JSON.stringify({ replied: "KF-12345678" }),
    });
    expect(tokens).toEqual(["Bearer good"]);
    expect(seen).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/tickets/KF-12345678/reply",
        params: { id: "KF-12345678" },
        query: { draft: "1" },
        body: { text: "您好" },
        user: agent,
        now,
      }),
    ]);
  });

  it("refuses a request without a valid token before any route runs", async () => {
    const { call, seen } = deskApiWithFakes();

    const result = await call(
      httpApiEvent({
        method: "POST",
        rawPath: `${DESK_API_BASE}/tickets/KF-12345678/reply`,
        headers: { authorization: "Bearer forged" },
        body: JSON.stringify({ text: "hi" }),
      }),
    );

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: "unauthenticated" });
    expect(seen).toEqual([]);
  });

  it("answers a route's failure with a 500 and logs it by route and name, never its message", async () => {
    const { call, logger } = deskApiWithFakes();
    const errors = vi.spyOn(logger, "error");

    const result = await call(
      httpApiEvent({
        method: "GET",
        rawPath: `${DESK_API_BASE}/boom`,
        headers: { authorization: "Bearer good" },
      }),
    );

    expect(result.statusCode).toBe(500);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledWith("desk api failed", expect.objectContaining({ route: "GET /boom" }));
    expect(JSON.stringify(errors.mock.calls)).not.toContain("13800138000");
    expect(String(result.body)).not.toContain("13800138000");
  });
});
