import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DeskApiError, type DeskGroup, type DeskRoute } from "../../../../functions/desk-api/route";
import {
  createRouter,
  mount,
  parseBody,
  parseQuery,
  unauthenticated,
} from "../../../../functions/desk-api/router";

/** The router under every desk route: who gets in, which route answers, and what a failure looks like. */
const seen: { params: Record<string, string>; body: unknown }[] = [];
const routes: DeskRoute<{ prefix: string }>[] = [
  {
    method: "POST",
    path: "/tickets/:id/reply",
    groups: ["agent"],
    async handle(request, deps) {
      seen.push({ params: { ...request.params }, body: request.body });
      const body = parseBody(z.object({ text: z.string().min(1, "empty") }), request.body);
      return { status: 200, body: { echo: `${deps.prefix}${body.text}`, by: request.user.id } };
    },
  },
  {
    method: "GET",
    path: "/faq/versions",
    groups: ["admin"],
    handle: async () => ({ status: 200, body: { versions: [] } }),
  },
  {
    method: "GET",
    path: "/boom",
    groups: ["agent"],
    async handle() {
      throw new Error("DynamoDB said something with a customer's 13800138000 in it");
    },
  },
  {
    method: "GET",
    path: "/search",
    groups: ["agent"],
    async handle(request) {
      const { limit } = parseQuery(z.object({ limit: z.coerce.number().int().max(50) }), request.query);
      return { status: 200, body: { limit } };
    },
  },
  {
    method: "GET",
    path: "/stored",
    groups: ["agent"],
    // The server's own data failing its schema (a record written by an older version): not the caller's fault.
    async handle() {
      z.object({ status: z.enum(["open"]) }).parse({ status: "archived" });
      return { status: 200, body: {} };
    },
  },
  {
    method: "GET",
    path: "/conflict",
    groups: ["agent"],
    async handle() {
      throw new DeskApiError(409, "ticket_resolved", "resolved", "已解决", { ticketId: "KF-1" });
    },
  },
];

const users: Record<string, DeskGroup[]> = { agent: ["agent"], sup: ["supervisor"], admin: ["admin"] };

function router(onError = vi.fn()) {
  const route = createRouter(mount(routes, { prefix: "> " }), {
    async authenticate(header) {
      const id = header?.replace("Bearer ", "") ?? "";
      const groups = users[id];
      if (!groups) throw unauthenticated();
      return { id, groups };
    },
    onError,
  });
  return (method: string, path: string, as?: string, body?: string, query: Record<string, string> = {}) =>
    route({ method, path, query, body, authorization: as && `Bearer ${as}`, now: new Date() });
}

describe("the desk API's router", () => {
  it("hands a matched route its decoded parameters and parsed body", async () => {
    const answer = await router()("POST", "/tickets/KF-%E5%AE%A2/reply", "agent", '{"text":"hi"}');
    expect(answer).toEqual({ status: 200, body: { echo: "> hi", by: "agent" } });
    expect(seen.at(-1)).toEqual({ params: { id: "KF-客" }, body: { text: "hi" } });
  });

  it("asks for a token before anything else, even on an unknown path", async () => {
    expect((await router()("GET", "/nowhere")).status).toBe(401);
    expect((await router()("GET", "/nowhere", "agent")).status).toBe(404);
    expect((await router()("DELETE", "/faq/versions", "admin")).status).toBe(405);
  });

  it("refuses a group's route to others (403); a supervisor is also an agent", async () => {
    const forbidden = await router()("GET", "/faq/versions", "agent");
    expect(forbidden).toMatchObject({
      status: 403,
      body: { error: "forbidden", messageZh: expect.any(String) },
    });
    expect((await router()("POST", "/tickets/KF-1/reply", "sup", '{"text":"x"}')).status).toBe(200);
    expect((await router()("POST", "/tickets/KF-1/reply", "admin", '{"text":"x"}')).status).toBe(403);
  });

  it("answers 422 validation_failed naming the fields, for a bad body or one that is not JSON", async () => {
    const empty = await router()("POST", "/tickets/KF-1/reply", "agent", '{"text":""}');
    expect(empty).toMatchObject({
      status: 422,
      body: { error: "validation_failed", fields: { text: "empty" } },
    });
    const garbage = await router()("POST", "/tickets/KF-1/reply", "agent", "{not json");
    expect(garbage).toMatchObject({
      status: 422,
      body: { error: "validation_failed", fields: { body: "not JSON" } },
    });
  });

  it("says which fields are wrong in both languages, naming each field of a missing body", async () => {
    const missing = await router()("POST", "/tickets/KF-1/reply", "agent");
    expect(missing).toEqual({
      status: 422,
      body: {
        error: "validation_failed",
        message: "Some fields are missing or invalid.",
        messageZh: "部分字段缺失或无效。",
        fields: { text: expect.any(String) },
      },
    });
    const query = await router()("GET", "/search", "agent", undefined, { limit: "500" });
    expect(query).toMatchObject({ status: 422, body: { fields: { limit: expect.any(String) } } });
    expect(await router()("GET", "/search", "agent", undefined, { limit: "5" })).toEqual({
      status: 200,
      body: { limit: 5 },
    });
  });

  it("answers 500, not 422, when the server's own data fails a schema, and reports it", async () => {
    const onError = vi.fn();
    const answer = await router(onError)("GET", "/stored", "agent");
    expect(answer).toMatchObject({ status: 500, body: { error: "internal" } });
    expect(onError).toHaveBeenCalledWith(expect.any(z.ZodError), "GET /stored");
  });

  it("passes a DeskApiError on with its status, code, texts and extra fields", async () => {
    expect(await router()("GET", "/conflict", "agent")).toEqual({
      status: 409,
      body: { ticketId: "KF-1", error: "ticket_resolved", message: "resolved", messageZh: "已解决" },
    });
  });

  it("answers an unexpected failure with 500 and nothing of it, and reports it with the route", async () => {
    const onError = vi.fn();
    const answer = await router(onError)("GET", "/boom", "agent");
    expect(answer.status).toBe(500);
    expect(JSON.stringify(answer.body)).not.toContain("13800138000");
    expect(onError).toHaveBeenCalledWith(expect.any(Error), "GET /boom");
  });
});

describe("the desk API's routes", () => {
  it("read every body and query through parseBody/parseQuery, so bad input is a 422 and only bad input", () => {
    const folder = fileURLToPath(new URL("../../../../functions/desk-api/routes/", import.meta.url));
    const bare = readdirSync(folder)
      .filter((name) => name.endsWith(".ts"))
      .flatMap((name) =>
        readFileSync(join(folder, name), "utf8")
          .split("\n")
          .flatMap((line, i) =>
            /\.(safeParse|parse)\(request\.(body|query)\)/.test(line) ? [`${name}:${i + 1}`] : [],
          ),
      );
    expect(bare).toEqual([]);
  });
});
