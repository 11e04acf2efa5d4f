import type { GenerateInput, Generator } from "../../shared/ai/bedrock-generator";
import type { DeskTicket } from "../../shared/core/desk/desk";
import type { Suggestion } from "../../shared/core/desk/wire";
import type { FaqEntry } from "../../shared/core/faq";
import { redact } from "../../shared/core/redact";

/** Turns of the conversation the model sees: the customer's recent context, not the whole history. */
const DRAFT_HISTORY_TURNS = 10;

/**
 * What the model is asked for an agent's draft: the customer's last message, the conversation before it
 * (customer, bot and agent turns; never internal notes or desk events) and the approved answers offered
 * as suggestions. Every text is masked again: an agent's turn is not masked when it is stored, and a
 * customer's turn stored before masking existed must not reach the model as it was.
 */
export function draftInput(
  ticket: DeskTicket,
  grounding: readonly Suggestion[],
  entries: ReadonlyMap<string, FaqEntry>,
): GenerateInput | undefined {
  const spoken = ticket.transcript.filter(
    (t) => t.role === "customer" || t.role === "bot" || t.role === "agent",
  );
  const lastCustomer = spoken.findLastIndex((t) => t.role === "customer");
  const question = spoken[lastCustomer];
  const grounded = grounding.flatMap((s) => {
    const entry = s.faqId ? entries.get(s.faqId) : undefined;
    return entry ? [entry] : [];
  });
  if (!question || grounded.length === 0) return undefined;
  return {
    question: redact(question.text),
    history: spoken
      .slice(0, lastCustomer)
      .slice(-DRAFT_HISTORY_TURNS)
      .map((t) => ({ ...t, text: redact(t.text) })),
    entries: grounded,
  };
}

/**
 * The agent's model draft (AWS with Bedrock): the answer generator the worker uses, grounded in the
 * suggested approved answers. No draft when the model finds no grounded answer or wants a person
 * (the agent is that person) or fails: the approved answers are still offered, and `onError` is told
 * the failure's name only.
 */
export function modelDraft(
  generator: Generator,
  deps: {
    faqEntries(ids: string[]): Promise<Map<string, FaqEntry>>;
    onError?(error: unknown): void;
  },
) {
  return async (ticket: DeskTicket, grounding: Suggestion[]): Promise<string | undefined> => {
    const ids = grounding.flatMap((s) => (s.faqId ? [s.faqId] : []));
    const input = draftInput(ticket, grounding, await deps.faqEntries(ids));
    if (!input) return undefined;
    try {
      const generation = await generator.generate(input);
      if (generation.needsHuman || generation.faqIds.length === 0) return undefined;
      return generation.text.trim() || undefined;
    } catch (error) {
      deps.onError?.(error);
      return undefined;
    }
  };
}
