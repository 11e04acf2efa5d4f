import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decodeText, FaqFileError, parseFaqFile } from "../../../../shared/kb/import/parse";

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

  it("turns invalid UTF-8 after the sniffed prefix into U+FFFD, which validation reports", async () => {
    const head = utf8(`id,question,answer\n${"a,b,c\n".repeat(12_000)}`);
    const bad = new Uint8Array([...utf8("z,caf"), 0xff, 0xfe, ...utf8(",x\n")]);
    const parsed = await parseFaqFile("big.csv", chunks(new Uint8Array([...head, ...bad]), 4096));
    expect(parsed.rows.at(-1)?.fields.question).toContain("\uFFFD");
  });

  it("fails the file when a required column is missing", async () => {
    await expect(parseFaqFile("x.csv", chunks(utf8("id,question\n1,hi\n")))).rejects.toMatchObject({
      problem: "missing_columns",
    });
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

  it("fails a corrupt workbook as unreadable", async () => {
    const err = await parseFaqFile("bad.xlsx", chunks(utf8("PK\u0003\u0004 not really a zip"))).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(FaqFileError);
    expect(err.problem).toBe("unreadable");
  });
});

describe("file type", () => {
  it("refuses unknown extensions, including legacy .xls", async () => {
    for (const name of ["faq.xls", "faq.txt", "faq"]) {
      await expect(parseFaqFile(name, chunks(utf8("x")))).rejects.toMatchObject({
        problem: "unsupported_format",
      });
    }
  });
});
