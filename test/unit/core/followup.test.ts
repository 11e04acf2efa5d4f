import { describe, expect, it } from "vitest";
import type { Decision } from "../../../shared/core/engine";
import type { Candidate, FaqEntry } from "../../../shared/core/faq";
import {
  bothReadings,
  entryCoverage,
  entryLinks,
  type Reading,
  readsAsFollowUp,
  readWithTopic,
  resolveFollowUp,
  TOPIC_MAX_CHARS,
  type TopicReader,
  withTopic,
} from "../../../shared/core/understanding/followup";

const answer = (faqId: string, score = 0.9): Decision => ({
  kind: "answer",
  text: `answer of ${faqId}`,
  faqIds: [faqId],
  confidence: score,
});
const clarify = (...ids: string[]): Decision => ({
  kind: "clarify",
  text: "您是想问",
  options: ids.map((faqId) => ({ faqId, question: faqId })),
});
const handoff: Decision = { kind: "handoff", reason: "low_confidence", priority: "normal" };
const ranked = (...ids: string[]): Candidate[] =>
  ids.map((faqId, i) => ({ faqId, score: 0.3 - i * 0.05, matchedQuestion: faqId }));
const reading = (decision: Decision, candidates: Candidate[] = []): Reading => ({ decision, candidates });

describe("readsAsFollowUp", () => {
  it.each([
    "那澳门呢",
    "预售的呢？",
    "还有别的颜色吗",
    "这个要多久",
    "what about paypal?",
    "and the tracking number?",
    "is it free?",
    "it's been sitting at customs for a week",
    "they said the parcel would come monday",
  ])("%s has the shape of a follow-up", (text) => expect(readsAsFollowUp(text)).toBe(true));

  it.each([
    "怎么申请退货？",
    "我买的衣服尺码不合适，想申请退货，请问流程是什么？",
    "do you ship to australia",
    "can i return a jacket i bought last week, never worn",
    "this is the third time i am writing about the parcel that never came",
    "   ",
  ])("%s stands alone", (text) => expect(readsAsFollowUp(text)).toBe(false));
});

describe("withTopic", () => {
  it("puts the previous question before the follow-up", () => {
    expect(withTopic({ question: "能寄到香港不", faqIds: ["zh-shipping-area"] }, " 那澳门呢 ")).toBe(
      "能寄到香港不 那澳门呢",
    );
  });

  it("keeps the newest characters of a long previous question and the whole message", () => {
    const joined = withTopic({ question: `${"香".repeat(TOPIC_MAX_CHARS)}港`, faqIds: [] }, "那澳门呢");
    expect(joined).toBe(`${"香".repeat(TOPIC_MAX_CHARS - 1)}港 那澳门呢`);
  });
});

describe("resolveFollowUp", () => {
  const followUp = { followUp: true };
  const ownQuestion = { followUp: false };

  it("keeps an answer of the message alone when the context agrees or the message is its own question", () => {
    const alone = reading(answer("refund-time"), ranked("refund-time"));
    expect(resolveFollowUp(alone, reading(answer("refund-time")), followUp)).toBe("alone");
    expect(resolveFollowUp(alone, reading(answer("payment-failed")), ownQuestion)).toBe("alone");
    expect(resolveFollowUp(alone, reading(clarify("payment-failed", "refund-time")), followUp)).toBe("alone");
  });

  it("asks when a follow-up's two readings answer confidently with different entries", () => {
    const alone = reading(answer("refund-time"), ranked("refund-time"));
    expect(resolveFollowUp(alone, reading(answer("payment-failed")), followUp)).toBe("ask");
  });

  it("keeps a choice the message alone offers when it lists the entry the context points to", () => {
    const alone = reading(clarify("a", "b"), ranked("a", "b"));
    expect(resolveFollowUp(alone, reading(answer("a")), followUp)).toBe("alone");
    expect(resolveFollowUp(alone, reading(clarify("b", "c")), followUp)).toBe("alone");
  });

  it("asks, listing the thread's entry, when the message's own choice lacks it and the message leans on the thread", () => {
    const alone = reading(clarify("gift-wrap", "delivery-fee"), ranked("gift-wrap", "delivery-fee"));
    const context = reading(clarify("bulk-discount", "gift-wrap"));
    expect(resolveFollowUp(alone, context, followUp)).toBe("ask");
    expect(resolveFollowUp(alone, context, { followUp: false, related: true })).toBe("ask");
    // A question of its own that shares no word with the thread's entry keeps its own choice.
    expect(resolveFollowUp(alone, context, { followUp: false, related: false })).toBe("alone");
  });

  it("answers a follow-up in context only with an entry the message alone retrieved, and asks otherwise", () => {
    const weak = reading(handoff, ranked("shipping-area", "return-how"));
    expect(resolveFollowUp(weak, reading(answer("shipping-area")), followUp)).toBe("combined");
    // The previous question's words alone carry this entry: not an answer, a choice beside the
    // message's own first entry.
    expect(resolveFollowUp(weak, reading(answer("shipping-time")), followUp)).toBe("ask");
    // Found far down, with no lead of its own, the entry is not the message's too.
    const faint = reading(handoff, [
      { faqId: "dispatch-time", score: 0.09, matchedQuestion: "" },
      { faqId: "order-status", score: 0.002, matchedQuestion: "" },
    ]);
    expect(resolveFollowUp(faint, reading(answer("order-status")), followUp)).toBe("ask");
  });

  it("answers a follow-up that retrieved nothing on its own from its context", () => {
    expect(resolveFollowUp(reading(handoff, []), reading(answer("shipping-when")), followUp)).toBe(
      "combined",
    );
  });

  it("never answers a message that is not shaped as a follow-up from its context", () => {
    const weak = reading(handoff, ranked("shipping-area"));
    expect(resolveFollowUp(weak, reading(answer("shipping-area")), ownQuestion)).toBe("alone");
  });

  it("offers the context's choice when it lists the message's own first entry, or the message has no lead", () => {
    const weak = reading(handoff, ranked("coupon-use", "member-points"));
    expect(resolveFollowUp(weak, reading(clarify("coupon-refund", "coupon-use")), ownQuestion)).toBe(
      "combined",
    );
    const leadless = reading(handoff, [{ faqId: "coupon-use", score: 0.05, matchedQuestion: "" }]);
    expect(resolveFollowUp(leadless, reading(clarify("x", "y")), followUp)).toBe("combined");
  });

  it("asks with the message's own lead beside the context's choice that lacks it, when the message leans on the thread", () => {
    const weak = reading(handoff, ranked("coupon-use", "member-points"));
    expect(resolveFollowUp(weak, reading(clarify("x", "y")), followUp)).toBe("ask");
    expect(
      resolveFollowUp(weak, reading(clarify("coupon-refund", "return-how")), {
        followUp: false,
        related: true,
      }),
    ).toBe("ask");
    expect(resolveFollowUp(weak, reading(clarify("coupon-refund", "return-how")), ownQuestion)).toBe("alone");
  });

  it("hands off as the message alone would when the context adds nothing", () => {
    expect(resolveFollowUp(reading(handoff, ranked("a")), reading(handoff), followUp)).toBe("alone");
  });
});

describe("bothReadings", () => {
  const own = reading(clarify("a", "b", "c"), ranked("a", "b", "c"));
  const context = reading(clarify("t", "a", "u"), ranked("t", "a", "u"));

  it("takes the first of each reading, then their runners-up in turn, each entry once, at most three", () => {
    expect(bothReadings(own, context).map((c) => c.faqId)).toEqual(["a", "t", "b"]);
  });

  it("leads with the context when the message alone would have gone to a person", () => {
    const weak = reading(handoff, ranked("a", "b"));
    expect(bothReadings(weak, context).map((c) => c.faqId)).toEqual(["t", "a", "b"]);
  });

  it("puts forward every candidate with a lead of a reading that would hand off, at least its first", () => {
    const leads = reading(handoff, [
      { faqId: "a", score: 0.2, matchedQuestion: "" },
      { faqId: "b", score: 0.12, matchedQuestion: "" },
      { faqId: "c", score: 0.01, matchedQuestion: "" },
    ]);
    const answered = reading(answer("t"), ranked("t", "a"));
    expect(bothReadings(leads, answered).map((c) => c.faqId)).toEqual(["t", "a", "b"]);
    const faint = reading(handoff, [{ faqId: "c", score: 0.01, matchedQuestion: "" }]);
    expect(bothReadings(faint, answered).map((c) => c.faqId)).toEqual(["t", "c"]);
  });
});

describe("entryLinks", () => {
  const links = entryLinks([
    {
      id: "wrap",
      question: "Do you gift wrap?",
      similarQuestions: [],
      answer: "Yes, with a card, for 5 yuan.",
    },
  ]);

  it("tells whether an entry's text has one of the message's content words", () => {
    expect(links("wrap", "can the card be handwritten")).toBe(true);
    expect(links("wrap", "is the jacket down or feather")).toBe(false);
    expect(links("missing", "card")).toBe(false);
  });
});

describe("a later turn the message alone does not answer", () => {
  const topic = { question: "can you wrap it as a gift", faqIds: ["wrap"] };
  const readerFor = (alone: Reading, combined: Reading, related: boolean): TopicReader => ({
    read: (query) =>
      query === "how much is the ribbon" || query === "is it down or feather" ? alone : combined,
    offer: (candidates) => clarify(...candidates.map((c) => c.faqId)),
    sharesWords: () => related,
  });

  it("adds the thread's entry to the message's own choice, after the message's own first option", async () => {
    const alone = reading(clarify("price", "fees", "coupons"), ranked("price", "fees", "coupons"));
    const combined = reading(clarify("wrap", "price"), ranked("wrap", "price"));
    const read = await readWithTopic("how much is the ribbon", topic, true, readerFor(alone, combined, true));
    expect(read.decision).toEqual(clarify("price", "wrap", "fees"));
    expect(read.question).toBe("can you wrap it as a gift how much is the ribbon");
  });

  it("keeps the message's own choice when it shares no word with the thread's entry", async () => {
    const alone = reading(clarify("materials", "sizes"), ranked("materials", "sizes"));
    const combined = reading(clarify("wrap", "materials"), ranked("wrap", "materials"));
    const read = await readWithTopic("is it down or feather", topic, true, readerFor(alone, combined, false));
    // "is it down or feather" is shaped as a follow-up ("it"), so it leans on the thread whatever its words.
    expect(read.decision).toEqual(clarify("materials", "wrap", "sizes"));
    const ownQuestion = await readWithTopic("are your jackets down or feather", topic, true, {
      ...readerFor(alone, combined, false),
      read: (query) => (query.startsWith("can you wrap") ? combined : alone),
    });
    expect(ownQuestion).toBe(alone);
  });

  it("asks when a follow-up the message alone answers is answered in context with another entry", async () => {
    const sure = reading(answer("refund-time", 0.9), [
      { faqId: "refund-time", score: 0.9, matchedQuestion: "" },
    ]);
    const inContext = reading(answer("wrap", 0.9), [{ faqId: "wrap", score: 0.9, matchedQuestion: "" }]);
    // The reader answers only when asked to, as the engines' policy does.
    const honest: TopicReader = {
      read: (query, { answers }) =>
        query === "and the money back?"
          ? sure
          : answers
            ? inContext
            : reading(clarify("wrap"), inContext.candidates),
      offer: (candidates) => clarify(...candidates.map((c) => c.faqId)),
    };
    const read = await readWithTopic("and the money back?", topic, true, honest);
    expect(read.decision).toEqual(clarify("refund-time", "wrap"));
  });

  it("reads a question of its own with a choice of its own once when it shares no word with the thread", async () => {
    const alone = reading(clarify("materials", "sizes"), ranked("materials", "sizes"));
    const queries: string[] = [];
    const counting = (related: boolean): TopicReader => ({
      ...readerFor(alone, alone, related),
      read: (query) => {
        queries.push(query);
        return alone;
      },
    });
    await readWithTopic("are your jackets down or feather", topic, true, counting(false));
    expect(queries).toEqual(["are your jackets down or feather"]);
    await readWithTopic("are your jackets down or feather", topic, true, counting(true));
    expect(queries).toHaveLength(3);
  });
});

describe("follow-ups about the answer just given", () => {
  const entries: FaqEntry[] = [
    {
      id: "points",
      question: "How do points work?",
      similarQuestions: ["what are points for"],
      answer: "You earn 1 point per yuan. 100 points take 1 yuan off, at most 10% of an order.",
    },
    {
      id: "coupons",
      question: "How do I use a coupon?",
      similarQuestions: ["where do i enter my coupon"],
      answer: "Enter the coupon at checkout; it takes money off orders above its minimum.",
    },
  ];
  const aboutAnswer = entryCoverage(entries);

  it("takes the topic entry when its text covers the message, and more of it than any entry retrieved", () => {
    // Its terms: "most", "order" and the price concept ("how much"); the points text has two, coupons' one.
    expect(aboutAnswer("points", "at most how much of an order", ["coupons"])).toMatchObject({
      decision: { kind: "answer", faqIds: ["points"] },
    });
  });

  it("leaves a message whose words another retrieved entry covers as well", () => {
    expect(aboutAnswer("points", "how do i enter a coupon at checkout", ["coupons"])).toBeUndefined();
  });

  it("lets the conversation break a tie between texts that cover the message equally", () => {
    const tied = entryCoverage([
      ...entries,
      { id: "cards", question: "Which cards do you take?", similarQuestions: [], answer: "Visa and points." },
    ]);
    // "points" is in the cards text and the points text alike: the topic entry stands.
    expect(tied("points", "points please", ["cards"])).toMatchObject({
      decision: { kind: "answer", faqIds: ["points"] },
    });
    // …but not against an entry the message alone answers with confidently.
    expect(tied("points", "points please", ["cards"], "cards")).toBeUndefined();
  });

  it("leaves a message the topic entry barely covers", () => {
    expect(aboutAnswer("points", "can i pay with a gift card at the till", [])).toBeUndefined();
  });

  const topic = { question: "what are points for", faqIds: ["points"] };
  const readerWith = (alone: Reading): TopicReader => ({
    read: () => alone,
    offer: (candidates) => clarify(...candidates.map((c) => c.faqId)),
    aboutAnswer,
  });

  it("answers a message the policy would hand off with the topic entry it is about", async () => {
    const alone = reading(handoff, ranked("coupons"));
    const read = await readWithTopic("at most how much of an order", topic, true, readerWith(alone));
    expect(read.decision).toMatchObject({ kind: "answer", faqIds: ["points"] });
    expect(read.question).toBe("what are points for at most how much of an order");
  });

  it("asks which was meant when the message alone answers confidently with another entry", async () => {
    const alone = reading(answer("coupons", 0.95), [{ faqId: "coupons", score: 0.95, matchedQuestion: "" }]);
    const read = await readWithTopic("at most how much of an order", topic, true, readerWith(alone));
    expect(read.decision).toEqual(clarify("coupons", "points"));
  });

  it("keeps an answer with the topic entry as it is", async () => {
    const alone = reading(answer("points", 0.95), [{ faqId: "points", score: 0.95, matchedQuestion: "" }]);
    const read = await readWithTopic("at most how much of an order", topic, true, readerWith(alone));
    expect(read).toBe(alone);
  });
});
