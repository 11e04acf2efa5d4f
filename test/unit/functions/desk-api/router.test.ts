import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { DeskApiError, type DeskGroup, type DeskRoute } from "../../../../functions/desk-api/route";
import { createRouter, mount, unauthenticated } from "../../../../functions/desk-api/router";

/** The router under every desk route: who gets in, which route answers, and what a failure looks like. */
const seen: { params: Record<string, string>; body: unknown }[] = [];
const routes: DeskRoute<{ prefix: string }>[] = [
  {
    method: "POST",
    path: "/tickets/:id/reply",
    groups: ["agent"],
    async handle(request, deps) {
      seen.push({ params: { ...request.params }, body: request.body });
      const body = z.object({ text: z.string().min(1, "empty") }).parse(request.body);
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
  return (method: string, path: string, as?: string, body?: string) =>
    route({ method, path, query: {}, body, authorization: as && `Bearer ${as}`, now: new Date() });
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
