import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inspect } from "../../../shared/core/quality/inspection";
import {
  bucketRulesSource,
  importRules,
  MAX_RULES_FILE_BYTES,
  RULES_KEYS,
  type RulesReport,
} from "../../../shared/kb/inspection-rules";
import { memoryBlobs } from "../../support/fakes";

const DEFAULT_RULES = readFileSync("local/seed/rules.default.jsonl", "utf8");
const now = () => new Date("2026-12-01T10:00:00.000Z");

async function upload(blobs: ReturnType<typeof memoryBlobs>, name: string, body: string) {
  const key = `${RULES_KEYS.uploads}${name}`;
  await blobs.put(key, body, "application/x-ndjson");
  return key;
}

const reportOf = async (blobs: ReturnType<typeof memoryBlobs>, name: string) =>
  JSON.parse((await blobs.getText(`${RULES_KEYS.reports}${name}.json`)) ?? "null") as RulesReport;

describe("a rule file uploaded to the bucket", () => {
  it("is checked, reported and put in force; the worker's source then inspects with it", async () => {
    const blobs = memoryBlobs();
    const key = await upload(blobs, "default.jsonl", DEFAULT_RULES);
    const report = await importRules(key, { blobs, now });
    expect(report).toMatchObject({ status: "applied", counts: { rejected: 0 } });
    expect(report.counts.total).toBe(DEFAULT_RULES.trim().split("\n").length);
    expect(await reportOf(blobs, "default.jsonl")).toEqual(report);

    const source = bucketRulesSource(blobs, { refreshMs: 0 });
    const set = await source.current();
    expect(set?.version).toBe(report.version);
    expect(inspect("全网最低价", set ?? { version: "", rules: [] }, "bot").blocked).toBe(true);
  });

  it("with one broken row changes nothing, and says which rows and why", async () => {
    const blobs = memoryBlobs();
    const good = await importRules(await upload(blobs, "v1.jsonl", DEFAULT_RULES), { blobs, now });
    const broken = [
      '{"id":"a","category":"banned","severity":"block","terms":["x"]}',
      "{not json",
      '{"id":"b","category":"banned","severity":"fatal","terms":["y"]}',
      '{"id":"a","category":"banned","severity":"warn","terms":["z"]}',
      "",
      "# a comment",
    ].join("\n");
    const report = await importRules(await upload(blobs, "v2.jsonl", broken), { blobs, now });
    expect(report).toMatchObject({
      status: "rejected",
      version: good.version,
      counts: { total: 4, accepted: 1, rejected: 3 },
    });
    expect(report.rejected).toEqual([
      { row: 2, code: "malformed_json", message: "not a JSON object" },
      expect.objectContaining({ row: 3, id: "b", field: "severity", code: "invalid_rule" }),
      { row: 4, id: "a", field: "id", code: "duplicate_id", message: "id used twice" },
    ]);
    const set = await bucketRulesSource(blobs, { refreshMs: 0 }).current();
    expect(set?.version).toBe(good.version);
  });

  it("refuses a file that is not JSONL, has no rules, or is too large, before reading rows", async () => {
    const blobs = memoryBlobs();
    const cases: [string, string, RulesReport["fileProblem"]][] = [
      ["rules.csv", "id,category\n", "unsupported_format"],
      ["empty.jsonl", "\n# nothing\n", "no_rules"],
      ["huge.jsonl", "x".repeat(MAX_RULES_FILE_BYTES + 1), "too_large"],
    ];
    for (const [name, body, problem] of cases) {
      const report = await importRules(await upload(blobs, name, body), { blobs, now });
      expect(report, name).toMatchObject({ status: "rejected", fileProblem: problem });
      expect(await reportOf(blobs, name)).toEqual(report);
    }
    expect(await bucketRulesSource(blobs, { refreshMs: 0 }).current()).toBeUndefined();
  });

  it("is read once per refresh interval, and a new version is picked up after it", async () => {
    const blobs = memoryBlobs();
    let clock = 0;
    const source = bucketRulesSource(blobs, { refreshMs: 1000, nowMs: () => clock });
    expect(await source.current()).toBeUndefined();
    await importRules(await upload(blobs, "a.jsonl", DEFAULT_RULES), { blobs, now });
    expect(await source.current()).toBeUndefined();
    clock = 1000;
    expect((await source.current())?.rules.length).toBeGreaterThan(0);
  });
});
