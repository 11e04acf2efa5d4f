import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { buffer } from "node:stream/consumers";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it, vi } from "vitest";
import { parseFaqFile } from "../../../../shared/kb/import/parse";
import { FaqFileError, fileMessage } from "../../../../shared/kb/import/problems";
import { decodeText } from "../../../../shared/kb/import/text-encoding";
import { REPO_ROOT } from "../../../support/shared-data";

async function* chunks(bytes: Uint8Array, size = 5): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("CSV", () => {
  it("reads UTF-8 with a BOM, quoted multi-line cells and |-separated phrasings", async () => {
    const csv =
      "\uFEFFID,Question,Answer,Similar Questions,Category\r\n" +
      'q1,怎么退货？,"在「我的订单」申请售后。\n仓库签收后退款。",退货流程|怎么退|退货怎么弄,退换货\r\n' +
      ",,,,\r\n" +
      "q2,Where is my order?,Check My Orders.,,orders\r\n";
    const parsed = await parseFaqFile("faq.csv", chunks(utf8(csv)));
    expect(parsed.format).toBe("csv");
    expect(parsed.rows).toHaveLength(2);
    expect(parsed.rows[0]?.fields).toEqual({
      id: "q1",
      question: "怎么退货？",
      answer: "在「我的订单」申请售后。\n仓库签收后退款。",
      similar_questions: ["退货流程", "怎么退", "退货怎么弄"],
      category: "退换货",
    });
    expect(parsed.rows[1]?.fields.id).toBe("q2");
    // Row numbers as the admin sees them: the empty line is line 4, q2 is on line 5.
    expect(parsed.rows[1]?.row).toBe(5);
  });

  it("decodes GB18030 as Excel on Chinese Windows saves it, with Chinese headers", async () => {
    const text =
      "编号,问题,答案,相似问题,分类,操作\r\nzh1,发票怎么开？,订单完成后在订单详情申请开票。,怎么开发票|能开票吗,发票,\r\nzh2,旧问题,旧答案,,,删除\r\n";
    const bytes = iconv.encode(text, "gb18030");
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    const parsed = await parseFaqFile("知识库.csv", chunks(bytes, 3));
    expect(parsed.headers).toContain("问题");
    expect(parsed.rows[0]?.fields).toMatchObject({
      id: "zh1",
      question: "发票怎么开？",
      answer: "订单完成后在订单详情申请开票。",
      similar_questions: ["怎么开发票", "能开票吗"],
      category: "发票",
    });
    expect(parsed.rows[1]?.fields.action).toBe("删除");
  });

  it("reads a deletions-only file: an id and an action column are enough", async () => {
    const parsed = await parseFaqFile("cleanup.csv", chunks(utf8("id,action\nq1,delete\nq2,删除\n")));
    expect(parsed.rows.map((r) => r.fields)).toEqual([
      { id: "q1", action: "delete" },
      { id: "q2", action: "删除" },
    ]);
  });

  it("fails the file when a required column is missing", async () => {
    await expect(parseFaqFile("x.csv", chunks(utf8("id,question\n1,hi\n")))).rejects.toMatchObject({
      code: "missing_columns",
    });
  });
});

describe("text encodings: one per file", () => {
  const gbk = (s: string) => iconv.encode(s, "gb18030");
  const bytes = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const failure = (name: string, body: Uint8Array) =>
    parseFaqFile(name, chunks(body, 64)).then(
      () => expect.fail("the file was accepted"),
      (err: unknown) => {
        expect(err).toBeInstanceOf(FaqFileError);
        return err as FaqFileError;
      },
    );

  it("refuses a UTF-8 file with a GBK row, naming the first line that breaks it", async () => {
    const body = bytes(
      utf8("id,question,answer\nq1,怎么退货？,申请售后。\n"),
      gbk("q2,发票怎么开？,订单完成后申请。\n"),
      utf8("q3,多久发货？,48 小时内。\n"),
    );
    const err = await failure("faq.csv", body);
    expect(err.code).toBe("mixed_encoding");
    expect(err.args).toMatchObject({ line: 3, encoding: "GBK/GB18030", fileEncoding: "UTF-8", since: 2 });
    expect(err.message).toContain("line 3");
  });

  it("refuses a GBK file with a UTF-8 row (its rows used to be stored garbled)", async () => {
    const body = bytes(
      gbk("编号,问题,答案\nzh1,发票怎么开？,订单完成后申请。\n"),
      utf8("zh2,怎么退货？,在「我的订单」申请售后。\n"),
    );
    const err = await failure("知识库.csv", body);
    expect(err.code).toBe("mixed_encoding");
    expect(err.args).toMatchObject({ line: 3, encoding: "UTF-8", fileEncoding: "GBK/GB18030" });
    expect(err.header).toBe("编号,问题,答案");
  });

  it("refuses bytes that are text in no encoding, far into the file, with their line", async () => {
    const head = utf8(`id,question,answer\n${"a,b,c\n".repeat(12_000)}`);
    const err = await failure("big.csv", bytes(head, new Uint8Array([0x7a, 0x2c, 0xff, 0xfe, 0xff, 0x0a])));
    expect(err.code).toBe("bad_encoding");
    expect(err.args).toEqual({ line: 12_002 });
    expect(err.message).toContain("Line 12,002 contains bytes that are not UTF-8 or GBK/GB18030 text");
  });

  it("says how to save a UTF-16 file that has no byte-order mark", async () => {
    const body = Buffer.from("id\tquestion\tanswer\r\n", "utf16le");
    expect((await failure("faq.txt", new Uint8Array(body))).code).toBe("bad_encoding");
  });

  it("decodes a line that is valid in both encodings in the encoding the rest of the file decides", async () => {
    // "取" in GBK (C8 A1) is also valid UTF-8 ("ȡ"); "café" in UTF-8 is also valid GBK.
    const gbkFile = bytes(gbk("id,question,answer\nq1,取,取件\n"), gbk("q2,发票怎么开？,订单完成后申请。\n"));
    const fromGbk = await parseFaqFile("a.csv", chunks(gbkFile));
    expect(fromGbk.rows.map((r) => r.fields.question)).toEqual(["取", "发票怎么开？"]);
    const utf8File = utf8("id,question,answer\nq1,café,oui\nq2,怎么退货？,申请售后。\n");
    const fromUtf8 = await parseFaqFile("b.csv", chunks(utf8File));
    expect(fromUtf8.rows.map((r) => r.fields.question)).toEqual(["café", "怎么退货？"]);
  });

  it("reads Excel's Unicode text: UTF-16LE with a BOM, tab-separated, CRLF, quoted multi-line cells", async () => {
    const text =
      "编号\t问题\t答案\t相似问题\r\n" +
      'zh1\t怎么退货？\t"在「我的订单」申请售后，\n仓库签收后退款。"\t退货流程|怎么退\r\n' +
      "zh2\t多久发货？\t48 小时内, 节假日顺延。\t\r\n";
    const body = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const parsed = await parseFaqFile("知识库.txt", chunks(body, 5));
    expect(parsed.rows.map((r) => r.fields)).toEqual([
      {
        id: "zh1",
        question: "怎么退货？",
        answer: "在「我的订单」申请售后，\n仓库签收后退款。",
        similar_questions: ["退货流程", "怎么退"],
      },
      { id: "zh2", question: "多久发货？", answer: "48 小时内, 节假日顺延。" },
    ]);
  });

  it("reads UTF-16BE with a BOM, comma-separated", async () => {
    const le = Buffer.from("id,question,answer\nq1,怎么退货？,申请售后。\n", "utf16le");
    const body = new Uint8Array(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]));
    const parsed = await parseFaqFile("faq.csv", chunks(body, 3));
    expect(parsed.rows[0]?.fields).toEqual({ id: "q1", question: "怎么退货？", answer: "申请售后。" });
  });

  it("refuses a JSONL file that mixes encodings too", async () => {
    const body = bytes(
      utf8(`${JSON.stringify({ id: "a", question: "怎么退货？", answer: "申请售后。" })}\n`),
      gbk(`${JSON.stringify({ id: "b", question: "发票怎么开？", answer: "申请开票。" })}\n`),
    );
    expect((await failure("faq.jsonl", body)).args).toMatchObject({ line: 2 });
  });
});

describe("the row limit", () => {
  const csvRows = (n: number) =>
    `id,question,answer\n\n${Array.from({ length: n }, (_, i) => `q${i},question ${i},answer ${i}`).join("\n")}\n`;

  it("reads a file at the limit", async () => {
    const parsed = await parseFaqFile("faq.csv", chunks(utf8(csvRows(3))), { maxRows: 3 });
    expect(parsed.rows).toHaveLength(3);
  });

  it("refuses a CSV over the limit, says at which row reading stopped, and lets go of the upload", async () => {
    let closed = false;
    async function* upload() {
      try {
        yield* chunks(utf8(csvRows(10_000)), 64);
      } finally {
        closed = true;
      }
    }
    const err = await parseFaqFile("faq.csv", upload(), { maxRows: 3 }).catch((e) => e);
    expect(closed).toBe(true);
    expect(err).toBeInstanceOf(FaqFileError);
    expect(err.code).toBe("too_many_rows");
    // Header on line 1, a blank line 2 (not a row), rows on lines 3, 4, 5: the 4th row is on line 6.
    expect(err.args).toEqual({ limit: 3, row: 6 });
    expect(err.message).toContain("row 6");
  });

  it("refuses a JSONL file over the limit", async () => {
    const body = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `q${i}` })).join("\n");
    const err = await parseFaqFile("faq.jsonl", chunks(utf8(body)), { maxRows: 2 }).catch((e) => e);
    expect(err.args).toEqual({ limit: 2, row: 3 });
  });
});

describe("empty files", () => {
  it("parse to no rows: nothing at all, blank lines, a header only", async () => {
    for (const [name, body] of [
      ["a.csv", ""],
      ["b.csv", "\r\n\r\n"],
      ["c.csv", "\uFEFFid,question,answer\r\n"],
      ["d.jsonl", ""],
      ["e.jsonl", "\n\n"],
    ] as const) {
      expect((await parseFaqFile(name, chunks(utf8(body)))).rows, name).toEqual([]);
    }
  });
});

describe("decodeText", () => {
  it("keeps a multi-byte character split across chunks intact", async () => {
    let out = "";
    for await (const t of decodeText(chunks(utf8("退货退款"), 1))) out += t;
    expect(out).toBe("退货退款");
  });
});

describe("JSONL", () => {
  it("reads objects, skips blank lines and turns a broken line into a row error", async () => {
    const body = [
      JSON.stringify({ id: "a", question: "q?", answer: "a.", similar_questions: ["x", "y"] }),
      "",
      '{"id": "b", "question": "broken',
      "[1,2]",
      JSON.stringify({ 编号: "c", 问题: "问?", 答案: "答。" }),
    ].join("\r\n");
    const parsed = await parseFaqFile("faq.jsonl", chunks(utf8(body)));
    expect(parsed.rows.map((r) => r.row)).toEqual([1, 3, 4, 5]);
    expect(parsed.rows[0]?.fields.similar_questions).toEqual(["x", "y"]);
    expect(parsed.rows[1]?.error?.code).toBe("bad_json");
    expect(parsed.rows[2]?.error).toEqual({ code: "bad_json", detail: "not an object" });
    expect(parsed.rows[3]?.fields).toEqual({ id: "c", question: "问?", answer: "答。" });
  });
});

describe("the translation link", () => {
  it("is read from every example format under its English and Chinese header names", async () => {
    for (const name of ["faq.example.jsonl", "faq.example.csv", "faq.example.xlsx"]) {
      const parsed = await parseFaqFile(
        name,
        chunks(readFileSync(resolve(REPO_ROOT, "local", "seed", name)), 4096),
      );
      const links = parsed.rows.flatMap((r) =>
        r.fields.translation_of ? [[r.fields.id, r.fields.translation_of]] : [],
      );
      expect(links, name).toContainEqual(["en-order-cancel", "zh-order-cancel"]);
    }
    const csv = "编号,问题,答案,译自\r\nzh-1,怎么退货？,在订单页申请。,en-1\r\n";
    const parsed = await parseFaqFile("faq.csv", chunks(utf8(csv)));
    expect(parsed.rows[0]?.fields.translation_of).toBe("en-1");
  });
});

describe("XLSX", () => {
  async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
    const wb = new ExcelJS.Workbook();
    build(wb);
    return new Uint8Array(await wb.xlsx.writeBuffer());
  }

  it("finds the header under a merged title row, merges similar-question columns, reads formulas and rich text", async () => {
    const bytes = await workbook((wb) => {
      wb.addWorksheet("说明").addRow(["这张表不是 FAQ"]);
      const ws = wb.addWorksheet("FAQ");
      ws.addRow(["FAQ 知识库 2024"]);
      ws.mergeCells("A1:F1");
      ws.addRow(["编号", "问题", "答案", "相似问题", "", "分类"]);
      ws.mergeCells("D2:E2");
      ws.addRow([
        "zh1",
        { richText: [{ text: "怎么" }, { font: { bold: true }, text: "退货" }, { text: "？" }] },
        "申请售后即可。",
        "退货流程\n怎么退",
        "退货咋弄",
        { formula: 'CONCATENATE("退","换货")', result: "退换货" },
      ]);
      ws.addRow([]);
      ws.addRow([{ formula: '"zh"&"2"', result: "zh2" }, "多久发货？", "48 小时内。", "", "", "物流"]);
    });
    const parsed = await parseFaqFile("faq.xlsx", chunks(bytes, 1024));
    expect(parsed.rows).toHaveLength(2);
    expect(parsed.rows[0]).toEqual({
      row: 3,
      fields: {
        id: "zh1",
        question: "怎么退货？",
        answer: "申请售后即可。",
        similar_questions: ["退货流程", "怎么退", "退货咋弄"],
        category: "退换货",
      },
    });
    expect(parsed.rows[1]?.row).toBe(5);
    expect(parsed.rows[1]?.fields.id).toBe("zh2");
  });

  it("copies a merged cell's value into every cell it covers (a category merged down several rows)", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("Sheet1");
      ws.addRow(["id", "question", "answer", "category"]);
      ws.addRow(["a", "Where is my order?", "Check My Orders.", "orders"]);
      ws.addRow(["b", "Can I change the address?", "Before shipping, yes.", ""]);
      ws.addRow(["c", "Invoice?", "In the order page.", "billing"]);
      ws.mergeCells("D2:D3");
    });
    const parsed = await parseFaqFile("faq.xlsx", chunks(bytes, 4096));
    expect(parsed.rows.map((r) => r.fields.category)).toEqual(["orders", "orders", "billing"]);
  });

  it("reads the first sheet when none is named FAQ; dates as ISO, a failed formula as the row's error", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("问答");
      ws.addRow(["id", "question", "answer", "category"]);
      ws.addRow([
        new Date(Date.UTC(2024, 0, 31)),
        "q?",
        "a.",
        { formula: "1/0", result: { error: "#DIV/0!" } },
      ]);
      wb.addWorksheet("other").addRow(["id", "question", "answer"]);
    });
    const parsed = await parseFaqFile("faq.xlsx", chunks(bytes, 4096));
    // Its text is "" (never "NaN" or "[object Object]"); the row says which cell failed.
    expect(parsed.rows).toEqual([
      {
        row: 2,
        fields: { id: "2024-01-31T00:00:00.000Z", question: "q?", answer: "a." },
        error: { code: "formula_error", field: "category" },
      },
    ]);
  });

  it("names the first FAQ cell showing a formula error, with its value when the file keeps it", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("FAQ");
      ws.addRow(["编号", "问题", "答案", "备注"]);
      ws.addRow(["f1", "运费多少", { formula: "B9/0", result: { error: "#DIV/0!" } }]);
      ws.addRow(["f2", "几天到货", { error: "#N/A" }]);
      ws.addRow(["f3", { error: "#REF!" }, { error: "#N/A" }]);
      // A column that is no FAQ field may fail: the row is read.
      ws.addRow(["f4", "能开发票吗", "能。", { formula: "1/0", result: { error: "#DIV/0!" } }]);
      // A formula's result of 0 is a value, not an error (the cell's value used to drop it).
      ws.addRow(["f5", "还要付运费吗", { formula: "B9*0", result: 0 }]);
    });
    const parsed = await parseFaqFile("faq.xlsx", chunks(bytes, 4096));
    expect(parsed.rows.map((r) => [r.row, r.fields.id, r.error])).toEqual([
      [2, "f1", { code: "formula_error", field: "answer" }],
      [3, "f2", { code: "formula_error", field: "answer", detail: "#N/A" }],
      [4, "f3", { code: "formula_error", field: "question", detail: "#REF!" }],
      [5, "f4", undefined],
      [6, "f5", undefined],
    ]);
    expect(parsed.rows.at(-1)?.fields.answer).toBe("0");
  });

  it("names the sheet it read and how it chose it when the columns are missing in a workbook of several", async () => {
    // A cover sheet first and the FAQ on a sheet not named faq: the report said only what it found.
    const bytes = await workbook((wb) => {
      wb.addWorksheet("说明").addRow(["本表为客服知识库"]);
      wb.addWorksheet("常见问题").addRows([
        ["编号", "问题", "答案"],
        ["x1", "支持货到付款吗", "支持。"],
      ]);
    });
    const refusal = await parseFaqFile("faq.xlsx", chunks(bytes, 4096)).then(
      () => expect.fail("the workbook was accepted"),
      (err: unknown) => err as FaqFileError,
    );
    expect(refusal).toBeInstanceOf(FaqFileError);
    expect(refusal.args).toMatchObject({ sheet: "说明", sheets: ["说明", "常见问题"] });
    expect(fileMessage("missing_columns", "zh", refusal.args)).toBe(
      "缺少列：id、question、answer（在工作表「说明」中找到的是：本表为客服知识库）。第一行须为列名，例如：编号、问题、答案。" +
        "系统读取名为 faq 的工作表，没有则读取第一个工作表（本工作簿有：说明、常见问题）：请把 FAQ 所在的工作表改名为 faq。",
    );
    expect(fileMessage("missing_columns", "en", refusal.args)).toContain(
      'found in sheet "说明": 本表为客服知识库',
    );
    // One sheet: nothing to choose between, the message stays short.
    const single = await workbook((wb) => wb.addWorksheet("Sheet1").addRow(["编号", "标题"]));
    await expect(parseFaqFile("one.xlsx", chunks(single, 4096))).rejects.toSatisfy(
      (err: FaqFileError) => err.code === "missing_columns" && err.args.sheet === undefined,
    );
  });

  it("parses a sheet with only a header, or nothing, to no rows", async () => {
    const headerOnly = await workbook((wb) => wb.addWorksheet("FAQ").addRow(["id", "question", "answer"]));
    expect((await parseFaqFile("a.xlsx", chunks(headerOnly, 4096))).rows).toEqual([]);
    const blank = await workbook((wb) => wb.addWorksheet("FAQ"));
    expect((await parseFaqFile("b.xlsx", chunks(blank, 4096))).rows).toEqual([]);
  });

  it("refuses a sheet over the row limit at the row where it stopped, and lets go of the upload", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("FAQ");
      ws.addRow(["id", "question", "answer"]);
      for (let i = 0; i < 50; i++) ws.addRow([`q${i}`, `question ${i}`, `answer ${i}`]);
    });
    const tempFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`));
    const before = tempFiles();
    let closed = false;
    async function* upload() {
      try {
        yield* chunks(bytes, 1024);
      } finally {
        closed = true;
      }
    }
    const err = await parseFaqFile("faq.xlsx", upload(), { maxRows: 10 }).catch((e) => e);
    expect(err).toBeInstanceOf(FaqFileError);
    expect(err.args).toEqual({ limit: 10, row: 12 });
    expect(closed).toBe(true);
    // exceljs parks sheets that come before the shared strings in temporary files and deletes them
    // asynchronously once it moves past them: none may be left behind.
    await vi.waitFor(() => expect(tempFiles()).toEqual(before), { timeout: 3_000 });
  });

  it("keeps Chinese characters whole where the zip's chunks split them, in shared and inline strings", async () => {
    const answer = (i: number) =>
      `第 ${i} 条：请在「我的订单」中找到该订单，点击申请售后，仓库签收后三个工作日内退款。`;
    const rows = Array.from({ length: 1_500 }, (_, i) => [`q${i}`, `怎么退货？（${i}）`, answer(i)]);
    const shared = await workbook((wb) =>
      wb.addWorksheet("FAQ").addRows([["编号", "问题", "答案"], ...rows]),
    );
    // The whole-workbook writer always uses shared strings; the streaming one can write them inline.
    const out = new PassThrough();
    const written = buffer(out);
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
    const ws = writer.addWorksheet("FAQ");
    for (const row of [["编号", "问题", "答案"], ...rows]) ws.addRow(row).commit();
    ws.commit();
    await writer.commit();
    const inline = new Uint8Array(await written);
    for (const [kind, bytes] of [
      ["shared", shared],
      ["inline", inline],
    ] as const) {
      const parsed = await parseFaqFile("faq.xlsx", chunks(bytes, 4096));
      expect(parsed.rows).toHaveLength(1_500);
      const broken = parsed.rows.filter((r, i) => r.fields.answer !== answer(i));
      expect(broken.map((r) => r.fields.answer).slice(0, 3), kind).toEqual([]);
    }
  }, 60_000); // writes and reads a 1,500-row workbook: seconds, more on a loaded machine

  it("fails a corrupt workbook as unreadable", async () => {
    const err = await parseFaqFile("bad.xlsx", chunks(utf8("PK\u0003\u0004 not really a zip"))).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(FaqFileError);
    expect(err.code).toBe("unreadable");
  });
});

describe("file type", () => {
  it("refuses unknown extensions, including legacy .xls", async () => {
    for (const name of ["faq.xls", "faq.doc", "faq"]) {
      await expect(parseFaqFile(name, chunks(utf8("x")))).rejects.toMatchObject({
        code: "unsupported_format",
      });
    }
  });
});
