import { describe, expect, it } from "vitest";
import { createLocalEmbedder, hashEmbed } from "../../../shared/ai/local-embedder";

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

describe("the hashing embedder", () => {
  it("is deterministic and returns unit vectors of the configured size", async () => {
    const embedder = createLocalEmbedder({ dimensions: 128 });
    const [a, b] = await embedder.embed(["怎么退货?", "怎么退货?"]);
    expect(embedder.dimensions).toBe(128);
    expect(embedder.modelId).toContain("128");
    expect(a).toHaveLength(128);
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
    expect(dot(a as Float32Array, a as Float32Array)).toBeCloseTo(1, 5);
  });

  it("treats full-width, case and punctuation variants as the same text (NFKC)", () => {
    expect(Array.from(hashEmbed("ＷｉＦｉ密码？", 256))).toEqual(Array.from(hashEmbed("wifi密码", 256)));
  });

  it("puts texts sharing characters closer than unrelated ones, in Chinese and English", () => {
    const q = hashEmbed("退货需要多久", 256);
    expect(dot(q, hashEmbed("退货要多长时间", 256))).toBeGreaterThan(dot(q, hashEmbed("发票怎么开", 256)));
    const e = hashEmbed("How do I return an item?", 256);
    expect(dot(e, hashEmbed("returning items", 256))).toBeGreaterThan(
      dot(e, hashEmbed("shipping to Canada", 256)),
    );
  });

  it("gives an empty or punctuation-only text a zero vector that matches nothing", () => {
    expect(hashEmbed("?!。", 64).every((x) => x === 0)).toBe(true);
  });

  it("refuses nonsensical sizes", () => {
    expect(() => createLocalEmbedder({ dimensions: 0 })).toThrow(RangeError);
  });
});
