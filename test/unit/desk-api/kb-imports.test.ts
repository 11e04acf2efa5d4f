import { describe, expect, it } from "vitest";
import { reportSummary } from "../../../functions/desk-api/routes/kb";
import { ImportReportSummarySchema } from "../../../shared/core/desk/wire";
import { importUpload } from "../../../shared/kb/import/import";
import { memoryRepo } from "../../../shared/stores/memory";
import { memoryBlobs } from "../../support/fakes";

/** What the desk lists for an upload, from the report the real import writes. */
async function summaryOf(key: string, body: string) {
  const blobs = memoryBlobs();
  await blobs.put(key, body, "text/csv");
  const { report } = await importUpload({ key }, { blobs, repo: memoryRepo() });
  return ImportReportSummarySchema.parse(reportSummary(report));
}

describe("the desk's import report", () => {
  // The desk showed "failed · rows 0" and nothing else; the reason was only in `npm run faq:import`.
  it("says why a file was refused whole, in the admin's language", async () => {
    const summary = await summaryOf("uploads/常见问题.csv", "编号,标题\n1,退货\n");
    expect(summary.status).toBe("failed");
    expect(summary.error?.code).toBe("missing_columns");
    expect(summary.error?.message).toContain("缺少列");
    expect(summary.error?.message).toContain("找到的是：编号、标题");
  });

  it("says why a file with no rows changed nothing", async () => {
    const summary = await summaryOf("uploads/faq.csv", "id,question,answer\n");
    expect(summary.status).toBe("empty");
    expect(summary.warning).toEqual({ code: "no_rows", message: expect.stringContaining("no rows") });
    expect(summary.error).toBeUndefined();
  });

  it("carries neither on an import that applied", async () => {
    const summary = await summaryOf("uploads/faq.csv", "id,question,answer\nq1,怎么退货,七天内可退。\n");
    expect(summary.status).toBe("applied");
    expect(summary).not.toHaveProperty("error");
    expect(summary).not.toHaveProperty("warning");
  });
});
