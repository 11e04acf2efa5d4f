import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { MockDesk } from "../../desk/dev/mock-api";
import { wechatPush } from "../../local/platforms/wechat";
import type { LocalStack } from "../../local/stack";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { DeskResponses } from "../../shared/core/desk/wire";
import { idToken, startTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * The desk's dev mock (desk/dev/mock-api.ts) and the real desk API (on the local stack, tokens from
 * cognito-local) answer the same requests with the same shapes: both answers are parsed with the one
 * set of wire schemas (shared/core/desk/wire.ts). A mock that drifts from the back end (the /skills
 * strings-vs-objects mismatch that crashed the ticket page) fails here, not in an agent's browser.
 */

interface Backend {
  name: "mock" | "real";
  /** Origin serving /desk/api. */
  url: string;
  cognitoEndpoint: string;
  clientId: string;
  password: string;
  tokens: Map<string, string>;
}

const state = {
  stack: undefined as unknown as LocalStack,
  mockServer: undefined as unknown as Server,
  backends: [] as Backend[],
};

beforeAll(async () => {
  state.stack = await startTestStack("desk-contract", { desk: { build: false } });
  const desk = state.stack.desk;
  if (!desk) throw new Error("the stack serves no desk");
  const mock = new MockDesk({ password: desk.password });
  state.mockServer = createServer((req, res) => {
    void mock.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => state.mockServer.listen(0, "127.0.0.1", resolve));
  const mockUrl = `http://127.0.0.1:${(state.mockServer.address() as AddressInfo).port}`;
  state.backends = [
    {
      name: "mock",
      url: mockUrl,
      cognitoEndpoint: `${mockUrl}/dev/cognito/`,
      clientId: "mock-desk-client",
      password: desk.password,
      tokens: new Map(),
    },
    {
      name: "real",
      url: state.stack.url,
      cognitoEndpoint: desk.cognito.endpoint,
      clientId: desk.cognito.clientId,
      password: desk.password,
      tokens: new Map(),
    },
  ];
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => state.mockServer?.close(resolve));
  await state.stack?.stop();
});

async function signIn(backend: Backend, username: string): Promise<string> {
  const cached = backend.tokens.get(username);
  if (cached) return cached;
  const token = await idToken(
    { endpoint: backend.cognitoEndpoint, clientId: backend.clientId, password: backend.password },
    username,
  );
  backend.tokens.set(username, token);
  return token;
}

async function call(
  backend: Backend,
  as: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${backend.url}/desk/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await signIn(backend, as)}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await response.json();
  expect(response.status, `${backend.name} ${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

type Route = keyof typeof DeskResponses;

/** The route's answer on one back end, parsed with the wire schema (a mismatch names the back end and field). */
async function shaped<R extends Route>(
  backend: Backend,
  route: R,
  as: string,
  path: string,
  body?: unknown,
): Promise<z.infer<(typeof DeskResponses)[R]>> {
  const json = await call(backend, as, route.split(" ")[0] ?? "GET", path, body);
  const parsed = DeskResponses[route].safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${backend.name} ${route} breaks the wire contract: ${parsed.error.issues
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ")}`,
    );
  }
  return parsed.data as z.infer<(typeof DeskResponses)[R]>;
}

const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

/** A ticket on the back end to read: the real one gets a hand-off by a signed WeChat message. */
async function someTicketId(backend: Backend): Promise<string> {
  if (backend.name === "real") {
    const push = wechatPush(wechat, { openId: "o6_desk_contract_01", text: "转人工" });
    const response = await fetch(`${backend.url}${push.path}`, {
      method: push.method,
      headers: push.headers,
      body: push.body,
    });
    expect(response.status).toBe(200);
  }
  return waitFor(
    async () => (await shaped(backend, "GET /tickets", "agent", "/tickets?view=open")).tickets[0]?.ticketId,
    { what: `a ticket on the ${backend.name} desk API`, timeoutMs: 10_000 },
  );
}

describe("the desk's dev mock and the real desk API speak the same wire shapes", () => {
  it("tickets: the list, a ticket's detail and its suggested replies", async () => {
    for (const backend of state.backends) {
      const ticketId = await someTicketId(backend);
      const detail = await shaped(backend, "GET /tickets/:id", "agent", `/tickets/${ticketId}`);
      expect(detail.ticketId).toBe(ticketId);
      expect(detail.transcript.length).toBeGreaterThan(0);
      await shaped(backend, "GET /tickets/:id/suggestions", "agent", `/tickets/${ticketId}/suggestions`);
    }
  });

  it("who I am, the skill groups and the FAQ search", async () => {
    for (const backend of state.backends) {
      const me = await shaped(backend, "GET /me", "agent", "/me");
      expect(me.id).toBe("agent");
      // The desk's sign-in: an agent who never chose a status (the real stack's) is online after it.
      const signedIn = await shaped(backend, "POST /me/sign-in", "agent", "/me/sign-in");
      expect(signedIn).toMatchObject({ id: "agent", status: "online" });
      const { skills } = await shaped(backend, "GET /skills", "agent", "/skills");
      expect(skills.length).toBeGreaterThan(0);
      await shaped(backend, "GET /faq/search", "agent", `/faq/search?q=${encodeURIComponent("退款")}`);
    }
  });

  it("teaching from a ticket: a wording marked out of scope waits as a pending change for a supervisor", async () => {
    for (const backend of state.backends) {
      const ticketId = await someTicketId(backend);
      const text = "帮我查一下别家店的快递";
      const change = await shaped(backend, "POST /tickets/:id/teach", "agent", `/tickets/${ticketId}/teach`, {
        kind: "out_of_scope",
        text,
      });
      expect(change).toMatchObject({ kind: "out_of_scope", status: "pending", text });
      const { changes } = await shaped(backend, "GET /changes", "supervisor", "/changes?status=pending");
      expect(changes.find((c) => c.id === change.id)?.kind).toBe("out_of_scope");
    }
  });

  it("supervisors' pages: pending changes, agents, learning suggestions", async () => {
    for (const backend of state.backends) {
      await shaped(backend, "GET /changes", "supervisor", "/changes?status=pending");
      await shaped(backend, "GET /agents", "supervisor", "/agents");
      await shaped(backend, "GET /insights/suggestions", "supervisor", "/insights/suggestions");
    }
  });

  it("supervisors' QA queue: a resolved, human-handled ticket is reviewed and listed; agents are refused", async () => {
    for (const backend of state.backends) {
      let resolved: string | undefined;
      if (backend.name === "real") {
        const ticketId = await someTicketId(backend);
        resolved = ticketId;
        const sent = await shaped(backend, "POST /tickets/:id/reply", "agent", `/tickets/${ticketId}/reply`, {
          text: "抱歉让您久等，马上为您处理。",
        });
        expect(sent.delivery).toBeUndefined();
        await call(backend, "agent", "POST", `/tickets/${ticketId}/resolve`);
        // The SLA clock's tick reviews it (npm start's grader: the heuristic).
        await state.stack.tickSla();
      }
      const { grader, reviews } = await shaped(
        backend,
        "GET /quality/reviews",
        "supervisor",
        "/quality/reviews?sort=score",
      );
      expect(grader).toBe("heuristic");
      expect(reviews.length).toBeGreaterThan(0);
      if (resolved) expect(reviews.map((r) => r.ticketId)).toContain(resolved);
      const agent = await fetch(`${backend.url}/desk/api/quality/reviews`, {
        headers: { authorization: `Bearer ${await signIn(backend, "agent")}` },
      });
      expect(agent.status, backend.name).toBe(403);
    }
  });

  it("supervisors' reports: the analytics report with its unanswered topics, and the quality report", async () => {
    for (const backend of state.backends) {
      const report = await shaped(backend, "GET /reports", "supervisor", "/reports");
      expect(report.topUnanswered, backend.name).toBeInstanceOf(Array);
      const quality = await shaped(backend, "GET /quality/report", "supervisor", "/quality/report?since=7d");
      expect(quality.inspected.total, backend.name).toBeGreaterThanOrEqual(0);
      // The schemas hold: the same bodies with one figure retyped are refused.
      expect(DeskResponses["GET /reports"].safeParse({ ...report, containment: "50%" }).success).toBe(false);
      const listed = { ...quality, decisions: Object.keys(quality.decisions) };
      expect(DeskResponses["GET /quality/report"].safeParse(listed).success).toBe(false);
    }
  });

  it("admins' knowledge page: import reports, versions and an upload target", async () => {
    for (const backend of state.backends) {
      await shaped(backend, "GET /faq/imports", "admin", "/faq/imports");
      await shaped(backend, "GET /faq/versions", "admin", "/faq/versions");
      await shaped(backend, "POST /faq/uploads", "admin", "/faq/uploads", { fileName: "faq.csv" });
    }
  });

  it("the schemas refuse the defect class this test exists for: /skills as bare strings", () => {
    const parsed = DeskResponses["GET /skills"].safeParse({ skills: ["zh", "billing"] });
    expect(parsed.success).toBe(false);
  });
});
