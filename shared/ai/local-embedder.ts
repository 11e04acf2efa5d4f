import type { Embedder } from "../kb/retrieval";
import { l2normalize } from "./vector";

export interface LocalEmbedderOptions {
  dimensions?: number;
}

/**
 * The embedded default that computes its own vectors, with no cloud and no model file: character
 * n-grams (1–3) of the NFKC-normalised, lower-cased text, hashed into a fixed number of signed buckets
 * and L2-normalised.
 *
 * It is lexical in nature: two texts are close when they share characters and short character
 * sequences, not when they mean the same thing ("退货" and "退款" share a character; "refund" and
 * "money back" share nothing). Character n-grams need no word segmenter, which is what makes it work
 * for Chinese and English alike, and they tolerate typos and inflections.
 *
 * Deterministic: the same text gives the same vector in every process, so vectors can be stored.
 */
export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 256;
  if (!Number.isInteger(dimensions) || dimensions < 8)
    throw new RangeError("dimensions must be an integer ≥ 8");
  return {
    modelId: `kefu-local-hash-ngram-v1-${dimensions}`,
    dimensions,
    embed: async (texts) => texts.map((text) => hashEmbed(text, dimensions)),
  };
}

/** Letters and digits kept; punctuation and symbols become word breaks. */
export function normaliseForEmbedding(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

export function hashEmbed(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  const chars = Array.from(normaliseForEmbedding(text));
  for (let n = 1; n <= 3; n++) {
    for (let i = 0; i + n <= chars.length; i++) {
      const gram = chars.slice(i, i + n).join("");
      if (n === 1 && gram === " ") continue;
      const weight = n === 1 && gram < "\u0080" ? ASCII_UNIGRAM_WEIGHT : 1;
      const h = fnv1a(`${n}:${gram}`);
      // The low bits pick the bucket, the top bit the sign: collisions then cancel on average instead
      // of piling up, which keeps dot products unbiased.
      const bucket = h % dimensions;
      vector[bucket] = (vector[bucket] as number) + (h & 0x80000000 ? -weight : weight);
    }
  }
  return l2normalize(vector);
}

/**
 * A single Latin letter or digit says almost nothing about meaning but occurs in every English text;
 * at full weight it would make all English questions look alike. A Chinese character is a morpheme and
 * keeps full weight.
 */
const ASCII_UNIGRAM_WEIGHT = 0.25;

/** FNV-1a over UTF-16 code units, as an unsigned 32-bit integer. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
