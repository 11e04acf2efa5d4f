import { describe, expect, it } from "vitest";
import { REPO_ROOT, SHARED_DATA_DIR, sharedDataPath } from "../support/shared-data";

describe("the shared evaluation data", () => {
  it("is found beside the repository root, wherever the repository is checked out", () => {
    expect(SHARED_DATA_DIR).toBe(`${REPO_ROOT.replace(/[/\\][^/\\]+$/, "")}/shared/data`);
    expect(sharedDataPath("dev", "emails", "manifest.json")).toBe(
      `${SHARED_DATA_DIR}/dev/emails/manifest.json`,
    );
  });

  it("fails loudly, naming the expected place, when a file is missing", () => {
    expect(() => sharedDataPath("dev", "no-such-file.eml")).toThrow(
      /shared evaluation data not found: .*no-such-file\.eml .*\.\.\/shared\/data beside the repository root/,
    );
  });
});
