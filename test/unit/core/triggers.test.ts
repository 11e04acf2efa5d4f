import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadJsonlKb } from "../../../local/eval/conversations";
import { loadTriggerRows, scoreTriggers } from "../../../local/eval/triggers";
import type { Turn } from "../../../shared/core/conversation";
import { readEmotion } from "../../../shared/core/understanding/emotion";
import { buildScope } from "../../../shared/core/understanding/scope";
import {
  checkTriggers,
  detectHumanRequest,
  detectSensitiveTopic,
  dissatisfiedStreak,
  withinOneEdit,
} from "../../../shared/core/understanding/triggers";
import { REPO_ROOT } from "../../support/shared-data";

const turn = (role: Turn["role"], text: string): Turn => ({ role, text, at: "2025-01-01T00:00:00Z" });

describe("explicit request for a person", () => {
  it.each([
    "转人工",
    "转 人工！",
    "人工",
    "我要人工客服",
    "请给我转人工服务",
    "客服",
    "找你们经理",
    "我想跟真人说话",
    "human",
    "humen",
    "Agent please",
    "I want to talk to a real person",
    "can I speak to someone",
    "connect me with a representative",
    "let me talk to a human being",
    "speak to an agnet",
    // Fillers between the verb and the person, and a person of the service desk.
    "能不能帮我转一下人工客服",
    "给我接个真人",
    "我要和客服说两句",
    "让你们工作人员来处理",
    "别用机器人回复我",
    "我不想和机器人对话",
    // Pinyin homophones of 人工 where 人工 is asked for.
    "转仁工",
    "人功客服在吗",
    "I'd like to chat with a customer support agent",
    "talk to your support team please",
    "is there a real human I could speak with",
    "could someone from your customer service team call me",
    "please have a member of staff get in touch with me",
    "hand me over... no, put me through to customer care",
  ])("detects %s", (text) => {
    expect(detectHumanRequest(text)).toBeDefined();
  });

  it.each([
    "客服电话是多少",
    "人工服务时间是几点",
    "人工智能是什么",
    "我想看真人秀",
    "Do I need to speak to a representative to change my pin?",
    "I sent money to a person and they haven't received it",
    "what is the agent fee for transfers",
    "how do I add someone as a beneficiary",
    "human resources department address",
    "人工费怎么算",
    "这本书的主人公是谁",
    "帮我找人公司的地址",
    "我不要机器人吸尘器了 能退吗",
    "客服几点下班",
    "I want a team jersey in size M",
    "I want to get the customer care package",
    "will someone call me before the delivery",
    "do you sell robots made by humans",
    // Declining a person is not asking for one; a team is asked for only after a verb of talking.
    "我不要客服，我自己看看就行",
    "不用人工，我自己看看",
    "I need to send it back to your team",
  ])("does not fire on %s", (text) => {
    expect(detectHumanRequest(text)).toBeUndefined();
  });

  it("still reads asking for another agent, or complaining of not being put through, as a request", () => {
    expect(detectHumanRequest("换个客服吧")).toBeDefined();
    expect(detectHumanRequest("为什么不转人工")).toBeDefined();
    expect(detectHumanRequest("can I contact your team")).toBeDefined();
  });
});

describe("anger / strong negative sentiment", () => {
  it.each([
    "你们真垃圾",
    "傻逼客服",
    "什么破玩意！！",
    "This is fucking useless",
    "You are so stupid!!!",
    "THIS IS TERRIBLE AND I HATE IT",
  ])("fires on %s", (text) => {
    expect(checkTriggers(text, [])).toMatchObject({ reason: "negative_sentiment" });
  });
  it.each([
    "垃圾分类怎么做",
    "我不生气，只想问问",
    "not bad at all",
    "my card was declined",
    "滚动条怎么用",
    "sbi bank transfer",
  ])("stays quiet on %s", (text) => {
    expect(checkTriggers(text, [])).toBeUndefined();
  });
  it("scores intensity: exclamation marks and more anger words raise the score", () => {
    expect(readEmotion("垃圾").score).toBe(2);
    expect(readEmotion("垃圾!!").score).toBe(3);
    expect(readEmotion("垃圾 气死我了!!").score).toBe(5);
    expect(readEmotion("hello!!!").score).toBe(1);
    expect(readEmotion("hello!!!").angry).toBe(false);
  });
  it("marks extreme anger high priority", () => {
    expect(checkTriggers("傻逼 垃圾 废物!!", [])).toMatchObject({
      reason: "negative_sentiment",
      priority: "high",
    });
  });
});

describe("repeated failure", () => {
  const unhappy = [
    turn("customer", "怎么改密码"),
    turn("bot", "……"),
    turn("customer", "没用"),
    turn("bot", "……"),
  ];
  it("fires on the third dissatisfied customer turn in a row", () => {
    expect(dissatisfiedStreak("答非所问", unhappy)).toBe(2);
    expect(checkTriggers("答非所问", [...unhappy, turn("customer", "不对"), turn("bot", "…")])).toMatchObject(
      {
        reason: "repeated_failure",
      },
    );
  });
  it("counts asking the same question again", () => {
    const history = [
      turn("customer", "how do I reset my PIN?"),
      turn("bot", "…"),
      turn("customer", "how do I reset my PIN"),
      turn("bot", "…"),
    ];
    expect(dissatisfiedStreak("How do I reset my PIN??", history)).toBe(2);
    expect(checkTriggers("not helpful", history)).toBeUndefined();
    const again = [...history, turn("customer", "How do I reset my PIN?"), turn("bot", "…")];
    expect(checkTriggers("not helpful", again)).toMatchObject({ reason: "repeated_failure" });
  });
  it("resets the streak after a satisfied turn", () => {
    const history = [
      turn("customer", "useless"),
      turn("customer", "not helpful"),
      turn("customer", "thanks, and my card?"),
    ];
    expect(dissatisfiedStreak("wrong answer", history)).toBe(1);
    expect(checkTriggers("wrong answer", history)).toBeUndefined();
  });
  it("reads a dissatisfied reply in other words", () => {
    const history = [
      turn("customer", "积分怎么兑换"),
      turn("bot", "……"),
      turn("customer", "你没理解我的意思 我问的是过期积分"),
      turn("bot", "……"),
      turn("customer", "还是不对 过期的还能用吗"),
      turn("bot", "……"),
    ];
    expect(checkTriggers("一点用都没有", history)).toMatchObject({ reason: "repeated_failure" });
    expect(checkTriggers("you keep giving me the same reply", [])).toBeUndefined();
    expect(dissatisfiedStreak("you're not getting it", [])).toBe(1);
    expect(dissatisfiedStreak("not helping", [])).toBe(1);
    // 也不是 judges the answer only at the start of a message.
    expect(dissatisfiedStreak("我也不是很急", [])).toBe(0);
  });
  it("skips a bare pick of an offered option: it neither counts nor breaks the run", () => {
    const history = [
      turn("customer", "how do refunds work"),
      turn("bot", "……"),
      turn("customer", "thats not my question, when does the money come back"),
      turn("bot", "1. … 2. … 3. …"),
      turn("customer", "2"),
      turn("bot", "……"),
    ];
    expect(dissatisfiedStreak("still not what i asked", history)).toBe(2);
  });
  it("does not fire on a first dissatisfied message", () => {
    expect(checkTriggers("不对", [])).toBeUndefined();
  });
});

describe("sensitive topics", () => {
  it.each([
    "我被骗了",
    "我要投诉",
    "打12315",
    "我要找律师起诉你们",
    "This is fraud",
    "I will sue you",
    "I'll contact the regulator",
    "I was scammed",
  ])("hands off %s with high priority", (text) => {
    expect(checkTriggers(text, [])).toMatchObject({ reason: "sensitive_topic", priority: "high" });
  });
  it.each([
    ["我的帐号被人盗了 订单都不是我下的", "fraud"],
    ["有陌生人打电话说是你们店的 要我把验证码发给他", "phishing"],
    ["got a weird email telling me to confirm my card details, is it really from you", "phishing"],
    ["someone signed into my account and changed the address", "fraud"],
    ["吹风机用着用着冒烟了", "safety"],
    ["宝宝误食了玩具上的小珠子", "safety"],
    ["the lamp shocked me when i plugged it in", "safety"],
    ["my kid got burnt by the steam from the kettle", "safety"],
    ["we had to take him to the hospital after he ate it", "safety"],
    ["我没下过这个单 怎么扣了我的钱", "fraud"],
    ["I cut my finger on the blade", "safety"],
    ["my hand is bleeding from the broken glass", "safety"],
    ["再这样我就去市场监管局举报", "legal"],
    ["you will be hearing from my solicitor", "legal"],
  ])("names the kind of %s", (text, kind) => {
    expect(detectSensitiveTopic(text)).toMatch(new RegExp(`^${kind}:`));
    expect(checkTriggers(text, [])).toMatchObject({ reason: "sensitive_topic", priority: "high" });
  });
  it.each([
    "my phone was stolen",
    "怎么修改密码",
    "how do I report a lost card",
    "骗取的拼音怎么写",
    "敏感肌 过敏体质能用这款面霜吗",
    "有没有防漏电的插线板",
    "is this kettle safe to leave plugged in",
    "the ATM swallowed my card",
    "do you sell a rash guard for kids",
    "can you deliver to the hospital on 5th street",
    "I got a text saying my parcel was delivered but it isn't here",
    "收到短信说退款成功了 怎么还没到账",
    "投诉建议在哪里提交",
    "where can i complain about a late courier",
    "I never got the order confirmation email",
    // A denial is fraud only about orders or charges, not a question about being a new customer.
    "我没买过你们家的东西，新人有优惠吗",
    "i never made a purchase before, do new customers get a discount?",
    "不是我下的单吗？我想确认一下",
    // Bleeding and cuts are harm only to a person.
    "the colour is bleeding onto my other clothes after washing",
    "does the dye bleeding wash out?",
    "cut my order in half please",
    "can you cut me a deal on two",
    // 我没…过 said of a product, with no order, charge or account in the message.
    "我没买过这种面料的衣服 会起球吗",
  ])("ignores %s", (text) => {
    expect(detectSensitiveTopic(text)).toBeUndefined();
  });
  it("takes precedence over a request for a person", () => {
    expect(checkTriggers("被骗了，转人工", [])).toMatchObject({ reason: "sensitive_topic" });
  });
});

describe("configuration", () => {
  it("each trigger can be switched off", () => {
    expect(checkTriggers("转人工", [], { humanRequest: false })).toBeUndefined();
    expect(checkTriggers("我要投诉", [], { sensitiveTopic: false })).toBeUndefined();
    expect(checkTriggers("你们真垃圾", [], { negativeSentiment: false })).toBeUndefined();
  });
  it("the sentiment threshold is configurable", () => {
    expect(checkTriggers("垃圾", [])).toMatchObject({ reason: "negative_sentiment" });
    expect(checkTriggers("垃圾", [], { sentimentThreshold: 3 })).toBeUndefined();
  });
});

describe("withinOneEdit", () => {
  it("accepts one substitution, insertion, deletion or transposition", () => {
    expect(withinOneEdit("human", "humen")).toBe(true);
    expect(withinOneEdit("human", "humn")).toBe(true);
    expect(withinOneEdit("agent", "agnet")).toBe(true);
    expect(withinOneEdit("human", "humans")).toBe(true);
    expect(withinOneEdit("human", "woman")).toBe(false);
  });
});

describe("the triggers on bench/data/triggers.dev.jsonl", () => {
  const rows = loadTriggerRows(resolve(REPO_ROOT, "bench/data/triggers.dev.jsonl"));
  const scope = buildScope(loadJsonlKb(resolve(REPO_ROOT, "local/seed/faq.example.jsonl")));
  const scores = scoreTriggers(rows, scope);

  it("reads the whole labelled set (zh and en, every label)", () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(new Set(rows.map((r) => r.lang))).toEqual(new Set(["zh", "en"]));
    expect(new Set(rows.map((r) => r.label)).size).toBe(5);
  });

  // Precision first: a false hand-off costs an agent's time. The floors leave room for wording changes,
  // not for a regression (`npm run --silent eval:triggers` prints the measured figures).
  it.each(["human", "sensitive", "dissatisfied"] as const)(
    "%s: at least 95% precision and 90% recall",
    (name) => {
      expect(scores[name].precision).toBeGreaterThanOrEqual(0.95);
      expect(scores[name].recall).toBeGreaterThanOrEqual(0.9);
    },
  );
});
