import { stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ANALYTICS_KEY_FILE, localAnalyticsKey } from "../../../local/analytics-key";
import { tempDir } from "../../support/temp-dirs";

describe("the local analytics key", () => {
  it("is made once per install, kept under the state directory for its owner only, and the same after", async () => {
    const dir = tempDir("kefu-analytics-key-");
    const state = join(dir, ".kefu");
    const [first, concurrent] = await Promise.all([localAnalyticsKey(state), localAnalyticsKey(state)]);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(concurrent).toBe(first);
    expect(await localAnalyticsKey(state)).toBe(first);
    expect((await stat(join(state, ANALYTICS_KEY_FILE))).mode & 0o777).toBe(0o600);
    const other = join(dir, "other");
    expect(await localAnalyticsKey(other)).not.toBe(first);
  });
});
