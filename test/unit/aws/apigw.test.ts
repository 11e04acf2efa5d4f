import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { toApiGatewayResult, toWebhookRequest } from "../../../shared/aws/apigw";
import { PayloadTooLargeError } from "../../../shared/core/errors";

function event(overrides: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: "POST /webhooks/{channel}",
    rawPath: "/webhooks/wechat",
    rawQueryString: "signature=abc&timestamp=1",
    headers: { "Content-Type": "text/xml" },
    queryStringParameters: { signature: "abc", timestamp: "1" },
    requestContext: {
      http: {
        method: "post",
        path: "/webhooks/wechat",
        protocol: "HTTP/1.1",
        sourceIp: "1.2.3.4",
        userAgent: "",
      },
      timeEpoch: 1_700_000_000_000,
    } as APIGatewayProxyEventV2["requestContext"],
    body: "<xml/>",
    isBase64Encoded: false,
    ...overrides,
  };
}

describe("toWebhookRequest", () => {
  it("lower-cases headers, keeps the raw query and uses the request's arrival time", () => {
    const request = toWebhookRequest(event(), 1024);
    expect(request).toMatchObject({
      method: "POST",
      path: "/webhooks/wechat",
      query: { signature: "abc", timestamp: "1" },
      rawQueryString: "signature=abc&timestamp=1",
      headers: { "content-type": "text/xml" },
      body: "<xml/>",
    });
    expect(request.receivedAt.getTime()).toBe(1_700_000_000_000);
  });

  it("decodes base64 bodies", () => {
    const body = Buffer.from("退货", "utf8").toString("base64");
    expect(toWebhookRequest(event({ body, isBase64Encoded: true }), 1024).body).toBe("退货");
  });

  it("refuses bodies over the limit counted in UTF-8 bytes, before and after decoding", () => {
    expect(() => toWebhookRequest(event({ body: "退".repeat(400) }), 1024)).toThrow(PayloadTooLargeError);
    const big = Buffer.alloc(5000).toString("base64");
    expect(() => toWebhookRequest(event({ body: big, isBase64Encoded: true }), 1024)).toThrow(
      PayloadTooLargeError,
    );
    expect(() => toWebhookRequest(event({ body: "x".repeat(1024) }), 1024)).not.toThrow();
  });
});

describe("toApiGatewayResult", () => {
  it("maps status, headers and body", () => {
    expect(toApiGatewayResult({ status: 401, headers: { a: "b" }, body: "no" })).toEqual({
      statusCode: 401,
      headers: { a: "b" },
      body: "no",
    });
  });
});
