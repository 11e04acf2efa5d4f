import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { buffer } from "node:stream/consumers";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { dynamoClient, s3Client } from "../../local/emulators";
import { createLocalEmbedder } from "../../shared/ai/local-embedder";
import { s3BlobStore } from "../../shared/aws/s3-blobs";
import { FAQ_LIMITS } from "../../shared/kb/faq-schema";
import {
  type ImportDeps,
  importUpload,
  requestRestore,
  runImportToCompletion,
} from "../../shared/kb/import/import";
import { FAQ_BUCKET, TABLES } from "../../shared/resources";
import { createFaqRepository } from "../../shared/stores/faq";
import { testEnv } from "../support/local-env";

describe("FAQ import against DynamoDB Local and the S3 emulator", () => {
  const env = testEnv();
  const bucket = env[FAQ_BUCKET.envVar] ?? "";
  const s3 = s3Client(env.KEFU_AWS_ENDPOINT ?? "");
  const doc = DynamoDBDocumentClient.from(dynamoClient(env.KEFU_DYNAMODB_ENDPOINT ?? ""), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const repo = createFaqRepository(doc, env[TABLES.faq.envVar] ?? "");
  const blobs = s3BlobStore(s3, bucket);
  const deps: ImportDeps = { blobs, repo, embedder: createLocalEmbedder({ dimensions: 64 }) };
  const seed = (ext: string) => readFileSync(new URL(`../../local/seed/faq.example.${ext}`, import.meta.url));
  const kbName = () => `it-${randomUUID().slice(0, 8)}`;

  async function put(key: string, body: Uint8Array | string) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  for (const ext of ["csv", "xlsx", "jsonl"]) {
    it(`imports the example ${ext} file: report in reports/, entries with vectors in the table`, async () => {
      const kb = kbName();
      const key = `uploads/${kb}/faq.example.${ext}`;
      await put(key, seed(ext));
      const { reportKey } = await importUpload({ key }, deps);
      expect(reportKey).toBe(`reports/${kb}/faq.example.${ext}.json`);
      const report = JSON.parse((await blobs.getText(reportKey)) ?? "{}");
      expect(report).toMatchObject({ status: "applied", counts: { total: 44, inserted: 44, rejected: 0 } });

      const version = await repo.currentVersion(kb);
      expect(version).toBe(report.version);
      const { entries } = await repo.loadEntries(kb);
      expect(entries).toHaveLength(44);
      const refund = entries.find((e) => e.id === "zh-refund-time");
      expect(refund?.question).toBe("退款多久能到账？");
      expect(refund?.similarQuestions).toHaveLength(5);
      expect(refund?.vectors?.values).toHaveLength(6);
      expect(refund?.vectors?.values[0]).toHaveLength(64);
    });
  }

  it("re-uploading the same file is a no-op; a change makes a new version; restore brings the old one back", async () => {
    const kb = kbName();
    const v1 = (await upload(kb, "a.jsonl", [row("r1", "one"), row("r2", "two")])).version;
    const same = await upload(kb, "a.jsonl", [row("r1", "one"), row("r2", "two")]);
    expect(same).toMatchObject({ version: v1, counts: { unchanged: 2, inserted: 0 } });

    const v2 = (await upload(kb, "b.replace.jsonl", [row("r1", "one, edited"), row("r3", "three")])).version;
    expect(v2).not.toBe(v1);
    expect(await repo.currentVersion(kb)).toBe(v2);
    expect((await repo.loadEntries(kb)).entries.map((e) => e.id)).toEqual(["r1", "r3"]);

    const restore = await requestRestore({ kb }, deps);
    expect(restore.version).toBe(v1);
    const { report } = await importUpload({ key: restore.uploadKey }, deps);
    expect(report.counts).toMatchObject({ inserted: 1, updated: 1, deleted: 1 });
    const after = await repo.loadEntries(kb);
    expect(after.version).toBe(report.version);
    expect(after.entries.map((e) => [e.id, e.answer])).toEqual([
      ["r1", "one"],
      ["r2", "two"],
    ]);
    const meta = await repo.getMeta(kb);
    expect(meta.history.map((h) => h.version)).toEqual([report.version, v2, v1]);
    expect(meta.lease).toBeUndefined();
  });

  it("two concurrent uploads: one queues behind the other, both end up applied", async () => {
    const kb = kbName();
    await put(`uploads/${kb}/x.jsonl`, jsonl([row("x1", "x")]));
    await put(`uploads/${kb}/y.jsonl`, jsonl([row("y1", "y")]));
    const [x, y] = await Promise.all([
      importUpload({ key: `uploads/${kb}/x.jsonl` }, deps),
      importUpload({ key: `uploads/${kb}/y.jsonl` }, deps),
    ]);
    const statuses = [x.report.status, y.report.status].sort();
    expect(statuses).toEqual(["applied", "queued"]);
    const winner = x.report.status === "applied" ? x : y;
    expect(winner.continueKeys).toHaveLength(1);
    for (const key of winner.continueKeys) await runImportToCompletion({ key }, deps);
    const { entries } = await repo.loadEntries(kb);
    expect(entries.map((e) => e.id)).toEqual(["x1", "y1"]);
    expect((await repo.getMeta(kb)).history).toHaveLength(2);
  });

  it("copies an upload onto itself (the follow-up trigger) without changing it", async () => {
    const key = `uploads/${kbName()}/touch.jsonl`;
    await put(key, jsonl([row("t", "t")]));
    await blobs.copy(key, key);
    expect(await blobs.getText(key)).toBe(jsonl([row("t", "t")]));
  });

  it("refuses a file that mixes UTF-8 and GBK rows: nothing stored, the report names the line, in Chinese", async () => {
    const kb = kbName();
    const key = `uploads/${kb}/知识库.csv`;
    const utf8Rows = Array.from(
      { length: 300 },
      (_, i) => `u${i},怎么退货？（${i}）,在「我的订单」申请售后。\n`,
    );
    await put(
      key,
      Buffer.concat([
        Buffer.from(`编号,问题,答案\n${utf8Rows.join("")}`, "utf8"),
        iconv.encode("g1,发票怎么开？,订单完成后申请开票。\n", "gb18030"),
      ]),
    );
    const { report, reportKey } = await importUpload({ key }, deps);
    expect(report).toMatchObject({ status: "failed", language: "zh", error: { code: "mixed_encoding" } });
    expect(report.error?.message).toContain("第 302 行是 GBK/GB18030");
    expect(JSON.parse((await blobs.getText(reportKey)) ?? "{}")).toMatchObject({ status: "failed" });
    expect((await repo.loadEntries(kb)).entries).toEqual([]);
    expect(await repo.currentVersion(kb)).toBeUndefined();
  });

  it("reports an empty file as a warning and changes nothing, even a header-only .replace. file", async () => {
    const kb = kbName();
    const v1 = (await upload(kb, "a.jsonl", [row("r1", "one")])).version;
    for (const [name, body] of [
      ["empty.csv", ""],
      ["all.replace.csv", "\uFEFFid,question,answer\r\n"],
    ] as const) {
      await put(`uploads/${kb}/${name}`, body);
      const { report } = await importUpload({ key: `uploads/${kb}/${name}` }, deps);
      expect(report, name).toMatchObject({ status: "empty", version: null, warning: { code: "no_rows" } });
    }
    const after = await repo.loadEntries(kb);
    expect(after.entries.map((e) => e.id)).toEqual(["r1"]);
    expect(after.version).toBe(v1);
    expect((await repo.getMeta(kb)).lease).toBeUndefined();
  });

  it("imports Excel's Unicode Text (UTF-16LE, tab-separated), then deletes by id alone", async () => {
    const kb = kbName();
    const text =
      "编号\t问题\t答案\r\nzh1\t怎么退货？\t在「我的订单」申请售后，仓库签收后退款。\r\nzh2\t多久发货？\t48 小时内。\r\n";
    await put(
      `uploads/${kb}/faq.txt`,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
    );
    const first = await importUpload({ key: `uploads/${kb}/faq.txt` }, deps);
    expect(first.report).toMatchObject({ status: "applied", counts: { inserted: 2 } });
    expect((await repo.loadEntries(kb)).entries.find((e) => e.id === "zh1")?.answer).toBe(
      "在「我的订单」申请售后，仓库签收后退款。",
    );
    await put(`uploads/${kb}/cleanup.csv`, "编号,操作\nzh1,删除\n");
    const cleanup = await importUpload({ key: `uploads/${kb}/cleanup.csv` }, deps);
    expect(cleanup.report).toMatchObject({ status: "applied", counts: { deleted: 1, rejected: 0 } });
    expect((await repo.loadEntries(kb)).entries.map((e) => e.id)).toEqual(["zh2"]);
  });

  it("refuses a workbook over the row limit at the row where reading stopped", async () => {
    const kb = kbName();
    const out = new PassThrough();
    const written = buffer(out);
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true });
    const sheet = writer.addWorksheet("FAQ");
    sheet.addRow(["id", "question", "answer"]).commit();
    for (let i = 0; i <= FAQ_LIMITS.rows; i++) sheet.addRow([`q${i}`, `question ${i}`, "answer"]).commit();
    sheet.commit();
    await writer.commit();
    await put(`uploads/${kb}/big.xlsx`, await written);
    const { report } = await importUpload({ key: `uploads/${kb}/big.xlsx` }, deps);
    expect(report).toMatchObject({ status: "failed", error: { code: "too_many_rows" } });
    expect(report.error?.message).toContain(`stopped at row ${(FAQ_LIMITS.rows + 2).toLocaleString("en")}`);
    expect((await repo.loadEntries(kb)).entries).toEqual([]);
  });

  const row = (id: string, answer: string) => ({
    id,
    question: `question ${id}`,
    answer,
    similar_questions: [],
  });
  const jsonl = (rows: object[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
  async function upload(kb: string, name: string, rows: object[]) {
    const key = `uploads/${kb}/${name}`;
    await put(key, jsonl(rows));
    return (await importUpload({ key }, deps)).report;
  }
});
