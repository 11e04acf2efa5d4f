import { type BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import type { Turn } from "../core/conversation";
import { CJK, readsAsFollowUp, TRAILING_PUNCT, ZH_LEADING, ZH_PRONOUN } from "../core/understanding/followup";
import { tokenUsage } from "./converse";
import { MalformedModelOutputError, type TokenUsage } from "./errors";
import { withRetry, withTimeout } from "./retry";

/**
 * Follow-up questions ("那退货呢?", "what about returns?") retrieve nothing on their own: they lean on
 * the previous question. We detect them and rewrite them into a standalone question before retrieval,
 * and leave every other message untouched, so a rewrite can never hurt a question that stood alone.
 */

export interface Rewrite {
  /** The text to retrieve with: the message itself, or its standalone rewrite. */
  query: string;
  rewritten: boolean;
  usage?: TokenUsage;
}

export interface QueryRewriter {
  /** `signal` aborts a model call when the message's time is spent; the rewrite then falls back. */
  rewrite(text: string, history: Turn[], options?: { signal?: AbortSignal }): Promise<Rewrite>;
}

const ZH_PARTICLES = /(请问|你好|您好|我想问一下|我想问|想问一下|想问|一下|吗|呢|吧|啊|呀|哦)/g;

const EN_STOPWORDS = new Set(
  (
    "a an the and also but so ok okay what how about if same for of to in on at is are was were be do does " +
    "did can could would should will i me my we our you your it its that this those these them they there " +
    "one ones please hi hello thanks with from by or any some"
  ).split(" "),
);
/** Question words carry intent ("how long", "how much"), so the previous question keeps them. */
const EN_KEEP_IN_PREVIOUS = new Set(["what", "how", "can", "do", "does", "is", "are"]);

function previousCustomerText(text: string, history: Turn[]): { text: string; before: Turn[] } | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i] as Turn;
    if (turn.role !== "customer") continue;
    // The worker may record the current message before deciding; it is not its own antecedent.
    if (i === history.length - 1 && turn.text.trim() === text.trim()) continue;
    if (turn.text.trim().length === 0) continue;
    return { text: turn.text, before: history.slice(0, i) };
  }
  return undefined;
}

/** True when the message is short and elliptical and there is an earlier customer question to lean on. */
export function looksLikeFollowUp(text: string, history: Turn[]): boolean {
  return previousCustomerText(text, history) !== undefined && readsAsFollowUp(text);
}

function zhTerms(text: string, stripFollowUp: boolean): string {
  let t = text.trim().replace(TRAILING_PUNCT, "");
  // Pronouns first: "那个呢" must lose "那个", not just its leading "那".
  if (stripFollowUp) t = t.replace(new RegExp(ZH_PRONOUN.source, "g"), "").replace(ZH_LEADING, "");
  return t
    .replace(ZH_PARTICLES, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function enTerms(text: string, keep: Set<string>): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .split(" ")
    .filter((w) => w.length > 0 && (!EN_STOPWORDS.has(w) || keep.has(w)))
    .join(" ");
}

/**
 * The embedded rewrite: the follow-up's own new terms first, then the key terms of the previous
 * customer question ("那退货呢?" after "快递多久能到?" → "退货 快递多久能到"). Crude, but retrieval
 * only needs the right words, not a grammatical sentence. A previous question that was itself a
 * follow-up is rewritten first, so chains of follow-ups keep their topic.
 */
export function heuristicRewrite(text: string, history: Turn[], depth = 0): string {
  const previous = previousCustomerText(text, history);
  if (!previous) return text;
  const antecedent =
    depth < 3 && looksLikeFollowUp(previous.text, previous.before)
      ? heuristicRewrite(previous.text, previous.before, depth + 1)
      : previous.text;
  const zh = CJK.test(text) || CJK.test(antecedent);
  const fresh = zh && CJK.test(text) ? zhTerms(text, true) : enTerms(text, new Set());
  const old = CJK.test(antecedent) ? zhTerms(antecedent, false) : enTerms(antecedent, EN_KEEP_IN_PREVIOUS);
  const combined = [fresh, old].filter((s) => s.length > 0).join(" ");
  return combined.length > 0 ? combined : text;
}

export function createHeuristicRewriter(): QueryRewriter {
  return {
    async rewrite(text, history) {
      if (!looksLikeFollowUp(text, history)) return { query: text, rewritten: false };
      return { query: heuristicRewrite(text, history), rewritten: true };
    },
  };
}

export interface BedrockRewriterOptions {
  client: BedrockRuntimeClient;
  modelId: string;
  /** Rewriting sits before retrieval on the critical path: keep it short. */
  timeoutMs?: number;
  maxAttempts?: number;
  historyTurns?: number;
}

const REWRITE_PROMPT = [
  "Rewrite the customer's last message as one standalone question that can be understood without the",
  "conversation, in the same language as the last message. Keep it short, add nothing the customer did",
  'not say or clearly refer to. Reply with JSON only: {"standalone": "..."}.',
].join(" ");

const RewriteOutputSchema = z.object({ standalone: z.string().min(1).max(500) });

/**
 * Rewrites follow-ups with a short Converse call. Any failure (timeout, throttling, bad JSON) falls back
 * to the heuristic: a rewrite is an optimisation, never a reason to fail a customer's message.
 */
export function createBedrockRewriter(options: BedrockRewriterOptions): QueryRewriter {
  const timeoutMs = options.timeoutMs ?? 3000;
  const historyTurns = options.historyTurns ?? 6;
  return {
    async rewrite(text, history, { signal: outer } = {}) {
      if (!looksLikeFollowUp(text, history)) return { query: text, rewritten: false };
      const conversation = history
        .slice(-historyTurns)
        .map((t) => `${t.role}: ${t.text.slice(0, 300)}`)
        .join("\n");
      let usage: TokenUsage | undefined;
      try {
        const response = await withTimeout(
          timeoutMs,
          (signal) =>
            withRetry(
              () =>
                options.client.send(
                  new ConverseCommand({
                    modelId: options.modelId,
                    system: [{ text: REWRITE_PROMPT }],
                    messages: [
                      {
                        role: "user",
                        content: [{ text: `Conversation:\n${conversation}\n\nLast message: ${text}` }],
                      },
                    ],
                    inferenceConfig: { maxTokens: 200, temperature: 0 },
                  }),
                  { abortSignal: signal },
                ),
              { maxAttempts: options.maxAttempts ?? 2, baseDelayMs: 100, signal },
            ),
          outer,
        );
        usage = tokenUsage(response);
        const raw = (response.output?.message?.content ?? []).map((b) => b.text ?? "").join("");
        return { query: parseStandalone(raw), rewritten: true, usage };
      } catch {
        return { query: heuristicRewrite(text, history), rewritten: true, usage };
      }
    },
  };
}

/** Models wrap JSON in prose or code fences now and then; take the outermost object. */
export function parseStandalone(raw: string): string {
  const start = raw.indexOf("{");
  const end = raw.lastIndexOf("}");
  if (start < 0 || end <= start) throw new MalformedModelOutputError("rewrite output has no JSON object");
  let json: unknown;
  try {
    json = JSON.parse(raw.slice(start, end + 1));
  } catch (cause) {
    throw new MalformedModelOutputError("rewrite output is not valid JSON", { cause });
  }
  const parsed = RewriteOutputSchema.safeParse(json);
  if (!parsed.success)
    throw new MalformedModelOutputError("rewrite output lacks standalone", { cause: parsed.error });
  return parsed.data.standalone.trim();
}
