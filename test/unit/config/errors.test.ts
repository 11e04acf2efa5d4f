import { describe, expect, it, vi } from "vitest";
import * as z from "zod/mini";
import { ChannelSettingsError, lazyFragment, readFragment } from "../../../shared/config/errors";

describe("lazyFragment", () => {
  it("builds its schema when first read, and only once (cold starts build no schema they do not read)", () => {
    const build = vi.fn(() => z.object({ KEFU_X: z.string() }));
    const fragment = lazyFragment("x settings", build);
    expect(build).not.toHaveBeenCalled();

    expect(readFragment(fragment, { KEFU_X: "a" })).toEqual({ KEFU_X: "a" });
    expect(readFragment(fragment, { KEFU_X: "b" })).toEqual({ KEFU_X: "b" });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("reports its problems with its own error class and wording", () => {
    const fragment = lazyFragment("x settings", () => z.object({ KEFU_X: z.string() }), ChannelSettingsError);
    expect(() => readFragment(fragment, {})).toThrow(ChannelSettingsError);
    expect(() => readFragment(fragment, {})).toThrow(/^invalid x settings: KEFU_X: /);
  });
});
