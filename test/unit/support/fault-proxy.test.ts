import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../local/random";
import { describeDynamoDb, dynamoDbError, type FaultProxy, startFaultProxy } from "../../support/fault-proxy";

/**
 * The fault suite's instrument: a proxy that fails the calls its rules pick and passes the others on
 * untouched. Proven here against a plain HTTP target that counts what reaches it.
 */
let target: Server;
let reached = 0;
let proxy: FaultProxy;

beforeAll(async () => {
  target = createServer((req, res) => {
    reached++;
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  proxy = await startFaultProxy({
    seed: 7,
    target: `http://127.0.0.1:${(target.address() as AddressInfo).port}`,
    describe: describeDynamoDb,
  });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((resolve) => target.close(resolve));
});

/** A DynamoDB-shaped request; `invocation` plays the SDK's id shared by the attempts of one call. */
async function call(operation: string, invocation: string): Promise<number | "dropped" | "no answer"> {
  try {
    const response = await fetch(proxy.url, {
      method: "POST",
      headers: { "x-amz-target": `DynamoDB_20120810.${operation}`, "amz-sdk-invocation-id": invocation },
      body: JSON.stringify({ TableName: "t-outbox" }),
      signal: AbortSignal.timeout(2_000),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return (error as Error).name === "TimeoutError" ? "no answer" : "dropped";
  }
}

describe("the fault proxy", () => {
  it("passes every request on while disabled, whatever its rules", async () => {
    proxy.enabled = false;
    proxy.rules = [{ name: "all", match: () => true, rate: 1, fault: dynamoDbError("ThrottlingException") }];
    const before = reached;
    expect(await call("PutItem", "a")).toBe(200);
    expect(reached).toBe(before + 1);
    expect(proxy.injected()).toEqual({});
  });

  it("fails the attempts of one call that a rule asks for, then lets the call through", async () => {
    proxy.enabled = true;
    proxy.rules = [
      {
        name: "throttled twice",
        match: (c) => c.operation === "PutItem" && c.resource === "t-outbox",
        rate: 1,
        fault: dynamoDbError("ThrottlingException"),
        attempts: 2,
        limit: 1,
      },
    ];
    const before = reached;
    expect([await call("PutItem", "b"), await call("PutItem", "b"), await call("PutItem", "b")]).toEqual([
      400, 400, 200,
    ]);
    // Another operation is no match; the rule's limit spares the next call.
    expect(await call("GetItem", "c")).toBe(200);
    expect(await call("PutItem", "d")).toBe(200);
    expect(reached).toBe(before + 3);
    expect(proxy.injected()["throttled twice"]).toEqual({ requests: 2, calls: 1 });
  });

  it("drops the connection, loses the answer of a served request, or holds a request unanswered", async () => {
    proxy.rules = [
      { name: "reset", match: (c) => c.operation === "Reset", rate: 1, fault: { kind: "reset" } },
    ];
    let before = reached;
    expect(await call("Reset", "e")).toBe("dropped");
    expect(reached).toBe(before);

    proxy.rules = [{ name: "lost", match: () => true, rate: 1, fault: { kind: "lose-answer" } }];
    before = reached;
    expect(await call("PutItem", "f")).toBe("dropped");
    // Served: the write happened, only its answer was lost.
    expect(reached).toBe(before + 1);

    proxy.rules = [{ name: "hang", match: () => true, rate: 1, fault: { kind: "hang", ms: 10_000 } }];
    before = reached;
    expect(await call("PutItem", "g")).toBe("no answer");
    expect(reached).toBe(before);
  });

  it("fails the next N matching calls on demand, every attempt of each", async () => {
    proxy.rules = [];
    proxy.failNext(
      { name: "burst", match: () => true, fault: dynamoDbError("ThrottlingException"), attempts: 3 },
      2,
    );
    const statuses = [];
    for (const invocation of ["h", "h", "h", "h", "i", "j"]) statuses.push(await call("PutItem", invocation));
    expect(statuses).toEqual([400, 400, 400, 200, 400, 200]);
    expect(proxy.injected().burst).toEqual({ requests: 4, calls: 2 });
  });
});

describe("seededRandom", () => {
  it("gives the same sequence for the same seed, in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(values[0]);
  });
});
