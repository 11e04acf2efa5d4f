import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { beforeEach, describe, expect, it } from "vitest";
import { FAQ_LIMITS } from "../../../../shared/kb/faq-schema";
import {
  type ImportDeps,
  importUpload,
  parseUploadKey,
  requestRestore,
  runImportToCompletion,
} from "../../../../shared/kb/import/import";
import type { Embedder } from "../../../../shared/kb/retrieval";
import { memoryRepo } from "../../../../shared/stores/memory";
import { memoryBlobs } from "../../../support/fakes";

const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
const entry = (id: string, answer = `answer ${id}`, similar = [`${id} other`]) => ({
  id,
  question: `question ${id}?`,
  answer,
  similar_questions: similar,
});

class ThrottlingException extends Error {
  override name = "ThrottlingException";
}

function fakeEmbedder(failWhen: (text: string) => boolean = () => false): Embedder & { texts: string[] } {
  const texts: string[] = [];
  return {
    modelId: "fake-embed-v1",
    dimensions: 3,
    texts,
    async embed(batch) {
      if (batch.some(failWhen)) throw new ThrottlingException("Rate exceeded");
      texts.push(...batch);
      return batch.map((t) => new Float32Array([t.length, 1, 0]));
    },
  };
}

let blobs: ReturnType<typeof memoryBlobs>;
let repo: ReturnType<typeof memoryRepo>;
let embedder: ReturnType<typeof fakeEmbedder>;
let deps: ImportDeps;

beforeEach(() => {
  blobs = memoryBlobs();
  repo = memoryRepo();
  embedder = fakeEmbedder();
  deps = { blobs, repo, embedder };
});

async function upload(key: string, body: string) {
  await blobs.put(key, body, "text/plain");
  return importUpload({ key }, deps);
}
const readReport = async (key: string) => JSON.parse((await blobs.getText(key)) ?? "null");

describe("upload keys", () => {
  it("maps uploads/<file> to the default kb and uploads/<kb>/<file> to that kb", () => {
    expect(parseUploadKey("uploads/faq.csv")).toEqual({
      kb: "default",
      name: "faq.csv",
      reportKey: "reports/faq.csv.json",
    });
    expect(parseUploadKey("uploads/shop2/faq.csv")).toMatchObject({
      kb: "shop2",
      reportKey: "reports/shop2/faq.csv.json",
    });
    expect(() => parseUploadKey("reports/x.json")).toThrow();
    expect(() => parseUploadKey("uploads/a/b/c.csv")).toThrow();
  });
});

describe("a first import", () => {
  it("stores every entry with one vector per phrasing, commits a version and writes the report", async () => {
    const { report, reportKey, continueKeys } = await upload(
      "uploads/faq.jsonl",
      jsonl([entry("a"), entry("b")]),
    );
    expect(continueKeys).toEqual([]);
    expect(report).toMatchObject({
      upload: "uploads/faq.jsonl",
      kb: "default",
      status: "applied",
      done: true,
      counts: { total: 2, inserted: 2, updated: 0, unchanged: 0, deleted: 0, rejected: 0 },
      rejected: [],
    });
    expect(report.version).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(await readReport(reportKey)).toEqual(report);
    expect(repo.meta.version).toBe(report.version);
    const a = repo.entries.get("a");
    expect(a?.vectors?.modelId).toBe("fake-embed-v1");
    expect(a?.vectors?.values).toHaveLength(2);
    expect(a?.version).toBe(report.version);
    // The version's snapshot is text only and re-importable.
    const snapshot = await blobs.getText(`versions/default/${report.version}.jsonl`);
    expect(
      snapshot
        ?.trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual(["a", "b"]);
  });
});

describe("re-imports", () => {
  it("does not re-embed unchanged entries and does not bump the version when nothing changed", async () => {
    const first = await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    const embedded = embedder.texts.length;
    const again = await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    expect(again.report.counts).toMatchObject({ unchanged: 2, inserted: 0, updated: 0 });
    expect(again.report.version).toBe(first.report.version);
    expect(embedder.texts.length).toBe(embedded);
    expect(repo.meta.history).toHaveLength(1);
  });

  it("re-embeds only the changed entry and records a new version", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    embedder.texts.length = 0;
    const { report } = await upload("uploads/faq2.jsonl", jsonl([entry("a", "new answer"), entry("b")]));
    expect(report.counts).toMatchObject({ updated: 1, unchanged: 1 });
    expect(embedder.texts).toEqual(["question a?", "a other"]);
    expect(repo.entries.get("a")?.answer).toBe("new answer");
    expect(repo.meta.history.map((h) => h.version)).toEqual([report.version, expect.any(String)]);
  });

  it("re-embeds unchanged entries when the embedding model changed", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a")]));
    deps.embedder = { ...fakeEmbedder(), modelId: "fake-embed-v2" };
    const { report } = await upload("uploads/faq.jsonl", jsonl([entry("a")]));
    expect(report.counts.updated).toBe(1);
    expect(repo.entries.get("a")?.vectors?.modelId).toBe("fake-embed-v2");
  });

  it("deletes rows marked delete and leaves other entries alone", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    const { report } = await upload("uploads/del.jsonl", jsonl([{ ...entry("a"), action: "delete" }]));
    expect(report.counts).toMatchObject({ deleted: 1, total: 1 });
    expect([...repo.entries.keys()]).toEqual(["b"]);
  });
});

describe("delete rows", () => {
  it("delete an entry by its id alone, in JSONL and in CSV", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b"), entry("c")]));
    const fromJsonl = await upload("uploads/del.jsonl", jsonl([{ id: "a", action: "delete" }]));
    expect(fromJsonl.report).toMatchObject({ status: "applied", counts: { deleted: 1, rejected: 0 } });
    const fromCsv = await upload("uploads/del.csv", "id,question,answer,action\nb,,,delete\n");
    expect(fromCsv.report).toMatchObject({ status: "applied", counts: { deleted: 1, rejected: 0 } });
    expect([...repo.entries.keys()]).toEqual(["c"]);
  });
});

describe("empty files", () => {
  it("are a warning that changes nothing, even as a .replace. file", async () => {
    const first = await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    for (const body of ["", "id,question,answer\r\n", "\n\n"]) {
      const { report, continueKeys } = await upload("uploads/all.replace.csv", body);
      expect(report).toMatchObject({
        status: "empty",
        done: true,
        version: null,
        counts: { total: 0, inserted: 0, deleted: 0, rejected: 0 },
        warning: { code: "no_rows", message: expect.stringContaining("no rows") },
      });
      expect(continueKeys).toEqual([]);
    }
    expect([...repo.entries.keys()]).toEqual(["a", "b"]);
    expect(repo.meta.version).toBe(first.report.version);
    expect(repo.meta.lease).toBeUndefined();
  });

  it("are reported in Chinese when the header is Chinese", async () => {
    const { report } = await upload("uploads/faq.csv", "编号,问题,答案\n");
    expect(report.language).toBe("zh");
    expect(report.warning?.message).toContain("没有");
  });
});

describe("files in more than one encoding", () => {
  it("fail as a whole, naming the first line that breaks the file's encoding, in the admin's language", async () => {
    const body = Buffer.concat([
      iconv.encode("编号,问题,答案\nzh1,发票怎么开？,订单完成后申请。\n", "gb18030"),
      Buffer.from("zh2,怎么退货？,在「我的订单」申请售后。\n", "utf8"),
    ]);
    await blobs.put("uploads/知识库.csv", new Uint8Array(body), "text/csv");
    const { report } = await importUpload({ key: "uploads/知识库.csv" }, deps);
    expect(report).toMatchObject({ status: "failed", language: "zh", error: { code: "mixed_encoding" } });
    expect(report.error?.message).toContain("第 3 行");
    expect(repo.entries.size).toBe(0);
    expect(repo.meta.version).toBeUndefined();
  });
});

describe("files over the row limit", () => {
  it("are refused as a whole, and the report says at which row reading stopped", async () => {
    const rows = Array.from({ length: FAQ_LIMITS.rows + 1 }, (_, i) => `q${i},question ${i},answer ${i}`);
    const { report } = await upload("uploads/huge.csv", `id,question,answer\n${rows.join("\n")}\n`);
    expect(report).toMatchObject({ status: "failed", error: { code: "too_many_rows" } });
    expect(report.error?.message).toContain(`row ${(FAQ_LIMITS.rows + 2).toLocaleString("en")}`);
    expect(report.error?.message).toContain("nothing was imported");
    expect(repo.entries.size).toBe(0);
  });
});

describe("replace files", () => {
  it("remove entries that are not in the file", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b"), entry("c")]));
    const { report } = await upload("uploads/all.replace.jsonl", jsonl([entry("b"), entry("d")]));
    expect(report.counts).toMatchObject({ inserted: 1, unchanged: 1, deleted: 2 });
    expect([...repo.entries.keys()].sort()).toEqual(["b", "d"]);
  });

  it("apply nothing when any row is rejected", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("a"), entry("b")]));
    const before = repo.meta.version;
    const { report } = await upload(
      "uploads/all.replace.jsonl",
      jsonl([entry("c"), { id: "d", question: "q" }]),
    );
    expect(report.status).toBe("rejected");
    expect(report.rejected).toEqual([
      { row: 2, id: "d", field: "answer", code: "missing_field", message: "The answer is missing or empty." },
    ]);
    expect([...repo.entries.keys()].sort()).toEqual(["a", "b"]);
    expect(repo.meta.version).toBe(before);
  });
});

describe("rejected rows", () => {
  it("applies valid rows, reports each invalid one with its row, and rejects later duplicates", async () => {
    const body = [
      JSON.stringify(entry("a")),
      "{not json",
      JSON.stringify({ id: "b", question: "q" }),
      JSON.stringify(entry("a", "second a")),
      JSON.stringify(entry("c")),
    ].join("\n");
    const { report } = await upload("uploads/mixed.jsonl", body);
    expect(report.status).toBe("partial");
    expect(report.done).toBe(true);
    expect(report.counts).toMatchObject({ total: 5, inserted: 2, rejected: 3 });
    expect(report.rejected.map((r) => [r.row, r.id, r.code])).toEqual([
      [2, undefined, "bad_json"],
      [3, "b", "missing_field"],
      [4, "a", "duplicate_id"],
    ]);
    expect(repo.entries.get("a")?.answer).toBe("answer a");
  });

  it("reports in Chinese when the file is Chinese", async () => {
    const body = jsonl([
      { 编号: "z1", 问题: "怎么退货", 答案: "" },
      { 编号: "z2", 问题: "多久发货", 答案: "48 小时内" },
    ]);
    const { report } = await upload("uploads/知识库.jsonl", body);
    expect(report.language).toBe("zh");
    expect(report.rejected[0]?.message).toBe("缺少「答案」或内容为空。");
  });

  it("rejects an Excel answer showing a formula error as such, not as an empty answer, in zh and en", async () => {
    const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    const sheet = async (rows: unknown[][]) => {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet("FAQ").addRows(rows);
      return new Uint8Array(await wb.xlsx.writeBuffer());
    };
    await blobs.put(
      "uploads/知识库.xlsx",
      await sheet([
        ["编号", "问题", "答案"],
        ["x1", "运费多少", { formula: "C9/0", result: { error: "#DIV/0!" } }],
        ["x2", "几天到货", { error: "#N/A" }],
        ["x3", "能开发票吗", ""],
        ["x4", "支持货到付款吗", "支持。"],
      ]),
      XLSX,
    );
    const zh = (await importUpload({ key: "uploads/知识库.xlsx" }, deps)).report;
    expect(zh.counts).toMatchObject({ total: 4, inserted: 1, rejected: 3 });
    expect(zh.rejected.map((r) => [r.row, r.id, r.field, r.code, r.message])).toEqual([
      [
        2,
        "x1",
        "answer",
        "formula_error",
        "「答案」单元格是公式错误值，请在 Excel 中修正公式或改为直接填写文字后重新上传。",
      ],
      [
        3,
        "x2",
        "answer",
        "formula_error",
        "「答案」单元格是公式错误值（#N/A），请在 Excel 中修正公式或改为直接填写文字后重新上传。",
      ],
      [4, "x3", "answer", "missing_field", "缺少「答案」或内容为空。"],
    ]);

    await blobs.put(
      "uploads/faq.xlsx",
      await sheet([
        ["id", "question", "answer"],
        ["e1", "Shipping cost?", { error: "#REF!" }],
      ]),
      XLSX,
    );
    const en = (await importUpload({ key: "uploads/faq.xlsx" }, deps)).report;
    expect(en.rejected.map((r) => r.message)).toEqual([
      "The answer cell shows a formula error (#REF!); fix the formula in Excel, or type the text in, and upload the file again.",
    ]);
  });

  it("rejects a file whose rows are all invalid without creating a version", async () => {
    const { report } = await upload("uploads/bad.jsonl", "{\n{\n");
    expect(report).toMatchObject({ status: "rejected", version: null, counts: { total: 2, rejected: 2 } });
    expect(repo.meta.version).toBeUndefined();
  });
});

describe("files that cannot be read", () => {
  it("reports an unknown extension, a corrupt workbook and a too-large file as failed", async () => {
    expect((await upload("uploads/faq.xls", "x")).report).toMatchObject({
      status: "failed",
      error: { code: "unsupported_format" },
    });
    expect((await upload("uploads/faq.xlsx", "not a zip")).report.error?.code).toBe("unreadable");
    await blobs.put("uploads/huge.csv", "x", "text/csv");
    const head = blobs.head;
    blobs.head = async () => ({ size: 60 * 1024 * 1024 });
    const { report } = await importUpload({ key: "uploads/huge.csv" }, deps);
    blobs.head = head;
    expect(report).toMatchObject({ status: "failed", error: { code: "too_large" } });
    expect(report.error?.message).toBe(
      "The file is 60.0 MB; the limit is 50.0 MB. Split it into several files.",
    );
    expect(await readReport("reports/huge.csv.json")).toMatchObject({ status: "failed" });
  });
});

describe("embedding failures", () => {
  it("leaves entries whose embedding was throttled unchanged and says so in the report", async () => {
    deps.embedder = fakeEmbedder((t) => t.includes("bad"));
    deps.options = { embedBatch: 2 };
    const { report } = await upload("uploads/faq.jsonl", jsonl([entry("ok1"), entry("bad"), entry("ok2")]));
    expect(report.status).toBe("partial");
    expect(report.counts).toMatchObject({ inserted: 2, rejected: 1 });
    expect(report.rejected).toEqual([
      {
        row: 2,
        id: "bad",
        field: "row",
        code: "embedding_failed",
        message: expect.stringContaining("ThrottlingException: Rate exceeded"),
      },
    ]);
    expect(repo.entries.has("bad")).toBe(false);
    expect(repo.entries.has("ok2")).toBe(true);
  });

  it("stops calling a failing service after the failure budget", async () => {
    let calls = 0;
    deps.embedder = {
      modelId: "down",
      dimensions: 3,
      embed: async () => {
        calls++;
        throw new ThrottlingException("down");
      },
    };
    deps.options = { groupSize: 2, maxEmbeddingFailures: 2 };
    const { report } = await upload(
      "uploads/faq.jsonl",
      jsonl(["a", "b", "c", "d", "e"].map((id) => entry(id))),
    );
    expect(report.counts.rejected).toBe(5);
    expect(calls).toBe(1);
    expect(report.rejected.at(-1)?.message).toContain("not attempted");
  });
});

describe("continuation", () => {
  it("checkpoints when time runs short, reports partial, and finishes in the next run", async () => {
    await upload("uploads/faq.jsonl", jsonl([entry("keep"), entry("old")]));
    let budget = 2; // deadline checks that pass; the first group needs none
    deps.remainingMs = () => (budget-- > 0 ? 1_000_000 : 0);
    deps.options = { groupSize: 2 };
    const rows = [entry("keep"), ...Array.from({ length: 7 }, (_, i) => entry(`n${i}`))];
    const first = await upload("uploads/big.replace.jsonl", jsonl(rows));
    expect(first.report).toMatchObject({ status: "partial", done: false, remaining: 1 });
    expect(first.report.counts).toMatchObject({ inserted: 6, unchanged: 1, deleted: 0 });
    expect(first.continueKeys).toEqual(["uploads/big.replace.jsonl"]);
    expect(repo.meta.pending?.upload).toBe("uploads/big.replace.jsonl");
    expect(repo.entries.has("old")).toBe(true); // deletes wait for the run that finishes

    // Another upload meanwhile waits its turn.
    const other = await upload("uploads/other.jsonl", jsonl([entry("x")]));
    expect(other.report.status).toBe("queued");
    expect(repo.entries.has("x")).toBe(false);

    deps.remainingMs = undefined;
    const second = await importUpload({ key: "uploads/big.replace.jsonl" }, deps);
    expect(second.report).toMatchObject({ status: "applied", done: true });
    expect(second.report.counts).toEqual({
      total: 8,
      inserted: 7,
      updated: 0,
      unchanged: 1,
      deleted: 1,
      rejected: 0,
    });
    expect(second.report.version).toBe(repo.meta.pending?.version ?? repo.meta.version);
    expect(second.continueKeys).toEqual(["uploads/other.jsonl"]);
    expect(repo.entries.size).toBe(8);
    expect(repo.meta.lease).toBeUndefined();

    const third = await runImportToCompletion({ key: "uploads/other.jsonl" }, deps);
    expect(third.report.status).toBe("applied");
    expect(repo.entries.has("x")).toBe(true);
  });

  it("always makes progress, even when every invocation starts past its reserve", async () => {
    deps.remainingMs = () => 0;
    deps.options = { groupSize: 3 };
    const rows = Array.from({ length: 10 }, (_, i) => entry(`z${i}`));
    await blobs.put("uploads/slow.jsonl", jsonl(rows), "application/x-ndjson");
    const first = await importUpload({ key: "uploads/slow.jsonl" }, deps);
    expect(first.report.remaining).toBe(7);
    const last = await runImportToCompletion({ key: "uploads/slow.jsonl" }, deps);
    expect(last.report).toMatchObject({ status: "applied", counts: { inserted: 10, total: 10 } });
    expect(repo.meta.history).toHaveLength(1);
  });
});

describe("restore", () => {
  it("restores the previous version as a new version through a replace upload", async () => {
    const v1 = (await upload("uploads/v1.jsonl", jsonl([entry("a"), entry("b")]))).report.version;
    await upload("uploads/v2.replace.jsonl", jsonl([entry("a", "changed"), entry("c")]));
    embedder.texts.length = 0;
    const restore = await requestRestore({}, deps);
    expect(restore).toEqual({
      version: v1,
      uploadKey: `uploads/restore-${v1}.replace.jsonl`,
      reportKey: `reports/restore-${v1}.replace.jsonl.json`,
    });
    const { report } = await importUpload({ key: restore.uploadKey }, deps);
    expect(report.counts).toMatchObject({ inserted: 1, updated: 1, deleted: 1 });
    expect(repo.entries.get("a")?.answer).toBe("answer a");
    expect([...repo.entries.keys()].sort()).toEqual(["a", "b"]);
    expect(repo.meta.history).toHaveLength(3);
    // Only the entries that differ from what was live were embedded again.
    expect(embedder.texts).toEqual(["question a?", "a other", "question b?", "b other"]);
  });

  it("refuses when there is nothing to restore", async () => {
    await expect(requestRestore({ kb: "empty" }, deps)).rejects.toThrow(/no earlier version/);
  });
});
