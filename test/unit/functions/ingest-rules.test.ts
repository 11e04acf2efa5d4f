import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { describe, expect, it } from "vitest";
import { makeHandler } from "../../../functions/ingest/handler";
import { lambdaContext, s3Event } from "../../../local/event-source";
import { RULES_KEYS } from "../../../shared/kb/inspection-rules";
import { memoryRepo } from "../../../shared/stores/memory";
import { memoryBlobs } from "../../support/fakes";

describe("the ingest handler, given a rule file", () => {
  it("imports it as an inspection rule set, not as an FAQ", async () => {
    const blobs = memoryBlobs();
    const repo = memoryRepo();
    const key = `${RULES_KEYS.uploads}default.jsonl`;
    await blobs.put(key, readFileSync("local/seed/rules.default.jsonl"), "application/x-ndjson");
    const handler = makeHandler({ blobs, repo, logger: new Logger({ logLevel: "SILENT" }) });

    const result = await handler(s3Event("kefu-faq", key), lambdaContext("ingest", 900_000));

    expect(result).toMatchObject({ results: [{ key, status: "applied" }] });
    expect(await blobs.getText(RULES_KEYS.active)).toBeTruthy();
    expect(repo.entries.size).toBe(0);
    expect(repo.meta.history).toEqual([]);
  });
});
