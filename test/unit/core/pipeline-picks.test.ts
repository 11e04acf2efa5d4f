import { describe, expect, it } from "vitest";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { FaqEntry } from "../../../shared/core/faq";
import { pickRecorder } from "../../../shared/core/picks";
import { processMessage } from "../../../shared/core/pipeline";
import { ownPhrasings } from "../../../shared/kb/picks";
import { memoryPicks } from "../../../shared/stores/memory";
import { inbound, pipelineDeps } from "../../support/fakes";

/** Two close entries: "密码忘了怎么办" gets the question "which one?", "第二个" picks. */
const KB: FaqEntry[] = [
  {
    id: "card_arrival",
    question: "When will my card arrive?",
    similarQuestions: ["My card has not arrived yet", "How long does card delivery take?"],
    answer: "Cards arrive within 5 working days.",
  },
  {
    id: "pwd",
    question: "怎么修改登录密码",
    similarQuestions: ["忘记登录密码怎么办", "重置登录密码"],
    answer: "请在“我的-设置-安全”中修改登录密码。",
  },
  {
    id: "pwd_pay",
    question: "怎么修改支付密码",
    similarQuestions: ["忘记支付密码怎么办", "重置支付密码"],
    answer: "请在“我的-设置-支付”中修改支付密码。",
  },
];

function setup(options: { store?: ReturnType<typeof memoryPicks>; entries?: FaqEntry[] } = {}) {
  const entries = options.entries ?? KB;
  const store = options.store ?? memoryPicks();
  const errors: unknown[] = [];
  const picks = pickRecorder({
    store,
    isPhrasingOf: ownPhrasings(entries),
    kbVersion: () => "v-3",
    onError: (error) => errors.push(error),
  });
  const { deps, sent } = pipelineDeps(createLocalEngine(entries), { picks });
  return { deps, sent, store, errors };
}

/** A question the bot offers options for, then the customer's pick. */
async function askAndPick(deps: ReturnType<typeof setup>["deps"], question: string, pick = "第二个") {
  const asked = await processMessage(inbound({ text: question, conversationKey: "wechat:gh:o-7" }), deps);
  expect(asked).toMatchObject({ action: "clarified", options: ["pwd", "pwd_pay"] });
  const picking = inbound({
    text: pick,
    conversationKey: "wechat:gh:o-7",
    receivedAt: "2026-11-21T10:00:05.000Z",
  });
  return { outcome: await processMessage(picking, deps), picking };
}

describe("clarify picks", () => {
  it("are recorded after the answer: the masked question, the entry picked, the entries offered", async () => {
    const { deps, sent, store } = setup();
    const { outcome } = await askAndPick(deps, "密码忘了怎么办，我手机13812345678");
    expect(outcome).toMatchObject({ action: "answered", faqIds: ["pwd_pay"] });
    expect(sent.at(-1)?.text).toContain("支付密码");
    const [record, ...more] = [...store.items.values()];
    expect(more).toEqual([]);
    expect(record).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      wording: "密码忘了怎么办，我手机138****5678",
      faqId: "pwd_pay",
      offered: ["pwd", "pwd_pay"],
      kbVersion: "v-3",
      channel: "wechat",
      at: "2026-11-21T10:00:05.000Z",
    });
    expect(JSON.stringify(record)).not.toContain("13812345678");
  });

  it("record the customer's own words when the options were offered for a follow-up joined to an earlier question", async () => {
    const { deps, store } = setup();
    await processMessage(inbound({ text: "密码忘了怎么办", conversationKey: "wechat:gh:o-7" }), deps);
    // As a follow-up's clarify leaves it: the question read in context, and what the customer said.
    const stored = await deps.conversations.get("wechat:gh:o-7");
    if (!stored?.topic) throw new Error("the clarify left no topic");
    await deps.conversations.save(
      { ...stored, topic: { ...stored.topic, question: "怎么修改登录密码 那支付的呢", said: "那支付的呢" } },
      new Date("2026-11-21T10:00:03.000Z"),
    );
    await processMessage(
      inbound({ text: "第二个", conversationKey: "wechat:gh:o-7", receivedAt: "2026-11-21T10:00:05.000Z" }),
      deps,
    );
    expect([...store.items.values()].map((p) => [p.wording, p.faqId])).toEqual([["那支付的呢", "pwd_pay"]]);
  });

  it("leave a topic without `said` when the question is the customer's own words", async () => {
    const { deps } = setup();
    await processMessage(inbound({ text: "密码忘了怎么办", conversationKey: "wechat:gh:o-8" }), deps);
    expect((await deps.conversations.get("wechat:gh:o-8"))?.topic).toEqual({
      question: "密码忘了怎么办",
      faqIds: ["pwd", "pwd_pay"],
    });
  });

  it("are recorded when the customer types the option's text instead of its number", async () => {
    const { deps, store } = setup();
    await askAndPick(deps, "密码忘了怎么办", "怎么修改登录密码");
    expect([...store.items.values()].map((p) => p.faqId)).toEqual(["pwd"]);
  });

  it("are not recorded when the question is already a phrasing of the entry picked", async () => {
    // The entry has this exact wording (give or take punctuation and particles), yet the bot asked:
    // the customer's pick teaches nothing new.
    const entries = KB.map((e) =>
      e.id === "pwd_pay" ? { ...e, similarQuestions: ["密码忘了怎么办呢？"] } : e,
    );
    const own = ownPhrasings(entries);
    expect(own("pwd_pay", "密码忘了怎么办")).toBe(true);
    expect(own("pwd", "密码忘了怎么办")).toBe(false);
    const store = memoryPicks();
    const recorder = pickRecorder({ store, isPhrasingOf: own, onError: () => undefined });
    const pick = {
      id: "x",
      wording: "密码忘了怎么办",
      offered: ["pwd", "pwd_pay"],
      channel: "wechat" as const,
      at: "2026-11-21T10:00:00.000Z",
    };
    await recorder.record({ ...pick, faqId: "pwd_pay" });
    expect(store.items.size).toBe(0);
    await recorder.record({ ...pick, faqId: "pwd" });
    expect([...store.items.values()].map((p) => p.faqId)).toEqual(["pwd"]);
  });

  it("are not recorded for a new question instead of a pick", async () => {
    const { deps, store } = setup();
    await processMessage(inbound({ text: "密码忘了怎么办", conversationKey: "wechat:gh:o-7" }), deps);
    const outcome = await processMessage(
      inbound({ text: "重置登录密码", conversationKey: "wechat:gh:o-7" }),
      deps,
    );
    expect(outcome).toMatchObject({ action: "answered", faqIds: ["pwd"] });
    expect(store.items.size).toBe(0);
  });

  it("never change the reply when the store fails: the failure goes to the recorder's caller", async () => {
    const failing = memoryPicks();
    failing.record = async () => {
      throw Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
    };
    const { deps, sent, errors } = setup({ store: failing });
    const { outcome } = await askAndPick(deps, "密码忘了怎么办");
    expect(outcome).toMatchObject({ action: "answered", faqIds: ["pwd_pay"] });
    expect(sent.at(-1)?.text).toBe("请在“我的-设置-支付”中修改支付密码。");
    expect(errors.map((e) => (e as Error).name)).toEqual(["ProvisionedThroughputExceededException"]);
  });

  it("are recorded once when the picking message is redelivered after its answer went out", async () => {
    const { deps, store, sent } = setup();
    await processMessage(inbound({ text: "密码忘了怎么办", conversationKey: "wechat:gh:o-9" }), deps);
    const save = deps.conversations.save.bind(deps.conversations);
    let failOnce = true;
    deps.conversations.save = async (conversation, now) => {
      // The picking message's record fails once, after its answer was sent: the message is redelivered.
      if (failOnce && conversation.processedIds.length === 2) {
        failOnce = false;
        // A permanent store error: not retried in place, so the message fails and is redelivered.
        throw Object.assign(new Error("the conversation write was lost"), { name: "AccessDeniedException" });
      }
      return save(conversation, now);
    };
    const picking = inbound({ text: "第二个", conversationKey: "wechat:gh:o-9" });
    await expect(processMessage(picking, deps)).rejects.toThrow("lost");
    const answers = sent.filter((reply) => reply.text.includes("支付密码")).length;
    await processMessage(picking, deps);
    expect(sent.filter((reply) => reply.text.includes("支付密码")).length).toBe(answers);
    expect([...store.items.values()].map((p) => p.faqId)).toEqual(["pwd_pay"]);
  });

  it("are recorded once when the picking message is redelivered", async () => {
    const { deps, store } = setup();
    const { picking } = await askAndPick(deps, "密码忘了怎么办");
    expect(await processMessage(picking, deps)).toEqual({ action: "duplicate" });
    expect(store.items.size).toBe(1);
  });
});
