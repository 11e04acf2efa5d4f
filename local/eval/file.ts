/** The `{faq, queries}` evaluation file of `../shared/data/` (see its README): loading and validation. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { FaqEntry } from "../../shared/core/faq";

const EvalFileSchema = z.object({
  faq: z
    .array(
      z.object({
        id: z.string().min(1),
        questions: z.array(z.string()).min(1),
        answer: z.string(),
      }),
    )
    .min(1),
  queries: z.array(z.object({ text: z.string(), expected: z.string().nullable() })),
});
export type EvalFile = z.infer<typeof EvalFileSchema>;

export class EvalFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EvalFileError";
  }
}

export function loadEvalFile(path: string): EvalFile {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (cause) {
    throw new EvalFileError(`cannot read ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new EvalFileError(`${path} is not valid JSON`, { cause });
  }
  const parsed = EvalFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EvalFileError(
      `${path} is not a {faq, queries} file: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const ids = new Set(parsed.data.faq.map((e) => e.id));
  const unknown = parsed.data.queries.find((q) => q.expected !== null && !ids.has(q.expected));
  if (unknown)
    throw new EvalFileError(`${path}: query "${unknown.text}" expects unknown entry "${unknown.expected}"`);
  return parsed.data;
}

/** questions[0] is the question, the rest are similar questions. */
export function toEntries(file: EvalFile): FaqEntry[] {
  return file.faq.map((e) => ({
    id: e.id,
    question: e.questions[0] as string,
    similarQuestions: e.questions.slice(1),
    answer: e.answer,
  }));
}
