import { type Candidate, type FaqEntry, phrasings } from "../core/faq";
import type { Embedder, Retriever } from "../kb/retrieval";
import { l2normalize } from "./vector";

export interface DenseItem {
  faqId: string;
  phrasing: string;
  vector: Float32Array;
}

export interface DenseHit {
  faqId: string;
  /** Cosine similarity of the best phrasing of this entry, in [-1, 1]. */
  cosine: number;
  phrasing: string;
}

export interface DenseIndex {
  readonly dimensions: number;
  readonly size: number;
  /** Bytes held by the index's arrays (vectors, sign codes, scales, row → entry), for logs and sizing. */
  readonly bytes: number;
  /** The k FAQ entries whose best phrasing is closest to the query vector (any length), best first. */
  search(queryVector: Float32Array, k: number): DenseHit[];
}

export class DenseIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DenseIndexError";
  }
}

/**
 * How many phrasings the rescoring step scores: a fixed budget of multiply-adds (256 rows at 1024
 * dimensions, 1,024 rows at 256), since fewer sign bits rank less sharply. On the synthetic embeddings
 * of `bench/dense.ts` this keeps 99–100% of the exact scan's top entries for ~1 ms of rescoring.
 */
export function defaultRescoreRows(dimensions: number): number {
  return Math.max(256, Math.ceil(262_144 / Math.max(1, dimensions)));
}

export interface DenseIndexOptions {
  rescoreRows?: number;
}

/**
 * Cosine top-k over every phrasing, aggregated per FAQ entry on its best phrasing, in two passes so that
 * 50,000 × 1024 vectors answer in a few milliseconds without an approximate graph to build or tune:
 *
 * 1. **Sign bits.** Each vector is also stored as one bit per dimension (is the component positive?).
 *    The Hamming distance between sign codes tracks the angle between the vectors (random-hyperplane
 *    hashing), and 32 dimensions cost one XOR and one popcount, so the pass over every row is 15–20×
 *    cheaper than a float scan.
 * 2. **Rescoring.** The `rescoreRows` rows nearest by Hamming distance are scored with the real
 *    dot product over int8 components (one scale per row). Rescoring removes the sign pass's noise from
 *    the scores; only a row that the sign pass ranks outside the rescored set can be missed.
 *
 * Memory per phrasing: dimensions bytes (int8) + dimensions / 8 bytes (signs) + 4 bytes (scale), i.e.
 * ~1.1 KB at 1024 dimensions, about a quarter of float32. Vectors are normalised on the way in, so the
 * rescored dot product is the cosine (to within ~0.001 from the int8 rounding).
 */
export function createDenseIndex(items: readonly DenseItem[], options: DenseIndexOptions = {}): DenseIndex {
  const first = items[0];
  const dimensions = first ? first.vector.length : 0;
  const rescoreRows = Math.max(1, options.rescoreRows ?? defaultRescoreRows(dimensions));
  const words = Math.ceil(dimensions / 32);
  const rows = items.length;
  const components = new Int8Array(rows * dimensions);
  const scales = new Float32Array(rows);
  const signs = new Int32Array(rows * words);
  const faqIds: string[] = [];
  const faqIndexById = new Map<string, number>();
  const rowFaq = new Int32Array(rows);
  const rowPhrasing: string[] = new Array(rows);

  const unit = new Float32Array(dimensions);
  items.forEach((item, row) => {
    if (item.vector.length !== dimensions) {
      throw new DenseIndexError(
        `vector of ${item.faqId} has ${item.vector.length} dimensions, expected ${dimensions}`,
      );
    }
    unit.set(item.vector);
    l2normalize(unit);
    quantizeRow(unit, row, components, scales, signs, words);
    let faqIndex = faqIndexById.get(item.faqId);
    if (faqIndex === undefined) {
      faqIndex = faqIds.length;
      faqIds.push(item.faqId);
      faqIndexById.set(item.faqId, faqIndex);
    }
    rowFaq[row] = faqIndex;
    rowPhrasing[row] = item.phrasing;
  });

  // Scratch space reused by every query (a worker answers one message at a time per instance).
  const query = new Float32Array(dimensions);
  const querySigns = new Int32Array(words);
  const distances = new Uint16Array(rows);
  const histogram = new Uint32Array(dimensions + 1);
  const candidates = new Int32Array(Math.min(rows, rescoreRows));
  const best = new Float32Array(faqIds.length).fill(Number.NEGATIVE_INFINITY);
  const bestRow = new Int32Array(faqIds.length);

  /** Rows to rescore: all of them when few, else the `rescoreRows` nearest by sign-code distance. */
  function shortlist(query: Float32Array): ArrayLike<number> & { length: number } {
    if (rows <= rescoreRows) {
      for (let row = 0; row < rows; row++) candidates[row] = row;
      return candidates;
    }
    signBits(query, querySigns, 0);
    histogram.fill(0);
    for (let row = 0, offset = 0; row < rows; row++, offset += words) {
      let distance = 0;
      for (let w = 0; w < words; w++) {
        distance += popcount32((signs[offset + w] as number) ^ (querySigns[w] as number));
      }
      distances[row] = distance;
      histogram[distance] = (histogram[distance] as number) + 1;
    }
    // The smallest distance d such that at least `rescoreRows` rows lie within d; rows at exactly d
    // fill the remaining places in row order, so the shortlist is deterministic.
    let cutoff = 0;
    for (let seen = 0; cutoff <= dimensions; cutoff++) {
      seen += histogram[cutoff] as number;
      if (seen >= rescoreRows) break;
    }
    let atCutoff = rescoreRows;
    for (let d = 0; d < cutoff; d++) atCutoff -= histogram[d] as number;
    let n = 0;
    for (let row = 0; row < rows && n < rescoreRows; row++) {
      const distance = distances[row] as number;
      if (distance < cutoff || (distance === cutoff && atCutoff-- > 0)) candidates[n++] = row;
    }
    return candidates.subarray(0, n);
  }

  return {
    dimensions,
    size: rows,
    bytes:
      components.byteLength + signs.byteLength + scales.byteLength + rowFaq.byteLength + distances.byteLength,
    search(queryVector, k) {
      if (rows === 0 || k <= 0) return [];
      if (queryVector.length !== dimensions) {
        throw new DenseIndexError(`query has ${queryVector.length} dimensions, expected ${dimensions}`);
      }
      query.set(queryVector);
      l2normalize(query);
      const shortlisted = shortlist(query);
      const touched: number[] = [];
      for (let i = 0; i < shortlisted.length; i++) {
        const row = shortlisted[i] as number;
        const cosine = int8Dot(components, row * dimensions, query, dimensions) * (scales[row] as number);
        const f = rowFaq[row] as number;
        if (best[f] === Number.NEGATIVE_INFINITY) touched.push(f);
        if (cosine > (best[f] as number)) {
          best[f] = cosine;
          bestRow[f] = row;
        }
      }
      const hits = topK(touched, best, k).map((f) => ({
        faqId: faqIds[f] as string,
        cosine: best[f] as number,
        phrasing: rowPhrasing[bestRow[f] as number] as string,
      }));
      for (const f of touched) best[f] = Number.NEGATIVE_INFINITY;
      return hits;
    },
  };
}

/** Writes row `row` of the index: int8 components scaled by the row's largest magnitude, and sign bits. */
function quantizeRow(
  unit: Float32Array,
  row: number,
  components: Int8Array,
  scales: Float32Array,
  signs: Int32Array,
  words: number,
): void {
  const dimensions = unit.length;
  let max = 0;
  for (let j = 0; j < dimensions; j++) max = Math.max(max, Math.abs(unit[j] as number));
  const scale = max === 0 ? 0 : max / 127;
  scales[row] = scale;
  const offset = row * dimensions;
  for (let j = 0; j < dimensions; j++) {
    components[offset + j] = scale === 0 ? 0 : Math.round((unit[j] as number) / scale);
  }
  signBits(unit, signs, row * words);
}

/** One bit per dimension, set when the component is positive; padding bits stay 0 in every code. */
function signBits(vector: Float32Array, out: Int32Array, offset: number): void {
  const words = Math.ceil(vector.length / 32);
  for (let w = 0; w < words; w++) out[offset + w] = 0;
  for (let j = 0; j < vector.length; j++) {
    if ((vector[j] as number) > 0)
      out[offset + (j >> 5)] = (out[offset + (j >> 5)] as number) | (1 << (j & 31));
  }
}

/** Set bits in a 32-bit integer (SWAR): faster in V8 than a lookup table. */
function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Σ components[offset + j] · query[j]; four accumulators let the CPU overlap the multiply-adds. */
function int8Dot(components: Int8Array, offset: number, query: Float32Array, dimensions: number): number {
  const body = dimensions - (dimensions % 4);
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let j = 0;
  for (; j < body; j += 4) {
    const o = offset + j;
    d0 += (components[o] as number) * (query[j] as number);
    d1 += (components[o + 1] as number) * (query[j + 1] as number);
    d2 += (components[o + 2] as number) * (query[j + 2] as number);
    d3 += (components[o + 3] as number) * (query[j + 3] as number);
  }
  for (; j < dimensions; j++) d0 += (components[offset + j] as number) * (query[j] as number);
  return d0 + d1 + d2 + d3;
}

/** The k entries with the largest scores among `ids`, best first; ties keep the lower index. */
function topK(ids: readonly number[], scores: Float32Array, k: number): number[] {
  const top: number[] = [];
  for (const i of ids) {
    const s = scores[i] as number;
    const last = top[top.length - 1];
    if (
      top.length === k &&
      last !== undefined &&
      (s < (scores[last] as number) || (s === scores[last] && i > last))
    ) {
      continue;
    }
    let pos = top.length;
    while (pos > 0) {
      const prev = top[pos - 1] as number;
      const ps = scores[prev] as number;
      if (s > ps || (s === ps && i < prev)) pos--;
      else break;
    }
    top.splice(pos, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

/** Embeds every phrasing of every entry: for the local embedder, or to build an index in tests. */
export async function buildDenseIndex(entries: readonly FaqEntry[], embedder: Embedder): Promise<DenseIndex> {
  const rows = entries.flatMap((entry) =>
    phrasings(entry).map((phrasing) => ({ faqId: entry.id, phrasing })),
  );
  const vectors = await embedder.embed(rows.map((r) => r.phrasing));
  return createDenseIndex(rows.map((r, i) => ({ ...r, vector: vectors[i] as Float32Array })));
}

/**
 * Cosine → calibrated confidence in [0, 1]: a logistic curve centred on `midpoint`.
 *
 *   confidence = 1 / (1 + exp(-steepness · (cosine − midpoint)))
 *
 * With the Titan V2 defaults (midpoint 0.55, steepness 12): cosine 0.30 → 0.05, 0.45 → 0.23,
 * 0.55 → 0.50, 0.65 → 0.77, 0.75 → 0.92, 0.85 → 0.97. The midpoint is where we expect paraphrases
 * and unrelated questions of one shop to separate with Titan V2; it is an assumption, not measured
 * here: fit both numbers on a labelled set of real questions (bench/) before trusting the thresholds.
 */
export interface Calibration {
  midpoint: number;
  steepness: number;
}

export const TITAN_V2_CALIBRATION: Calibration = { midpoint: 0.55, steepness: 12 };
/** The hashing embedder's cosines run lower for paraphrases, higher for unrelated texts sharing characters. */
export const LOCAL_HASH_CALIBRATION: Calibration = { midpoint: 0.5, steepness: 10 };

export function calibrateCosine(cosine: number, calibration: Calibration = TITAN_V2_CALIBRATION): number {
  return 1 / (1 + Math.exp(-calibration.steepness * (cosine - calibration.midpoint)));
}

export interface DenseRetrieverOptions {
  calibration?: Calibration;
}

/** A Retriever over a dense index: embeds the query, searches, calibrates. */
export function createDenseRetriever(
  index: DenseIndex,
  embedder: Embedder,
  options: DenseRetrieverOptions = {},
): Retriever {
  if (index.size > 0 && index.dimensions !== embedder.dimensions) {
    throw new DenseIndexError(
      `index has ${index.dimensions} dimensions but ${embedder.modelId} makes ${embedder.dimensions}`,
    );
  }
  const calibration = options.calibration ?? TITAN_V2_CALIBRATION;
  return {
    async search(query, k = 5, { signal } = {}) {
      if (query.trim().length === 0 || index.size === 0) return [];
      const [vector] = await embedder.embed([query], signal ? { signal } : {});
      if (!vector) return [];
      return index.search(vector, k).map(
        (hit): Candidate => ({
          faqId: hit.faqId,
          score: calibrateCosine(hit.cosine, calibration),
          matchedQuestion: hit.phrasing,
        }),
      );
    },
  };
}
