import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wechatPush } from "../../local/platforms/wechat";
import type { LocalStack } from "../../local/stack";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { startTestStack } from "../support/stack";
import { tempDir } from "../support/temp-dirs";
import { waitFor } from "../support/wait";

/**
 * The developer's side of `npm start`, as a new user tries it: the /dev API refuses bad input with 4xx
 * and a reason, `npm run desk` and `npm run chat` explain their usage and say what actually happened.
 */
const stateDir = tempDir("kefu-dev-");
let stack: LocalStack;
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
let ticketId = "";
const handedOff = "o-dev-handoff";

beforeAll(async () => {
  // The stack module reads KEFU_STATE_DIR when it loads: set it first, then import.
  process.env.KEFU_STATE_DIR = stateDir;
  stack = await startTestStack("dev", { writeEnvFile: true });
  const push = wechatPush(credentials, { openId: handedOff, text: "转人工" });
  await fetch(`${stack.url}${push.path}`, { method: "POST", headers: push.headers, body: push.body });
  // Done once the notice the customer got is filed on it: the tests below read the ticket as it stays.
  const ticket = await waitFor(
    async () =>
      (
        (await get("/dev/tickets")).body as {
          ticketId: string;
          conversationKey: string;
          transcript: { role: string }[];
        }[]
      ).find((t) => t.conversationKey.endsWith(`:${handedOff}`) && t.transcript.at(-1)?.role === "bot"),
    { what: "the hand-off ticket with its notice" },
  );
  ticketId = ticket.ticketId;
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

async function get(path: string) {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, body: (await response.json()) as unknown };
}

async function postRaw(path: string, body: string) {
  const response = await fetch(`${stack.url}${path}`, { method: "POST", body });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

/** Runs a CLI of the project against this stack; resolves with its exit code and output. */
function cli(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "npx",
      ["tsx", `local/cli/${script}.ts`, ...args],
      { env: { ...process.env, KEFU_STATE_DIR: stateDir, KEFU_PORT: "", ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the /dev API", () => {
  it("serves one ticket by id, whatever the case, and 404 for an unknown one", async () => {
    const exact = await get(`/dev/tickets/${ticketId}`);
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ ticketId, status: "open", reason: "customer_request" });
    expect(await get(`/dev/tickets/${ticketId.toLowerCase()}`)).toEqual(exact);
    const unknown = await get("/dev/tickets/KF-00000000");
    expect(unknown).toMatchObject({ status: 404, body: { error: "not_found" } });
  });

  it("refuses bad JSON and an empty agent reply with 400, sending and storing nothing", async () => {
    const sentBefore = stack.outbox.entries.length;
    const transcriptBefore = ((await get(`/dev/tickets/${ticketId}`)).body as { transcript: unknown[] })
      .transcript;

    expect(await postRaw(`/dev/tickets/${ticketId}/reply`, "{text: oops")).toMatchObject({
      status: 400,
      body: { error: "malformed_request" },
    });
    for (const body of ['{"text": "   "}', "{}", '{"text": 42}', ""]) {
      expect(await postRaw(`/dev/tickets/${ticketId}/reply`, body)).toMatchObject({
        status: 400,
        body: { error: "empty_reply" },
      });
    }
    expect(await postRaw("/dev/faults", "not json")).toMatchObject({ status: 400 });
    expect(await postRaw("/dev/faults", '{"channel": "wechat"}')).toMatchObject({ status: 400 });

    expect(stack.outbox.entries.length).toBe(sentBefore);
    expect(((await get(`/dev/tickets/${ticketId}`)).body as { transcript: unknown[] }).transcript).toEqual(
      transcriptBefore,
    );
  });

  it("answers a reply that breaks a blocking quality rule 409 with the findings, as the desk API does, and sends it with a reason", async () => {
    const text = "这款保证收益，全网最低价";
    const sentBefore = stack.outbox.entries.length;
    const blocked = await postRaw(`/dev/tickets/${ticketId}/reply`, JSON.stringify({ text }));
    expect(blocked.status).toBe(409);
    const body = blocked.body as { error: string; findings: { ruleId: string; matched: string }[] };
    expect(body.error).toBe("quality_findings");
    expect(body.findings.map((f) => f.ruleId)).toContain("promise.block");
    expect(body.findings.map((f) => f.matched)).toContain("全网最低");
    expect(stack.outbox.entries.length).toBe(sentBefore);

    const noReason = JSON.stringify({ text, findingsOverride: { reason: " " } });
    expect(await postRaw(`/dev/tickets/${ticketId}/reply`, noReason)).toMatchObject({
      status: 400,
      body: { error: "malformed_request" },
    });
    const withReason = JSON.stringify({ text, findingsOverride: { reason: "客户要求核对原文" } });
    expect(await postRaw(`/dev/tickets/${ticketId}/reply`, withReason)).toMatchObject({
      status: 200,
      body: { ticketId },
    });
    expect(stack.outbox.entries.at(-1)).toMatchObject({ to: handedOff, text });
  });

  it("takes an agent reply on a lower-case ticket id", async () => {
    const reply = await postRaw(
      `/dev/tickets/${ticketId.toLowerCase()}/reply`,
      '{"text": "您好，我来帮您。"}',
    );
    expect(reply).toMatchObject({ status: 200, body: { ticketId } });
    expect(stack.outbox.entries.at(-1)).toMatchObject({ to: handedOff, text: "您好，我来帮您。" });
    // Answered, the ticket is the replying agent's, as a reply in the desk takes it.
    expect((await get(`/dev/tickets/${ticketId}`)).body).toMatchObject({
      status: "assigned",
      assignee: "dev",
    });
  });
});

describe("npm run desk", () => {
  it("explains its usage and exits 2 on a wrong command line", async () => {
    const [bogus, show] = await Promise.all([cli("desk", ["list", "bogus"]), cli("desk", ["show"])]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('unknown status "bogus"');
    expect(bogus.stderr).toContain("usage: npm run desk");
    expect(show.code).toBe(2);
    expect(show.stderr).toContain("show needs a ticket id");
    expect(show.stderr).toContain("usage: npm run desk");
    // Every command stands apart from its description.
    expect(show.stderr).toMatch(/ {2}reply ID "text" \[--reason "why"\] {2,}answer the customer/);
  }, 60_000);

  it("says a ticket that does not exist is not there (exit 1), not a usage error", async () => {
    const missing = await cli("desk", ["show", "kf-nonexist"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("no ticket KF-NONEXIST: npm run desk -- list shows the open ones");
  }, 60_000);

  it("says to start the local stack when none runs, not which setting is missing", async () => {
    const none = await cli("desk", ["list"], {
      KEFU_STATE_DIR: tempDir("kefu-no-stack-"),
      KEFU_FAQ_BUCKET: "",
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("Kefu is not running here: start it with `npm start`");
    expect(none.stderr).not.toContain("invalid configuration");
  }, 60_000);

  it("lists under a header, and shows a ticket given in lower case", async () => {
    // The ticket was answered through /dev/tickets above: it is assigned, no longer open.
    const [list, show] = await Promise.all([
      cli("desk", ["list", "assigned"]),
      cli("desk", ["show", ticketId.toLowerCase()]),
    ]);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trim().split("\n");
    expect(header).toMatch(/^TICKET\s+PRIORITY\s+REASON\s+CHANNEL\s+OPENED\s+CUSTOMER'S LAST MESSAGE$/);
    // What the customer said, not the bot's hand-off notice that followed it (the transcript's last turn).
    expect(rows.find((row) => row.startsWith(ticketId))).toMatch(/\s转人工$/);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`${ticketId} (assigned`);
  }, 60_000);
});

describe("npm run desk reply and resolve", () => {
  it("says which rule stops a reply and the words it matched, and sends it anyway with --reason", async () => {
    const text = "这是全网最低价";
    const blocked = await cli("desk", ["reply", ticketId, text]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`not sent: the reply on ${ticketId} breaks a blocking quality rule`);
    expect(blocked.stderr).toMatch(/ad-law\.absolute\.block \(block\): "(全网最低|最低价)" — 《广告法》/);
    expect(blocked.stderr).toContain(`npm run desk -- reply ${ticketId} "${text}" --reason`);
    const forced = await cli("desk", ["reply", ticketId, text, "--reason", "客户要求的原文"]);
    expect(forced.stderr).toBe("");
    expect(forced.code).toBe(0);
    expect(stack.outbox.entries.filter((e) => e.to === handedOff).at(-1)?.text).toBe(text);
  }, 120_000);

  it("do what the desk API does: the reply is the agent's, the resolve asks for a rating, both are counted", async () => {
    const customer = "o-dev-cli-resolve";
    const push = wechatPush(credentials, { openId: customer, text: "转人工" });
    await fetch(`${stack.url}${push.path}`, { method: "POST", headers: push.headers, body: push.body });
    const { ticketId: id } = await waitFor(
      async () =>
        ((await get("/dev/tickets")).body as { ticketId: string; conversationKey: string }[]).find((t) =>
          t.conversationKey.endsWith(`:${customer}`),
        ),
      { what: "the second hand-off ticket" },
    );
    const range = {
      since: new Date().toISOString().slice(0, 10),
      until: new Date().toISOString().slice(0, 10),
    };
    // Imported after KEFU_STATE_DIR is set (beforeAll): it reads the state directory when it loads.
    const { localReport } = await import("../../local/analytics/local-report");
    const before = await localReport(stack.env, range, "counters");

    const reply = await cli("desk", ["reply", id, "您好，已为您处理。", "--agent", "wang"]);
    expect(reply.stderr).toBe("");
    expect(reply.code).toBe(0);
    // Claimed as the desk claims on a reply: out of `list` (open), in `list assigned`.
    const [open, assigned] = await Promise.all([cli("desk", ["list"]), cli("desk", ["list", "assigned"])]);
    expect(open.stdout).not.toContain(id);
    expect(assigned.stdout).toContain(id);
    expect((await get(`/dev/tickets/${id}`)).body).toMatchObject({ status: "assigned", assignee: "wang" });
    const resolve = await cli("desk", ["resolve", id, "--agent", "wang"]);
    expect(resolve.code).toBe(0);
    expect(resolve.stdout).toContain("asked to rate");

    const csat = stack.outbox.entries.filter((e) => e.to === customer).at(-1);
    expect(csat?.text).toContain("1–5");
    const ticket = (await get(`/dev/tickets/${id}`)).body as {
      status: string;
      transcript: { role: string; text: string; agent?: string }[];
    };
    expect(ticket.status).toBe("resolved");
    expect(ticket.transcript).toContainEqual(expect.objectContaining({ role: "agent", agent: "wang" }));
    expect(ticket.transcript).toContainEqual(
      expect.objectContaining({ role: "system", text: "resolved by wang", agent: "wang" }),
    );
    const after = await localReport(stack.env, range, "counters");
    expect(after.agentReplies - before.agentReplies).toBe(1);
    expect(after.resolved - before.resolved).toBe(1);
  }, 120_000);
});

describe("npm run chat", () => {
  it("prints its usage for --help, and exits 2 on an unknown option", async () => {
    const [help, bogus] = await Promise.all([cli("chat", ["--help"]), cli("chat", ["--bogus"])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("usage: npm run chat");
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("usage: npm run chat");
  }, 60_000);

  it("prints the answer, and says a person has the conversation when one does", async () => {
    const answered = await cli("chat", ["--user", "o-dev-chat", "--say", "怎么开发票"]);
    expect(answered.code).toBe(0);
    expect(answered.stdout).toMatch(/^Kefu: [\s\S]*发票/);
    expect(answered.stdout).not.toContain("(");

    const silent = await cli("chat", ["--user", handedOff, "--say", "还在吗"]);
    expect(silent.stdout.trim()).toBe(
      `(no reply: ticket ${ticketId} is open and a person is handling this conversation; see npm run desk -- show ${ticketId})`,
    );
  }, 60_000);

  it("says an opted-out SMS customer gets nothing, and why", async () => {
    const customer = "+14255550177";
    const stop = await cli("chat", ["--channel", "sms", "--user", customer, "--say", "STOP"]);
    expect(stop.stdout.trim()).toMatch(/^\(nothing was queued: the ingress answered this delivery itself/);
    const question = await cli("chat", ["--channel", "sms", "--user", customer, "--say", "怎么开发票"]);
    expect(question.stdout.trim()).toBe(
      "(no reply delivered: the channel refused it for good: recipient opted out)",
    );
  }, 60_000);

  it("says a message that keeps failing went to the dead-letter queue, and who has the customer, and exits 1", async () => {
    expect(await postRaw("/dev/faults", '{"channel": "wechat", "count": 1000, "errcode": -1}')).toEqual({
      status: 200,
      body: { ok: true, channel: "wechat", pending: 1000 },
    });
    try {
      const failed = await cli("chat", ["--user", "o-dev-dlq", "--say", "怎么申请退货？", "--timeout", "60"]);
      expect(failed.code).toBe(1);
      const [gaveUp, handedOff] = failed.stdout.trim().split("\n");
      // The cause is the channel's failure, not the worker's log line about the hand-off that followed.
      expect(gaveUp).toMatch(
        /^\(failed: the worker gave up after \d+ attempts, last error \w+; the message is in the dead-letter queue/,
      );
      expect(gaveUp).not.toContain("handed to a person");
      expect(handedOff).toMatch(
        /^\(a person has the conversation: ticket KF-\w{8}; see npm run desk -- show KF-/,
      );
    } finally {
      // Count 0 clears the channel's faults: the next send goes through.
      expect(await postRaw("/dev/faults", '{"channel": "wechat", "count": 0}')).toEqual({
        status: 200,
        body: { ok: true, channel: "wechat", pending: 0 },
      });
    }
    expect(stack.outbox.takeFault("wechat")).toBeUndefined();
  }, 90_000);
});
