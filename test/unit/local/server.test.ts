import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalServer, type LocalServerOptions } from "../../../local/server";
import { MalformedRequestError } from "../../../shared/core/errors";

/** The local front door: readiness gates the webhooks, and the routes a new user tries first exist. */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(overrides: Partial<LocalServerOptions> = {}) {
  const state = { ready: false, stage: "importing the example FAQ", webhookCalls: 0 };
  const server = createLocalServer({
    webhook: async () => {
      state.webhookCalls++;
      return { statusCode: 200, body: "success" };
    },
    simulators: [],
    dev: async ({ path, body }) => {
      if (path === "/dev/echo") {
        try {
          return { status: 200, body: JSON.parse(body) };
        } catch {
          throw new MalformedRequestError("the body is not JSON");
        }
      }
      return undefined;
    },
    readiness: () => ({ ready: state.ready, stage: state.ready ? "ready" : state.stage }),
    index: () => ({ service: "Kefu", ready: state.ready }),
    trace: async (_channel, invoke) => ({ traceId: "trace-1", result: await invoke() }),
    ...overrides,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  close = () => new Promise((r) => server.close(() => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, url };
}

describe("before the stack is ready", () => {
  it("answers webhooks 503 with Retry-After, without calling the handler, and says so on /ready", async () => {
    const { state, url } = await serve();
    const webhook = await fetch(`${url}/webhooks/wechat`, { method: "POST", body: "<xml/>" });
    expect(webhook.status).toBe(503);
    expect(webhook.headers.get("retry-after")).toBe("1");
    expect(await webhook.json()).toMatchObject({ error: "starting", stage: "importing the example FAQ" });
    expect(state.webhookCalls).toBe(0);

    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBe("1");
    expect(await ready.json()).toMatchObject({ ready: false, stage: "importing the example FAQ" });

    expect((await fetch(`${url}/dev/echo`, { method: "POST", body: "{}" })).status).toBe(503);
    // Liveness and the index answer at once.
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(url)).json()).toEqual({ service: "Kefu", ready: false });
  });
});

describe("once ready", () => {
  it("serves the webhook with a trace id, and /ready says 200", async () => {
    const { state, url } = await serve();
    state.ready = true;
    const webhook = await fetch(`${url}/webhooks/wechat`, { method: "POST", body: "<xml/>" });
    expect(webhook.status).toBe(200);
    expect(await webhook.text()).toBe("success");
    expect(webhook.headers.get("x-kefu-trace")).toBe("trace-1");
    expect(state.webhookCalls).toBe(1);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, stage: "ready" });
  });

  it("answers a named error with its status and code, not 500", async () => {
    const { state, url } = await serve();
    state.ready = true;
    const bad = await fetch(`${url}/dev/echo`, { method: "POST", body: "{not json" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "malformed_request" });
    const unknown = await fetch(`${url}/nowhere`);
    expect(unknown.status).toBe(404);
  });
});
