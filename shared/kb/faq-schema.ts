import { createHash } from "node:crypto";
import { z } from "zod";
import type { FaqEntry } from "../core/faq";

/**
 * The FAQ row as admins upload it, its limits, and the messages a rejected row gets. Limits keep one
 * entry (text plus one float32 vector per phrasing) well under DynamoDB's 400 KB item size and keep
 * answers short enough for every channel's message limit after splitting.
 */
export const FAQ_LIMITS = {
  idChars: 128,
  questionChars: 500,
  answerChars: 4000,
  similarQuestions: 50,
  categoryChars: 100,
  /** Any upload: larger files get a `failed` report without being read. */
  fileBytes: 50 * 1024 * 1024,
  /**
   * Rows stream, but a workbook's shared strings are held whole and sheets stored before them are
   * unzipped to the temporary folder first (exceljs's streaming reader): both grow with the file.
   */
  xlsxBytes: 20 * 1024 * 1024,
  rows: 20_000,
} as const;

export const FAQ_ACTIONS = ["upsert", "delete"] as const;
export type FaqAction = (typeof FAQ_ACTIONS)[number];

export const FAQ_FIELDS = [
  "id",
  "question",
  "answer",
  "similar_questions",
  "category",
  "action",
  "out_of_scope",
  "translation_of",
] as const;
export type FaqField = (typeof FAQ_FIELDS)[number];

export type RejectionCode =
  | "missing_field"
  | "formula_error"
  | "too_long"
  | "too_many_similar"
  | "invalid_id"
  | "invalid_translation"
  | "duplicate_id"
  | "unknown_action"
  | "bad_encoding"
  | "bad_json"
  | "too_many_rows"
  | "embedding_failed";

export type Language = "zh" | "en";

const FIELD_NAMES: Record<FaqField | "row", Record<Language, string>> = {
  id: { en: "id", zh: "编号" },
  question: { en: "question", zh: "问题" },
  answer: { en: "answer", zh: "答案" },
  similar_questions: { en: "similar questions", zh: "相似问题" },
  category: { en: "category", zh: "分类" },
  action: { en: "action", zh: "操作" },
  out_of_scope: { en: "out of scope", zh: "超出范围" },
  translation_of: { en: "translation of", zh: "译自" },
  row: { en: "row", zh: "行" },
};

interface MessageArgs {
  field: FaqField | "row";
  limit?: number;
  detail?: string;
}

const MESSAGES: Record<RejectionCode, Record<Language, (a: MessageArgs & { name: string }) => string>> = {
  missing_field: {
    en: (a) => `The ${a.name} is missing or empty.`,
    zh: (a) => `缺少「${a.name}」或内容为空。`,
  },
  formula_error: {
    // The error value when the file names it (#N/A); a formula's cached error is not kept by the reader.
    en: (a) =>
      `The ${a.name} cell shows a formula error${a.detail ? ` (${a.detail})` : ""}; fix the formula in Excel, or type the text in, and upload the file again.`,
    zh: (a) =>
      `「${a.name}」单元格是公式错误值${a.detail ? `（${a.detail}）` : ""}，请在 Excel 中修正公式或改为直接填写文字后重新上传。`,
  },
  too_long: {
    en: (a) => `The ${a.name} is too long (at most ${a.limit} characters).`,
    zh: (a) => `「${a.name}」太长（最多 ${a.limit} 个字符）。`,
  },
  too_many_similar: {
    en: (a) => `Too many similar questions (at most ${a.limit}).`,
    zh: (a) => `相似问题太多（最多 ${a.limit} 个）。`,
  },
  invalid_id: {
    en: (a) => `The id is not valid: ${a.detail ?? ""}`.trim(),
    zh: (a) => `编号无效：${a.detail ?? ""}`,
  },
  invalid_translation: {
    en: (a) => `The ${a.name} must be the id of another entry: ${a.detail ?? ""}`.trim(),
    zh: (a) => `「${a.name}」须为另一条目的编号：${a.detail ?? ""}`,
  },
  duplicate_id: {
    en: (a) => `This id already appears on an earlier row (${a.detail}); only the first one is kept.`,
    zh: (a) => `编号与前面的第 ${a.detail} 行重复，只保留第一次出现的行。`,
  },
  unknown_action: {
    en: (a) => `Unknown action "${a.detail}": use upsert or delete.`,
    zh: (a) => `无法识别的操作「${a.detail}」：请填写 upsert（新增/更新）或 delete（删除）。`,
  },
  bad_encoding: {
    en: (a) => `The ${a.name} contains characters that could not be decoded; save the file as UTF-8.`,
    zh: (a) => `「${a.name}」中有无法识别的乱码字符，请将文件另存为 UTF-8 编码后重新上传。`,
  },
  bad_json: {
    en: (a) => `This line is not a valid JSON object: ${a.detail ?? ""}`.trim(),
    zh: (a) => `这一行不是有效的 JSON 对象：${a.detail ?? ""}`,
  },
  too_many_rows: {
    en: (a) => `The file has more than ${a.limit} rows; split it into several files.`,
    zh: (a) => `文件超过 ${a.limit} 行，请拆分成多个文件上传。`,
  },
  embedding_failed: {
    en: (a) =>
      `The entry could not be indexed (${a.detail ?? "embedding service error"}); it was not changed. Upload the file again to retry.`,
    zh: (a) => `该条目向量化失败（${a.detail ?? "向量服务错误"}），未做修改，请稍后重新上传该文件重试。`,
  },
};

export function rejectionMessage(code: RejectionCode, lang: Language, args: MessageArgs): string {
  const name = FIELD_NAMES[args.field][lang];
  return MESSAGES[code][lang]({ ...args, name });
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Chinese when the text contains any CJK ideograph: an admin who writes Chinese headers or content reads it. */
export function detectLanguage(sample: string): Language {
  return CJK.test(sample) ? "zh" : "en";
}

/** One row after parsing, before validation: text fields as found, or a row-level problem. */
export interface RawRow {
  /** Row number as the admin sees it: the sheet row, the CSV line of the record, the JSONL line. */
  row: number;
  fields: Partial<Record<FaqField, unknown>>;
  /**
   * Set when the row could not even be read (a bad JSON line), or a cell of it holds no value to read (a
   * spreadsheet's formula error: `field` says whose).
   */
  error?: { code: RejectionCode; detail?: string; field?: FaqField };
}

/** A row to apply: an entry to insert or update, or the id of an entry to delete. */
export type ValidRow =
  | { row: number; action: "upsert"; entry: FaqEntry }
  | { row: number; action: "delete"; id: string };

export interface Rejection {
  row: number;
  id?: string;
  field?: FaqField | "row";
  code: RejectionCode;
  message: string;
}

/** Splits a cell of phrasings: one per line or separated by `|`, as admins type them in Excel. */
export function splitPhrasings(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  return String(value)
    .split(/\r\n|\r|\n|\|/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
};

const ACTION_ALIASES = new Map<string, FaqAction>([
  ["", "upsert"],
  ["upsert", "upsert"],
  ["add", "upsert"],
  ["update", "upsert"],
  ["新增", "upsert"],
  ["更新", "upsert"],
  ["delete", "delete"],
  ["remove", "delete"],
  ["删除", "delete"],
]);

/**
 * The row schema. Issues carry the rejection code in `params.code` so the report can say exactly which
 * rule a row broke, in the admin's language.
 */
const Required = (field: FaqField, limit: number) =>
  z.preprocess(
    text,
    z.string().superRefine((v, ctx) => {
      if (v === "") ctx.addIssue({ code: "custom", params: { code: "missing_field", field } });
      else if (v.length > limit) ctx.addIssue({ code: "custom", params: { code: "too_long", field, limit } });
    }),
  );

/** What makes a string no id: `#` prefixes the store's own items (`#meta`), control characters break reports. */
function idProblem(v: string): string | undefined {
  if (v.startsWith("#")) return "#…";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(v)) return "control character";
  return undefined;
}

const IdSchema = Required("id", FAQ_LIMITS.idChars).superRefine((v, ctx) => {
  const detail = idProblem(v);
  if (detail) ctx.addIssue({ code: "custom", params: { code: "invalid_id", field: "id", detail } });
});

/**
 * The id of the entry this row translates (optional). It may name an entry of another file or one not
 * yet imported: the link is used when both entries are in the knowledge base and ignored otherwise.
 */
const TranslationOfSchema = z.preprocess(
  (v) => text(v) || undefined,
  z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      const detail = v.length > FAQ_LIMITS.idChars ? `over ${FAQ_LIMITS.idChars} characters` : idProblem(v);
      if (detail)
        ctx.addIssue({
          code: "custom",
          params: { code: "invalid_translation", field: "translation_of", detail },
        });
    }),
);

const ActionSchema = z.preprocess(
  (v) => (text(v) ?? "").toLowerCase(),
  z.string().transform((v, ctx) => {
    const action = ACTION_ALIASES.get(v);
    if (action) return action;
    ctx.addIssue({ code: "custom", params: { code: "unknown_action", field: "action", detail: v } });
    return z.NEVER;
  }),
);

const YES = new Set(["true", "yes", "y", "1", "是", "对"]);

/**
 * A row of out-of-scope wordings (`out_of_scope` true): the question and similar questions are wordings
 * the bot must not answer (shared/kb/learned.ts), so the row has no answer and no category.
 */
const isOutOfScope = (value: unknown) => YES.has((text(value) ?? "").toLowerCase());

/** A delete row needs only the id of the entry to delete; its other cells are ignored. */
export const DeleteRowSchema = z.object({ id: IdSchema });

export const FaqRowSchema = z.object({
  id: IdSchema,
  question: Required("question", FAQ_LIMITS.questionChars),
  answer: Required("answer", FAQ_LIMITS.answerChars),
  similar_questions: z.preprocess(
    splitPhrasings,
    z.array(z.preprocess(text, z.string())).superRefine((list, ctx) => {
      if (list.length > FAQ_LIMITS.similarQuestions)
        ctx.addIssue({
          code: "custom",
          params: {
            code: "too_many_similar",
            field: "similar_questions",
            limit: FAQ_LIMITS.similarQuestions,
          },
        });
      else if (list.some((q) => q.length > FAQ_LIMITS.questionChars))
        ctx.addIssue({
          code: "custom",
          params: { code: "too_long", field: "similar_questions", limit: FAQ_LIMITS.questionChars },
        });
    }),
  ),
  category: z.preprocess(
    (v) => text(v) || undefined,
    z
      .string()
      .optional()
      .superRefine((v, ctx) => {
        if (v !== undefined && v.length > FAQ_LIMITS.categoryChars)
          ctx.addIssue({
            code: "custom",
            params: { code: "too_long", field: "category", limit: FAQ_LIMITS.categoryChars },
          });
      }),
  ),
  translation_of: TranslationOfSchema,
});

/** Out-of-scope wordings: the phrasings' rules; no answer (none is ever sent) and no category. */
const OutOfScopeRowSchema = FaqRowSchema.pick({ id: true, question: true, similar_questions: true });

/** Validates one raw row; the first broken rule is reported (one clear reason per row). */
export function validateRow(raw: RawRow, lang: Language): ValidRow | Rejection {
  const rawId = text(raw.fields.id);
  const reject = (code: RejectionCode, field: FaqField | "row", args: Omit<MessageArgs, "field"> = {}) => ({
    row: raw.row,
    ...(rawId ? { id: rawId } : {}),
    field,
    code,
    message: rejectionMessage(code, lang, { field, ...args }),
  });
  if (raw.error) return reject(raw.error.code, raw.error.field ?? "row", { detail: raw.error.detail });
  for (const field of FAQ_FIELDS) {
    const value = raw.fields[field];
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === "string" && v.includes("\uFFFD")))
      return reject("bad_encoding", field);
  }
  const issue = (error: z.ZodError) => {
    const first = error.issues[0];
    const params = (first && "params" in first ? first.params : undefined) as
      | { code: RejectionCode; field: FaqField; limit?: number; detail?: string }
      | undefined;
    const field = params?.field ?? ((first?.path[0] as FaqField | undefined) || "row");
    return reject(params?.code ?? "missing_field", field, { limit: params?.limit, detail: params?.detail });
  };
  // The action first: it decides which fields the row needs.
  const action = ActionSchema.safeParse(raw.fields.action);
  if (!action.success) return issue(action.error);
  if (action.data === "delete") {
    const parsed = DeleteRowSchema.safeParse(raw.fields);
    return parsed.success ? { row: raw.row, action: "delete", id: parsed.data.id } : issue(parsed.error);
  }
  if (isOutOfScope(raw.fields.out_of_scope)) {
    const parsed = OutOfScopeRowSchema.safeParse(raw.fields);
    return parsed.success
      ? upsert(raw.row, parsed.data, { answer: "", outOfScope: true })
      : issue(parsed.error);
  }
  const parsed = FaqRowSchema.safeParse(raw.fields);
  if (!parsed.success) return issue(parsed.error);
  const { id, answer, category, translation_of: translationOf } = parsed.data;
  if (translationOf === id) return reject("invalid_translation", "translation_of", { detail: id });
  return upsert(raw.row, parsed.data, {
    answer,
    ...(category ? { category } : {}),
    ...(translationOf ? { translationOf } : {}),
  });
}

/** What every upserted row has, whichever schema read it: the entry's id and its wordings. */
interface PhrasedRow {
  id: string;
  question: string;
  similar_questions: string[];
}

/** The entry of an upsert row: its wordings as every row has them, and what its kind of row adds. */
function upsert(
  row: number,
  phrased: PhrasedRow,
  rest: Pick<FaqEntry, "answer" | "category" | "outOfScope" | "translationOf">,
): ValidRow {
  const { id, question, similar_questions } = phrased;
  return {
    row,
    action: "upsert",
    entry: { id, question, similarQuestions: dedupePhrasings(question, similar_questions), ...rest },
  };
}

/** Drops empty and repeated phrasings: they cost an embedding each and add nothing to retrieval. */
function dedupePhrasings(question: string, similar: string[]): string[] {
  const seen = new Set([question]);
  const out: string[] = [];
  for (const q of similar) {
    if (q === "" || seen.has(q)) continue;
    seen.add(q);
    out.push(q);
  }
  return out;
}

/** Stable hash of what retrieval and answering depend on; equal hashes mean the entry is unchanged. */
export function contentHash(entry: FaqEntry): string {
  const content = [entry.question, entry.similarQuestions, entry.answer, entry.category ?? ""];
  // Appended only when set, so the hashes of ordinary entries stay what they were (no re-embedding).
  if (entry.outOfScope) content.push("out_of_scope");
  if (entry.translationOf) content.push(`translation_of:${entry.translationOf}`);
  return createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 32);
}
