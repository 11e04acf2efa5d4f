import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { AnswerEngine, EngineResult } from "../../../shared/core/engine";
import type { FaqEntry } from "../../../shared/core/faq";
import { type InboundMessage, messageKey } from "../../../shared/core/message";
import { processMessage } from "../../../shared/core/pipeline";
import type { ReplyPlan } from "../../../shared/core/pipeline/outcome";
import type { PipelineInspection } from "../../../shared/core/pipeline/ports";
import { compileRuleSet, type InspectionRule, type RuleSet } from "../../../shared/core/quality/inspection";
import { DEFAULT_TEXTS } from "../../../shared/core/texts";
import { parseRules } from "../../../shared/kb/inspection-rules";
import { inbound, pipelineDeps, scriptedEngine } from "../../support/fakes";
import { REPO_ROOT } from "../../support/shared-data";

const entries: FaqEntry[] = readFileSync(resolve(REPO_ROOT, "local/seed/faq.example.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const { similar_questions, ...entry } = JSON.parse(line);
    return { ...entry, similarQuestions: similar_questions ?? [] };
  });
const localEngine = createLocalEngine(entries);
const defaultRules = compileRuleSet(
  "default",
  parseRules(readFileSync(resolve(REPO_ROOT, "local/seed/rules.default.jsonl"), "utf8")).rules,
);

/** The default rules plus one blocking rule for `terms`. */
function blocking(...terms: string[]): RuleSet {
  const extra: InspectionRule = {
    id: "test.block",
    category: "banned",
    severity: "block",
    terms,
    detect: [],
    allow: [],
    appliesTo: ["bot", "agent"],
  };
  return compileRuleSet("v-test", [...defaultRules.rules.map((r) => r.rule), extra]);
}

const answer = (text: string): EngineResult => ({
  decision: { kind: "answer", text, faqIds: ["returns"], confidence: 0.93 },
  candidates: [{ faqId: "returns", score: 0.93, matchedQuestion: "怎么退货" }],
});

interface Scenario {
  engine: AnswerEngine;
  /** Earlier messages of the conversation, then the one whose reply is of the plan's kind. */
  messages: () => InboundMessage[];
  /** A phrase of that reply only (not of the disclosure or the fallback). */
  marker: string;
  /** What the scenario needs of the pipeline's fakes beyond the engine. */
  prepare?(deps: ReturnType<typeof pipelineDeps>["deps"]): void;
}

// Every kind of reply the pipeline sends: a kind added to ReplyPlan without a scenario here does not compile.
const SEND_PATHS: Record<ReplyPlan["kind"], Scenario> = {
  welcome: {
    engine: localEngine,
    messages: () => [inbound({ kind: "event", event: "subscribe", text: "" })],
    marker: "[welcome]",
  },
  media: {
    engine: localEngine,
    messages: () => [inbound({ kind: "media", text: "", attachments: [{ type: "image", ref: "m1" }] })],
    marker: "[text only]",
  },
  answer: {
    engine: scriptedEngine(() => answer("退货请在订单页申请")),
    messages: () => [inbound({ text: "怎么退货" })],
    marker: "订单页申请",
  },
  clarify: {
    engine: scriptedEngine(() => ({
      decision: {
        kind: "clarify",
        text: "1. 退货 2. 换货",
        options: [
          { faqId: "returns", question: "退货" },
          { faqId: "exchange", question: "换货" },
        ],
      },
      candidates: [],
    })),
    messages: () => [inbound({ text: "退换" })],
    marker: "1. 退货 2. 换货",
  },
  handoff: {
    engine: scriptedEngine(() => ({
      decision: { kind: "handoff", reason: "low_confidence", priority: "normal" },
      candidates: [],
    })),
    messages: () => [inbound({ text: "我的订单有问题" })],
    marker: "[handoff",
  },
  smalltalk: {
    engine: localEngine,
    messages: () => [inbound({ text: "谢谢" })],
    marker: "[thanks zh]",
  },
  out_of_scope: {
    engine: localEngine,
    messages: () => [inbound({ text: "tell me a joke" })],
    marker: "[outOfScope",
  },
  language_notice: {
    engine: localEngine,
    messages: () => [inbound({ text: "怎么查物流信息？" }), inbound({ text: "すみません。" })],
    marker: "[languageOffer",
  },
  csat_thanks: {
    // A hand-off, then a rating once the ticket is resolved (the desk records it).
    engine: localEngine,
    messages: () => [inbound({ text: "转人工" }), inbound({ text: "5" })],
    marker: "[csatThanks",
    prepare(deps) {
      deps.desk = { classify: () => ({}), afterResolve: async () => ({ kind: "rated" }) };
      deps.tickets.status = async () => "resolved";
    },
  },
  withheld: {
    // The safe sentence itself: it goes out only in place of a blocked reply, so its marker is blocked
    // along with the answer's, and the built-in sentence goes out instead.
    engine: scriptedEngine(() => answer("退货请在订单页申请")),
    messages: () => [inbound({ text: "怎么退货" })],
    marker: "[inspectionFallback",
  },
};

function run(scenario: Scenario, rules: RuleSet, fallback: PipelineInspection["fallback"] = "safe_answer") {
  const fake = pipelineDeps(scenario.engine);
  fake.deps.inspection = { ...fake.deps.inspection, rules: async () => rules, fallback };
  scenario.prepare?.(fake.deps);
  return {
    ...fake,
    async play() {
      const messages = scenario.messages();
      for (const message of messages) await processMessage(message, fake.deps);
      return messages.map(messageKey);
    },
  };
}

describe("every reply the bot sends is inspected first", () => {
  it.each(Object.entries(SEND_PATHS))("%s", async (kind, scenario) => {
    // With the default rules: every message sent has its inspection recorded as sent.
    const clean = run(scenario, defaultRules);
    const keys = await clean.play();
    const records = [...clean.audit.items.values()];
    expect(clean.sent.length).toBeGreaterThan(0);
    expect(records.filter((r) => r.decision === "sent")).toHaveLength(clean.sent.length);
    for (const record of records) {
      expect(keys.some((key) => record.messageId.startsWith(key))).toBe(true);
      expect(record).toMatchObject({ author: "bot", ruleSetVersion: "default", channel: "wechat" });
    }
    if (kind !== "withheld") expect(clean.sent.at(-1)?.text).toContain(scenario.marker);

    // With the reply's own words blocked, they never reach the customer.
    const markers = kind === "withheld" ? [SEND_PATHS.answer.marker, scenario.marker] : [scenario.marker];
    const strict = run(scenario, blocking(...markers));
    await strict.play();
    for (const message of strict.sent) {
      for (const marker of markers) expect(message.text).not.toContain(marker);
    }
    const blocked = [...strict.audit.items.values()].filter((r) => r.decision === "blocked");
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked[0]?.findings[0]).toMatchObject({ ruleId: "test.block", ruleSetVersion: "v-test" });
    expect(strict.sent.at(-1)?.text).toContain(
      kind === "withheld" ? DEFAULT_TEXTS.zh.inspectionFallback : "[inspectionFallback",
    );
  });
});

describe("a blocked answer", () => {
  const banned = "本店商品全网最低价，退货请在订单页申请";

  it("is handed to a person (reason inspection) by default, with the answer's entry as candidate", async () => {
    const fake = run(
      { ...SEND_PATHS.answer, engine: scriptedEngine(() => answer(banned)) },
      defaultRules,
      "handoff",
    );
    const [key] = await fake.play();
    const outcome = await processMessage(inbound({ text: "还有问题" }), fake.deps);
    expect(outcome.action).toBe("silent");
    expect(fake.sent.map((m) => m.text).join()).not.toContain("全网最低价");
    const ticket = [...fake.tickets.items.values()][0];
    expect(ticket).toMatchObject({ reason: "inspection", candidates: [{ faqId: "returns" }] });
    const blocked = fake.audit.items.get(`${key}#answer`);
    expect(blocked).toMatchObject({
      decision: "blocked",
      reason: "handoff",
      text: `[AI助手]\n${banned}`,
      findings: [
        { ruleId: "ad-law.absolute.block", term: "全网最低", severity: "block" },
        { ruleId: "ad-law.absolute.block", term: "最低价", severity: "block" },
      ],
    });
    expect(fake.audit.items.get(`${key}#handoff`)).toMatchObject({
      decision: "sent",
      ticketId: ticket?.ticketId,
    });
  });

  it("is replaced by the safe sentence when so configured, and nothing counts as answered", async () => {
    const fake = run({ ...SEND_PATHS.answer, engine: scriptedEngine(() => answer(banned)) }, defaultRules);
    const outcome = await processMessage(inbound({ text: "怎么退货" }), fake.deps);
    expect(outcome).toEqual({ action: "withheld", instead: "answer" });
    expect(fake.sent.map((m) => m.text)).toEqual(["[AI助手]\n[inspectionFallback zh]"]);
    expect(fake.tickets.items.size).toBe(0);
    const conversation = [...fake.conversations.items.values()][0];
    expect(conversation?.turns.at(-1)).toMatchObject({
      role: "bot",
      text: "[AI助手]\n[inspectionFallback zh]",
    });
  });

  it("masks personal data in the audit trail's copy of the text", async () => {
    const text = "全网最低价，联系13812345678";
    const fake = run({ ...SEND_PATHS.answer, engine: scriptedEngine(() => answer(text)) }, defaultRules);
    await fake.play();
    const stored = JSON.stringify([...fake.audit.items.values()]);
    expect(stored).not.toContain("13812345678");
    expect(stored).toContain("138****5678");
  });

  it("is not inspected again when a redelivery finishes it: the outbox holds the plan that passed", async () => {
    const fake = run({ ...SEND_PATHS.answer, engine: scriptedEngine(() => answer(banned)) }, defaultRules);
    const message = inbound({ text: "怎么退货" });
    await processMessage(message, fake.deps);
    const outbox = await fake.outbox.get(messageKey(message));
    expect(outbox?.plan).toMatchObject({ kind: "withheld", text: "[AI助手]\n[inspectionFallback zh]" });
  });
});

describe("a blocked hand-off notice", () => {
  it("is replaced by the safe sentence, and the ticket shows the agent that sentence, not the notice", async () => {
    const fake = run(SEND_PATHS.handoff, blocking(SEND_PATHS.handoff.marker));
    await fake.play();
    expect(fake.sent.map((m) => m.text)).toEqual(["[AI助手]\n[inspectionFallback zh]"]);
    const ticket = [...fake.tickets.items.values()][0];
    expect(ticket?.transcript.at(-1)).toMatchObject({
      role: "bot",
      text: "[AI助手]\n[inspectionFallback zh]",
    });
  });
});

describe("warnings", () => {
  it("are recorded and the reply goes out as written", async () => {
    const text = "建议您最好在签收后7天内申请退货，我们承诺尽快处理。";
    const fake = run({ ...SEND_PATHS.answer, engine: scriptedEngine(() => answer(text)) }, defaultRules);
    const [key] = await fake.play();
    expect(fake.sent.at(-1)?.text).toContain(text);
    const record = fake.audit.items.get(`${key}#answer`);
    expect(record?.decision).toBe("sent");
    expect(record?.findings.map((f) => f.ruleId)).toEqual(["promise.warn"]);
  });
});

describe("without a rule set", () => {
  it("sends, and records the message as inspected against no rule set", async () => {
    const fake = pipelineDeps(scriptedEngine(() => answer("ok")));
    const message = inbound();
    await processMessage(message, fake.deps);
    expect(fake.audit.items.get(`${messageKey(message)}#answer`)).toMatchObject({
      decision: "sent",
      ruleSetVersion: "none",
      findings: [],
    });
  });

  it("does not send when the rule set cannot be read: the message goes back to the queue", async () => {
    const fake = pipelineDeps(scriptedEngine(() => answer("ok")));
    fake.deps.inspection = {
      ...fake.deps.inspection,
      rules: async () => {
        throw new Error("bucket unavailable");
      },
    };
    await expect(processMessage(inbound(), fake.deps)).rejects.toThrow("bucket unavailable");
    expect(fake.sent).toHaveLength(0);
  });
});
