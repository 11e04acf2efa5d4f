/**
 * Conversation files (bench/data/README.md): each conversation's turns are replayed, in order, through
 * the worker's real pipeline (`processMessage`) with the local engine, the worker's reply texts and
 * in-memory stores, and each turn is scored against its `expect`.
 *
 * A clarify on a turn that expects an answer is followed by the customer's pick when the expected entry
 * is among the options (the option's number, sent as the next message of the conversation): the turn
 * counts as answered right if the pipeline then answers with that entry.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { replyTexts } from "../../functions/worker/wiring";
import { createLocalEngine, type LocalEngine } from "../../shared/ai/local-engine";
import { channelTexts } from "../../shared/channels/registry";
import { smsKeyword } from "../../shared/channels/sms-common/keywords";
import type { FaqEntry } from "../../shared/core/faq";
import { type Channel, ChannelSchema, InboundMessageSchema, KEYWORD_EVENT } from "../../shared/core/message";
import { inspectedOnly } from "../../shared/core/outgoing";
import { type PipelineOutcome, processMessage } from "../../shared/core/pipeline";
import { outcomeKind } from "../../shared/core/pipeline/outcome";
import type { PipelineDeps } from "../../shared/core/pipeline/ports";
import { detectLanguage } from "../../shared/core/text";
import { withChannelTexts } from "../../shared/core/texts";
import type { PolicyThresholds } from "../../shared/core/thresholds";
import { memoryInspectionAudit } from "../../shared/stores/inspection-audit";
import { memoryConversations, memoryOutbox, memoryTickets } from "../../shared/stores/memory";
import { type EvalFile, EvalFileError } from "./file";

const ExpectSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("answer"), faq: z.string() }),
  z.object({
    kind: z.literal("smalltalk"),
    intent: z.enum(["greeting", "thanks", "goodbye", "ack", "identity", "unclear", "keyword"]),
  }),
  z.object({ kind: z.literal("out_of_scope") }),
  z.object({ kind: z.literal("offer_handoff") }),
  z.object({
    kind: z.literal("handoff"),
    reason: z.enum([
      "customer_request",
      "negative_sentiment",
      "repeated_failure",
      "sensitive_topic",
      "low_confidence",
    ]),
    priority: z.enum(["normal", "high"]).optional(),
  }),
  z.object({ kind: z.literal("silent") }),
  z.object({ kind: z.literal("language_notice"), faq: z.string().optional() }),
]);
export type Expect = z.infer<typeof ExpectSchema>;
export type ExpectKind = Expect["kind"];

const ConversationFileSchema = z.object({
  kb: z.string().min(1),
  conversations: z.array(
    z.object({
      id: z.string().min(1),
      channel: ChannelSchema,
      language: z.enum(["zh", "en"]),
      note: z.string().optional(),
      turns: z.array(z.object({ text: z.string(), expect: ExpectSchema })).min(1),
    }),
  ),
});
export type ConversationFile = z.infer<typeof ConversationFileSchema>;

/** Is this JSON a conversation file (rather than a `{faq, queries}` one)? */
export function isConversationFile(json: unknown): boolean {
  return typeof json === "object" && json !== null && "conversations" in json;
}

/** The file and its knowledge base (`kb`, a JSONL path relative to the working directory). */
export function loadConversationFile(path: string): { file: ConversationFile; entries: FaqEntry[] } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new EvalFileError(`cannot read ${path} as JSON`, { cause });
  }
  const parsed = ConversationFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EvalFileError(
      `${path} is not a conversation file: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const entries = loadJsonlKb(resolve(parsed.data.kb));
  const ids = new Set(entries.map((e) => e.id));
  for (const c of parsed.data.conversations) {
    for (const t of c.turns) {
      const faq = "faq" in t.expect ? t.expect.faq : undefined;
      if (faq !== undefined && !ids.has(faq))
        throw new EvalFileError(`${path}: conversation ${c.id} expects unknown entry "${faq}"`);
    }
  }
  return { file: parsed.data, entries };
}

/**
 * The conversations' single questions as a `{faq, queries}` file, for threshold sweeps: turns expecting
 * an answer keep their entry; off-topic turns and the hand-offs for questions the KB does not cover
 * (`low_confidence`) are out of scope. Other turns (small talk, requests, emotion) are left out.
 */
export function standaloneQueries(file: ConversationFile, entries: FaqEntry[]): EvalFile {
  const queries: EvalFile["queries"] = [];
  for (const c of file.conversations) {
    for (const t of c.turns) {
      const e = t.expect;
      if (e.kind === "answer") queries.push({ text: t.text, expected: e.faq });
      if (e.kind === "out_of_scope" || (e.kind === "handoff" && e.reason === "low_confidence"))
        queries.push({ text: t.text, expected: null });
    }
  }
  return {
    faq: entries.map((e) => ({ id: e.id, questions: [e.question, ...e.similarQuestions], answer: e.answer })),
    queries,
  };
}

const KbLineSchema = z.object({
  id: z.string().min(1),
  question: z.string().min(1),
  answer: z.string(),
  similar_questions: z.array(z.string()).default([]),
  category: z.string().optional(),
  translation_of: z.string().optional(),
});

/** A knowledge base in the import's JSONL form (`id`, `question`, `similar_questions`, `answer`). */
export function loadJsonlKb(path: string): FaqEntry[] {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EvalFileError(`cannot read the knowledge base ${path}`, { cause });
  }
  return raw
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const parsed = KbLineSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new EvalFileError(`${path}:${i + 1} is not an FAQ entry`);
      const e = parsed.data;
      return {
        id: e.id,
        question: e.question,
        similarQuestions: e.similar_questions,
        answer: e.answer,
        ...(e.category ? { category: e.category } : {}),
        ...(e.translation_of ? { translationOf: e.translation_of } : {}),
      };
    });
}

/** What the bot did with one turn, read off the pipeline's outcome. */
export interface Observed {
  /** The pipeline's `outcomeKind` (answer, clarify, smalltalk, out_of_scope…), else the action's name. */
  kind: string;
  faqId?: string;
  options?: string[];
  reason?: string;
  priority?: string;
  intent?: string;
  /** A clarify the customer answered by picking the expected entry: what the pipeline did with the pick. */
  pick?: Observed;
}

export function observe(
  outcome: PipelineOutcome,
  priorityOf: (ticketId: string) => string | undefined,
): Observed {
  // The pipeline's own reading of its outcome (the terms of bench/data/README.md); an outcome outside
  // them (rated, resumed…) keeps its action's name.
  const kind = outcomeKind(outcome);
  const seen: Observed = { kind: kind === "other" ? outcome.action : kind };
  if ("faqIds" in outcome && outcome.faqIds[0]) seen.faqId = outcome.faqIds[0];
  if (outcome.action === "clarified") seen.options = outcome.options;
  if (outcome.action === "handed_off") {
    seen.reason = outcome.reason;
    const priority = priorityOf(outcome.ticketId);
    if (priority) seen.priority = priority;
  }
  if (outcome.action === "small_talk") seen.intent = outcome.intent;
  if (outcome.action === "keyword_answered") seen.intent = "keyword";
  return seen;
}

export interface TurnResult {
  conversation: string;
  turn: number;
  /** The customer's message (evaluation data, not a customer's). */
  text: string;
  language: "zh" | "en";
  expect: Expect;
  observed: Observed;
  /** The turn's expected outcome, in full (kind, entry, reason, priority where given). */
  right: boolean;
  /** Only the kind matched (e.g. a hand-off with another reason). */
  kindRight: boolean;
  /** A ticket was opened on this turn. */
  ticket: boolean;
  ms: number;
}

/** The entry an answer-like observation ended on: the answer itself, or the answer after the pick. */
export function answeredWith(o: Observed): string | undefined {
  if (o.kind === "answer") return o.faqId;
  if (o.kind === "clarify" && o.pick?.kind === "answer") return o.pick.faqId;
  return undefined;
}

export function scoreTurn(expect: Expect, o: Observed): { right: boolean; kindRight: boolean } {
  switch (expect.kind) {
    case "answer": {
      const right = answeredWith(o) === expect.faq;
      return { right, kindRight: o.kind === "answer" || o.kind === "clarify" };
    }
    case "handoff": {
      const kindRight = o.kind === "handoff";
      const right =
        kindRight &&
        o.reason === expect.reason &&
        (expect.priority === undefined || o.priority === expect.priority);
      return { right, kindRight };
    }
    case "smalltalk": {
      const kindRight = o.kind === "smalltalk";
      return { right: kindRight && (o.intent === undefined || o.intent === expect.intent), kindRight };
    }
    case "language_notice": {
      const kindRight = o.kind === "language_notice";
      return { right: kindRight && (expect.faq === undefined || o.faqId === expect.faq), kindRight };
    }
    default:
      return { right: o.kind === expect.kind, kindRight: o.kind === expect.kind };
  }
}

/**
 * The message as the channel's webhook queues it: on SMS a whole-message keyword (MORE, HELP…) becomes a
 * keyword event the channel answers, never text for the FAQ engine (sms-common/channel.ts routeInboundSms).
 */
function asQueued(channel: Channel, text: string) {
  const keyword =
    channel === "sms" || channel === "twilio" ? smsKeyword(text, { optedOut: false }) : undefined;
  return keyword
    ? { kind: "event" as const, event: KEYWORD_EVENT, text, replyContext: { keyword } }
    : { kind: "text" as const, text };
}

export interface ConversationRunOptions {
  thresholds?: Partial<PolicyThresholds>;
  /** Reuse an engine across files (it is built once per knowledge base). */
  engine?: LocalEngine;
}

/** Replays every conversation through `processMessage`; one set of stores per conversation. */
export async function runConversations(
  file: ConversationFile,
  entries: FaqEntry[],
  options: ConversationRunOptions = {},
): Promise<TurnResult[]> {
  const engine = options.engine ?? createLocalEngine(entries, { thresholds: options.thresholds ?? {} });
  const texts = replyTexts(withChannelTexts({}, channelTexts()));
  const results: TurnResult[] = [];
  for (const conversation of file.conversations) {
    // The stores the unit tests use, held to the DynamoDB stores' contract (caps, revision check, TTL).
    const stores = { conversations: memoryConversations(), tickets: memoryTickets(), outbox: memoryOutbox() };
    let clock = Date.parse("2026-12-01T09:00:00Z");
    const deps: PipelineDeps = {
      ...stores,
      engine: async () => engine,
      // The replay's sends go through the same door as the worker's: a reply skipping inspection fails.
      send: inspectedOnly(async () => {}),
      keywordAnswer: async () => undefined,
      async notifyAgents() {},
      texts,
      // No rule set: the replay measures the answers themselves (the default rules pass the example KB).
      inspection: { rules: async () => undefined, audit: memoryInspectionAudit(), fallback: "handoff" },
      detectLanguage: (text) => detectLanguage(text),
      now: () => new Date(clock),
    };
    let n = 0;
    const say = async (text: string) => {
      clock += 30_000;
      n++;
      const message = InboundMessageSchema.parse({
        id: `${conversation.id}-${n}`,
        channel: conversation.channel,
        conversationKey: `${conversation.channel}:eval:${conversation.id}`,
        sender: { id: `customer-${conversation.id}` },
        recipient: "kefu",
        receivedAt: new Date(clock).toISOString(),
        ...asQueued(conversation.channel, text),
      });
      const before = stores.tickets.items.size;
      const outcome = await processMessage(message, deps);
      const observed = observe(outcome, (id) => stores.tickets.items.get(id)?.priority);
      return { observed, ticket: stores.tickets.items.size > before };
    };
    for (const [i, turn] of conversation.turns.entries()) {
      const t0 = performance.now();
      const { observed, ticket } = await say(turn.text);
      const ms = performance.now() - t0;
      let opened = ticket;
      const expected = turn.expect.kind === "answer" ? turn.expect.faq : undefined;
      const pickAt =
        expected && observed.kind === "clarify" ? (observed.options ?? []).indexOf(expected) : -1;
      if (pickAt >= 0) {
        const picked = await say(String(pickAt + 1));
        observed.pick = picked.observed;
        opened ||= picked.ticket;
      }
      results.push({
        conversation: conversation.id,
        turn: i + 1,
        text: turn.text,
        language: conversation.language,
        expect: turn.expect,
        observed,
        ...scoreTurn(turn.expect, observed),
        ticket: opened,
        ms,
      });
    }
  }
  return results;
}

export interface ConversationMetrics {
  conversations: number;
  turns: number;
  /** Per expected kind: turns, right in full, right in kind. */
  perKind: Record<string, { n: number; right: number; kindRight: number }>;
  /**
   * Answers the bot chose (not the answers to a customer's pick, which are the customer's choice), and
   * the share with the expected entry; answers on turns expecting no entry are wrong.
   */
  answers: number;
  answerPrecision: number;
  /** Turns expecting an answer answered right, directly or through a clarify pick. */
  answerTurnsRight: number;
  answerTurns: number;
  clarifies: number;
  /** Clarifies on turns expecting an answer that listed the expected entry. */
  clarifyHits: number;
  /**
   * Conversations where nobody needed a person (no `handoff` turn expected) that the bot saw through:
   * no ticket, and every turn that expected an answer answered right.
   */
  contained: number;
  containable: number;
  containment: number;
  /** Tickets opened on turns expecting small talk. */
  smalltalkTickets: number;
  /** Tickets opened where none was expected (small talk, FAQ questions, off-topic…). */
  unexpectedTickets: number;
  p50Ms: number;
  p99Ms: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export function conversationMetrics(results: TurnResult[]): ConversationMetrics {
  const perKind: ConversationMetrics["perKind"] = {};
  for (const r of results) {
    const k = perKind[r.expect.kind] ?? { n: 0, right: 0, kindRight: 0 };
    perKind[r.expect.kind] = k;
    k.n++;
    if (r.right) k.right++;
    if (r.kindRight) k.kindRight++;
  }
  const answered = results.filter((r) => r.observed.kind === "answer");
  const answerRight = answered.filter((r) => "faq" in r.expect && r.observed.faqId === r.expect.faq);
  const answerTurns = results.filter((r) => r.expect.kind === "answer");
  const byConversation = new Map<string, TurnResult[]>();
  for (const r of results)
    byConversation.set(r.conversation, [...(byConversation.get(r.conversation) ?? []), r]);
  const containable = [...byConversation.values()].filter((turns) =>
    turns.every((t) => t.expect.kind !== "handoff"),
  );
  const contained = containable.filter((turns) =>
    turns.every((t) => !t.ticket && (t.expect.kind !== "answer" || t.right)),
  );
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    conversations: byConversation.size,
    turns: results.length,
    perKind,
    answers: answered.length,
    answerPrecision: ratio(answerRight.length, answered.length),
    answerTurnsRight: answerTurns.filter((r) => r.right).length,
    answerTurns: answerTurns.length,
    clarifies: results.filter((r) => r.observed.kind === "clarify").length,
    clarifyHits: answerTurns.filter((r) => r.observed.pick !== undefined).length,
    contained: contained.length,
    containable: containable.length,
    containment: ratio(contained.length, containable.length),
    smalltalkTickets: results.filter((r) => r.expect.kind === "smalltalk" && r.ticket).length,
    unexpectedTickets: results.filter((r) => r.ticket && r.expect.kind !== "handoff").length,
    p50Ms: percentile(ms, 0.5),
    p99Ms: percentile(ms, 0.99),
  };
}

/** What a turn expected or got, in one short phrase ("answer zh-order-cancel", "handoff low_confidence"). */
function describeOutcome(kind: string, detail: string | undefined): string {
  return detail ? `${kind} ${detail}` : kind;
}

/**
 * The first failing turn of every conversation that expected no person and was not seen through (a
 * ticket, or an FAQ question not answered right), for reading the failures: one line each.
 */
export function failureLines(results: TurnResult[]): string[] {
  const byConversation = new Map<string, TurnResult[]>();
  for (const r of results)
    byConversation.set(r.conversation, [...(byConversation.get(r.conversation) ?? []), r]);
  const lines: string[] = [];
  for (const [id, turns] of byConversation) {
    if (turns.some((t) => t.expect.kind === "handoff")) continue;
    const failed = turns.find((t) => t.ticket || (t.expect.kind === "answer" && !t.right));
    if (!failed) continue;
    const e = failed.expect;
    const o = failed.observed;
    const expected = describeOutcome(e.kind, "faq" in e ? e.faq : undefined);
    const got = describeOutcome(o.kind, o.faqId ?? o.reason ?? o.intent);
    const options = o.options ? ` [${o.options.join(", ")}]` : "";
    lines.push(
      `  ${id}#${failed.turn} ${JSON.stringify(failed.text)}: expected ${expected}, got ${got}${options}`,
    );
  }
  return lines;
}
