import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
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
 * An admin imports a new FAQ entry with `npm run faq:import` while Kefu runs: the worker answers from the
 * new knowledge-base version at once, without a restart.
 */
const stateDir = tempDir("kefu-faq-");
let stack: LocalStack;
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

beforeAll(async () => {
  // The stack module reads KEFU_STATE_DIR when it loads: set it first, then import.
  process.env.KEFU_STATE_DIR = stateDir;
  stack = await startTestStack("faq", { writeEnvFile: true });
});

afterAll(async () => {
  await stack?.stop();
});

async function ask(openId: string, text: string): Promise<string> {
  const push = wechatPush(credentials, { openId, text });
  await fetch(`${stack.url}${push.path}`, { method: "POST", headers: push.headers, body: push.body });
  const reply = await waitFor(() => stack.outbox.entries.find((e) => e.to === openId), {
    what: `a reply to ${openId}`,
  });
  return reply.text;
}

describe("importing an FAQ entry while Kefu runs", () => {
  it("makes it answerable at once, without a restart", async () => {
    const question = "你们支持数字人民币付款吗";
    const newAnswer = "支持。结算时选择「数字人民币」并在钱包 App 中确认即可。";
    expect(await ask("o-faq-before", question)).not.toContain(newAnswer);

    const file = join(stateDir, "digital-rmb.jsonl");
    const entry = {
      id: "pay_digital_rmb",
      question: "支持数字人民币付款吗",
      similar_questions: ["可以用数字人民币支付吗", "数字人民币能付款吗", "你们支持数字人民币付款吗"],
      answer: newAnswer,
    };
    // Entries an admin adds side by side, one character apart: scores alone cannot tell them apart, the
    // question typed as it is must still get its own entry.
    const siblings = ["一", "二", "三"].map((n) => ({
      id: `json_${n}`,
      question: `JSON问题${n}`,
      answer: `JSON答案${n}`,
    }));
    writeFileSync(file, [entry, ...siblings].map((e) => `${JSON.stringify(e)}\n`).join(""));
    const { stdout } = await promisify(execFile)("npx", ["tsx", "local/cli/faq-import.ts", file, "--json"], {
      env: { ...process.env, KEFU_STATE_DIR: stateDir },
    });
    const report = JSON.parse(stdout) as { status: string; counts: { inserted: number; rejected: number } };
    expect(report).toMatchObject({ status: "applied", counts: { inserted: 4, rejected: 0 } });

    expect(await ask("o-faq-after", question)).toContain(newAnswer);
    expect(await ask("o-faq-verbatim", "JSON问题三")).toContain("JSON答案三");
  }, 90_000);
});
