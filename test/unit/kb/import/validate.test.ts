import { describe, expect, it } from "vitest";
import {
  contentHash,
  detectLanguage,
  FAQ_LIMITS,
  type RawRow,
  type Rejection,
  type ValidRow,
  validateRow,
} from "../../../../shared/kb/faq-schema";

const row = (fields: RawRow["fields"], extra: Partial<RawRow> = {}): RawRow => ({ row: 2, fields, ...extra });
const base = { id: "a1", question: "How do I return?", answer: "Open My Orders." };
const reject = (r: ValidRow | Rejection) => {
  if (!("code" in r)) throw new Error(`expected a rejection, got ${JSON.stringify(r)}`);
  return r;
};

describe("valid rows", () => {
  it("trims, splits phrasings, drops repeats of the question and defaults the action", () => {
    const r = validateRow(
      row({ ...base, id: " a1 ", similar_questions: "return?|How do I return?\n\nsend back" }),
      "en",
    );
    expect(r).toEqual({
      row: 2,
      action: "upsert",
      entry: {
        id: "a1",
        question: "How do I return?",
        answer: "Open My Orders.",
        similarQuestions: ["return?", "send back"],
      },
    });
  });

  it("keeps the id of the entry a row translates", () => {
    const r = validateRow(row({ ...base, translation_of: " zh-a1 " }), "en");
    expect(r).toMatchObject({ action: "upsert", entry: { id: "a1", translationOf: "zh-a1" } });
    const blank = validateRow(row({ ...base, translation_of: "" }), "en");
    expect(blank).toMatchObject({ action: "upsert" });
    expect("entry" in blank && "translationOf" in blank.entry).toBe(false);
  });

  it("accepts numeric ids from spreadsheets and Chinese action words", () => {
    const r = validateRow(row({ ...base, id: 42, action: "删除" }), "zh");
    expect(r).toEqual({ row: 2, action: "delete", id: "42" });
  });
});

describe("rejections", () => {
  const cases: [string, RawRow["fields"], string, string][] = [
    ["missing question", { id: "a", answer: "x" }, "missing_field", "question"],
    ["blank answer", { ...base, answer: "   " }, "missing_field", "answer"],
    ["missing id", { question: "q", answer: "a" }, "missing_field", "id"],
    [
      "long question",
      { ...base, question: "x".repeat(FAQ_LIMITS.questionChars + 1) },
      "too_long",
      "question",
    ],
    ["long answer", { ...base, answer: "x".repeat(FAQ_LIMITS.answerChars + 1) }, "too_long", "answer"],
    ["long similar", { ...base, similar_questions: ["y".repeat(501)] }, "too_long", "similar_questions"],
    [
      "too many similar",
      { ...base, similar_questions: Array.from({ length: 51 }, (_, i) => `q${i}`) },
      "too_many_similar",
      "similar_questions",
    ],
    ["reserved id", { ...base, id: "#meta" }, "invalid_id", "id"],
    ["control char id", { ...base, id: "a\u0007" }, "invalid_id", "id"],
    ["unknown action", { ...base, action: "archive" }, "unknown_action", "action"],
    ["translation of itself", { ...base, translation_of: "a1" }, "invalid_translation", "translation_of"],
    [
      "translation of a reserved id",
      { ...base, translation_of: "#meta" },
      "invalid_translation",
      "translation_of",
    ],
    [
      "translation of a too long id",
      { ...base, translation_of: "x".repeat(FAQ_LIMITS.idChars + 1) },
      "invalid_translation",
      "translation_of",
    ],
    ["mojibake", { ...base, answer: "caf\uFFFD" }, "bad_encoding", "answer"],
  ];
  for (const [name, fields, code, field] of cases) {
    it(`${name} → ${code} on ${field}`, () => {
      const r = reject(validateRow(row(fields), "en"));
      expect(r.code).toBe(code);
      expect(r.field).toBe(field);
      expect(r.message.length).toBeGreaterThan(10);
    });
  }

  it("passes a row-level read error through (a bad JSON line)", () => {
    const r = reject(validateRow(row({}, { error: { code: "bad_json", detail: "Unexpected end" } }), "en"));
    expect(r).toMatchObject({ code: "bad_json", field: "row" });
    expect(r.message).toContain("Unexpected end");
  });

  it("speaks the admin's language", () => {
    const zh = reject(validateRow(row({ id: "a", question: "怎么退货", answer: "" }), "zh"));
    expect(zh.message).toBe("缺少「答案」或内容为空。");
    const en = reject(validateRow(row({ ...base, answer: "x".repeat(4001) }), "en"));
    expect(en.message).toBe("The answer is too long (at most 4000 characters).");
    expect(reject(validateRow(row({ ...base, action: "归档" }), "zh")).message).toContain("归档");
  });
});

describe("delete rows", () => {
  it("need only the id", () => {
    expect(validateRow(row({ id: " a1 ", action: "delete" }), "en")).toEqual({
      row: 2,
      action: "delete",
      id: "a1",
    });
    expect(validateRow(row({ id: 7, question: "", answer: "", action: "删除" }), "zh")).toEqual({
      row: 2,
      action: "delete",
      id: "7",
    });
  });

  it("still need a valid id", () => {
    expect(reject(validateRow(row({ action: "delete" }), "en"))).toMatchObject({
      code: "missing_field",
      field: "id",
    });
    expect(reject(validateRow(row({ id: "#meta", action: "delete" }), "en")).code).toBe("invalid_id");
  });

  it("an unknown action is reported before the fields a delete would not need", () => {
    expect(reject(validateRow(row({ id: "a", action: "remvoe" }), "en"))).toMatchObject({
      code: "unknown_action",
      field: "action",
    });
  });
});

describe("helpers", () => {
  it("detects Chinese", () => {
    expect(detectLanguage("问题")).toBe("zh");
    expect(detectLanguage("question")).toBe("en");
  });

  it("hashes content, not the id", () => {
    const e = { id: "a", question: "q", answer: "a", similarQuestions: ["x"] };
    expect(contentHash({ ...e, id: "b" })).toBe(contentHash(e));
    expect(contentHash({ ...e, similarQuestions: ["y"] })).not.toBe(contentHash(e));
    expect(contentHash({ ...e, category: "c" })).not.toBe(contentHash(e));
    expect(contentHash({ ...e, translationOf: "z" })).not.toBe(contentHash(e));
  });
});
