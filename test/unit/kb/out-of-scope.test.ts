import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createHybridEngine, type Policy } from "../../../shared/ai/hybrid-engine";
import { createLocalEngine } from "../../../shared/ai/local-engine";
import type { AnswerEngine } from "../../../shared/core/engine";
import type { FaqEntry } from "../../../shared/core/faq";
import { processMessage } from "../../../shared/core/pipeline";
import { outcomeKind } from "../../../shared/core/pipeline/outcome";
import { validateRow } from "../../../shared/kb/faq-schema";
import { withLearnedScope } from "../../../shared/kb/learned";
import { createLexicalRetriever } from "../../../shared/kb/lexical";
import { changeRow, type PendingChange } from "../../../shared/kb/teach";
import { inbound, pipelineDeps } from "../../support/fakes";
import { REPO_ROOT } from "../../support/shared-data";

const seed: FaqEntry[] = readFileSync(resolve(REPO_ROOT, "local/seed/faq.example.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const { similar_questions, ...entry } = JSON.parse(line);
    return { ...entry, similarQuestions: similar_questions ?? [] };
  });

/** The knowledge base after a supervisor approved "out of scope" for these wordings: the import's row. */
function approvedOutOfScope(texts: string[]): FaqEntry {
  const change: PendingChange = {
    id: "c1",
    kind: "out_of_scope",
    status: "approved",
    text: texts[0],
    texts,
    author: "sup",
    createdAt: "2026-12-01T00:00:00.000Z",
  };
  const row = validateRow({ row: 1, fields: changeRow(change) }, "en");
  if (!("action" in row) || row.action !== "upsert") throw new Error("the import refused the row");
  return row.entry;
}

// A competitor's parcels: the customer's words are all in the KB (track, package), but it is not our
// business. Agents marked such wordings out of scope.
const QUESTION = "how do I track a package I bought on another site";
const WORDINGS = ["how do i track a package bought on another website", "track a parcel from another shop"];

function conversation(engine: AnswerEngine, key: string) {
  const { deps, sent, tickets } = pipelineDeps(engine);
  const say = async (text: string) => {
    const outcome = await processMessage(inbound({ text, conversationKey: key }), deps);
    return { outcome, kind: outcomeKind(outcome), reply: sent.at(-1)?.text ?? "" };
  };
  return { say, tickets };
}

describe("an approved out-of-scope wording in the product", () => {
  const withWordings = [...seed, approvedOutOfScope(WORDINGS)];

  it("is imported as a row of its own, never an entry to answer from", () => {
    expect(approvedOutOfScope(WORDINGS)).toEqual({
      id: "out-of-scope-c1",
      question: WORDINGS[0],
      similarQuestions: [WORDINGS[1]],
      answer: "",
      outOfScope: true,
    });
    const built: FaqEntry[][] = [];
    withLearnedScope(withWordings, (answerable) => {
      built.push(answerable);
      return createLocalEngine(answerable);
    });
    expect(built[0]?.map((e) => e.id)).toEqual(seed.map((e) => e.id));
  });

  it("local engine: a vetoed question gets the scope statement, then the offer of a person, no ticket", async () => {
    // Without the wordings the bot answers it (from the tracking entry): the veto is what changes it.
    const before = conversation(createLocalEngine(seed), "wechat:gh:oos-before");
    expect((await before.say(QUESTION)).outcome).toMatchObject({
      action: "answered",
      faqIds: ["en-shipping-track"],
    });

    const after = conversation(
      withLearnedScope(withWordings, (answerable) => createLocalEngine(answerable)),
      "wechat:gh:oos-after",
    );
    const first = await after.say(QUESTION);
    expect(first.kind).toBe("out_of_scope");
    expect(first.reply).toContain("[outOfScope");
    // Counted as off-topic like any other: the next one in a row offers a person.
    expect((await after.say("who won the world cup in 2018")).kind).toBe("offer_handoff");
    expect(after.tickets.items.size).toBe(0);
    // The entry itself is still answered.
    expect((await after.say("How do I track my package?")).outcome).toMatchObject({
      action: "answered",
      faqIds: ["en-shipping-track"],
    });
  });

  it("hybrid (Bedrock) engine: the same veto stands in front of a generated answer", async () => {
    const policy: Policy = (candidates) => {
      const top = candidates[0];
      if (!top) return { kind: "handoff", reason: "low_confidence", priority: "normal" };
      return { kind: "answer", text: "answer", faqIds: [top.faqId], confidence: top.score };
    };
    const hybrid = (entries: FaqEntry[]) =>
      createHybridEngine({
        lexical: createLexicalRetriever(entries),
        triggers: () => null,
        policy,
        entries,
        generator: {
          async generate() {
            return {
              text: "Open My Orders > Track package.",
              faqIds: ["en-shipping-track"],
              confidence: 0.95,
              needsHuman: false,
              usage: { inputTokens: 1, outputTokens: 1 },
            };
          },
        },
      });
    const before = conversation(hybrid(seed), "wechat:gh:oos-hybrid-before");
    expect((await before.say(QUESTION)).kind).toBe("answer");
    const after = conversation(withLearnedScope(withWordings, hybrid), "wechat:gh:oos-hybrid-after");
    expect((await after.say(QUESTION)).kind).toBe("out_of_scope");
    expect(after.tickets.items.size).toBe(0);
  });
});
