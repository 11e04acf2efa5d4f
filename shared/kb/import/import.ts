import { createHash, randomBytes } from "node:crypto";
import { type FaqEntry, phrasings } from "../../core/faq";
import { FAQ_BUCKET } from "../../resources";
import {
  contentHash,
  detectLanguage,
  FAQ_LIMITS,
  type Language,
  type Rejection,
  rejectionMessage,
  type ValidRow,
  validateRow,
} from "../faq-schema";
import type { StoredFaqEntry } from "../knowledge";
import type { Embedder } from "../retrieval";
import { parseFaqFile } from "./parse";
import type { BlobStore, FaqMeta, FaqPending, FaqRepository, FaqVersionRecord, ImportCounts } from "./ports";
import { FaqFileError, type FileProblem, fileMessage, type ProblemArgs } from "./problems";

/**
 * The FAQ import: one uploaded file → validated rows → embeddings for new/changed entries → DynamoDB
 * → a new knowledge-base version → a report in S3. Every row is either applied or listed in the report.
 *
 * Continuation: writes are idempotent (an entry already written with the same content hash is skipped),
 * so an import that runs out of time saves a checkpoint in the `#meta` item, reports `partial`, and asks
 * its caller to run the same upload again; the next run skips what is done. Deletes, the version
 * snapshot and the version commit happen once, in the run that finishes.
 */

/** `empty`: the file holds no rows, so nothing changed (a warning, not a failure). */
export type ImportStatus = "applied" | "rejected" | "failed" | "partial" | "queued" | "empty";

export interface ImportReport {
  upload: string;
  kb: string;
  /** The knowledge-base version after this import (unchanged when nothing changed). */
  version: string | null;
  status: ImportStatus;
  /** False while the import continues in a follow-up invocation. */
  done: boolean;
  /** Entries still to write when not done. */
  remaining?: number;
  counts: ImportCounts;
  rejected: Rejection[];
  /** Why the whole file could not be imported (status failed), or why it waits (queued). */
  error?: { code: string; message: string };
  /** Why nothing changed although nothing failed (status empty). */
  warning?: { code: string; message: string };
  language: Language;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface ImportDeps {
  blobs: BlobStore;
  repo: FaqRepository;
  /** Without one, entries are stored without vectors (lexical retrieval only). */
  embedder?: Embedder;
  /** Milliseconds left in this invocation; defaults to unlimited (local runs). */
  remainingMs?: () => number;
  now?: () => Date;
  log?: (message: string, data?: Record<string, unknown>) => void;
  /** Tuning; defaults suit Bedrock Titan v2 in a 15-minute Lambda. */
  options?: Partial<ImportOptions>;
}

export interface ImportOptions {
  /** Entries embedded and written per step; the checkpoint granularity. */
  groupSize: number;
  /** Texts per embed() call. */
  embedBatch: number;
  /** embed() calls in flight at once. */
  embedConcurrency: number;
  /**
   * Stop and continue later when less than this (or twice the slowest group so far) is left in the
   * invocation; the finishing steps (deletes, snapshot, commit) run in what is left.
   */
  reserveMs: number;
  /** A lease outlives a crashed import by this much, then another upload may take over. */
  leaseTtlMs: number;
  /** After this many entries fail to embed, the rest are not attempted (the service is down). */
  maxEmbeddingFailures: number;
}

const DEFAULTS: ImportOptions = {
  groupSize: 100,
  embedBatch: 32,
  embedConcurrency: 4,
  reserveMs: 20_000,
  leaseTtlMs: 5 * 60_000,
  maxEmbeddingFailures: 200,
};

export interface ImportResult {
  report: ImportReport;
  reportKey: string;
  /** Upload keys to run again: this one when partial, uploads queued behind it when done. */
  continueKeys: string[];
}

export class UploadKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UploadKeyError";
  }
}

const KB_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** `uploads/<file>` → kb "default"; `uploads/<kb>/<file>` → that kb. */
export function parseUploadKey(key: string): { kb: string; name: string; reportKey: string } {
  if (!key.startsWith(FAQ_BUCKET.uploadsPrefix)) throw new UploadKeyError(`not an upload: ${key}`);
  const rest = key.slice(FAQ_BUCKET.uploadsPrefix.length);
  const parts = rest.split("/");
  if (parts.length === 1 && parts[0]) {
    return { kb: "default", name: parts[0], reportKey: reportKeyFor(rest) };
  }
  if (parts.length === 2 && parts[0] && parts[1] && KB_NAME.test(parts[0])) {
    return { kb: parts[0], name: parts[1], reportKey: reportKeyFor(rest) };
  }
  throw new UploadKeyError(`upload key must be uploads/<file> or uploads/<kb>/<file>: ${key}`);
}

const reportKeyFor = (relative: string) => `${FAQ_BUCKET.reportsPrefix}${relative}.json`;

export const isReplaceUpload = (name: string) => name.toLowerCase().includes(".replace.");

export function snapshotKey(kb: string, version: string): string {
  return `versions/${kb}/${version}.jsonl`;
}

/** Sortable, unique version stamps: time of the import plus randomness against same-millisecond imports. */
export function newVersion(now: Date): string {
  return `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
}

const zeroCounts = (): ImportCounts => ({
  total: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  deleted: 0,
  rejected: 0,
});

/**
 * Imports one upload, step by step: read and parse the file, validate its rows, take the knowledge
 * base's lease (or queue), plan the changes, embed and write them in groups, then either checkpoint
 * (time ran short) or activate the new version — and in every case write the report.
 */
export async function importUpload(source: { key: string }, deps: ImportDeps): Promise<ImportResult> {
  const run = startRun(source, deps);
  const file = await readUpload(run);
  if ("report" in file) return file;
  if (file.rows.length === 0) {
    // Before the lease and the replace logic: an empty `.replace.` file must not empty the knowledge base.
    return writeReport(run, {
      version: null,
      status: "empty",
      done: true,
      counts: zeroCounts(),
      rejected: [],
      warning: { code: "no_rows", message: fileMessage("no_rows", run.language) },
    });
  }

  const { valid, rejected, counts } = validateRows(file.rows, run.language);
  const replace = isReplaceUpload(run.name);
  if ((replace && rejected.length > 0) || (valid.length === 0 && rejected.length > 0)) {
    return writeReport(run, { version: null, status: "rejected", done: true, counts, rejected });
  }

  const lease = await takeLease(run, file.sha256);
  if ("busy" in lease) return queueBehindLease(run, lease.busy, counts, rejected);

  const plan = await planChanges(run, valid, lease, replace, counts);
  const written = await embedAndWrite(run, plan, lease.owner, counts);
  rejected.push(...embeddingRejections(plan.failed, run.language));
  counts.rejected = rejected.length;
  rejected.sort((a, b) => a.row - b.row);

  if (written < plan.toWrite.length) {
    return checkpoint(run, lease, file.sha256, plan, { written, counts, rejected });
  }
  return activateVersion(run, lease, plan.toDelete, counts, rejected);
}

/** One import's fixed facts and clocks, and the report's language (known better once the file is read). */
interface ImportRun {
  source: { key: string };
  deps: ImportDeps;
  opts: ImportOptions;
  now: () => Date;
  remainingMs: () => number;
  log: (message: string, data?: Record<string, unknown>) => void;
  kb: string;
  name: string;
  reportKey: string;
  started: Date;
  language: Language;
}

function startRun(source: { key: string }, deps: ImportDeps): ImportRun {
  const now = deps.now ?? (() => new Date());
  const { kb, name, reportKey } = parseUploadKey(source.key);
  return {
    source,
    deps,
    opts: { ...DEFAULTS, ...deps.options },
    now,
    remainingMs: deps.remainingMs ?? (() => Number.POSITIVE_INFINITY),
    log: deps.log ?? (() => {}),
    kb,
    name,
    reportKey,
    started: now(),
    language: detectLanguage(name),
  };
}

type ReportBody = Omit<
  ImportReport,
  "upload" | "kb" | "startedAt" | "finishedAt" | "durationMs" | "language"
>;

/** Every import ends here: the report, in the bucket and the log, and what to run next. */
async function writeReport(
  run: ImportRun,
  body: ReportBody,
  continueKeys: string[] = [],
): Promise<ImportResult> {
  const finished = run.now();
  const report: ImportReport = {
    upload: run.source.key,
    kb: run.kb,
    ...body,
    language: run.language,
    startedAt: run.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - run.started.getTime(),
  };
  await run.deps.blobs.put(
    run.reportKey,
    `${JSON.stringify(report, null, 2)}\n`,
    "application/json; charset=utf-8",
  );
  run.log("faq import report", { upload: run.source.key, status: report.status, counts: report.counts });
  return { report, reportKey: run.reportKey, continueKeys };
}

/** Nothing of the file is imported; the report says why, in the admin's language. */
function fileFailure(run: ImportRun, code: FileProblem, args: ProblemArgs): Promise<ImportResult> {
  return writeReport(run, {
    version: null,
    status: "failed",
    done: true,
    counts: zeroCounts(),
    rejected: [],
    error: { code, message: fileMessage(code, run.language, args) },
  });
}

type ParsedFile = Awaited<ReturnType<typeof parseFaqFile>>;

/** The upload's rows and the file's hash (which a continuing import must match), or the failure's report. */
async function readUpload(run: ImportRun): Promise<(ParsedFile & { sha256: string }) | ImportResult> {
  const { blobs } = run.deps;
  const head = await blobs.head(run.source.key);
  if (!head) return fileFailure(run, "not_found", { file: run.source.key });
  const limit = run.name.toLowerCase().endsWith(".xlsx") ? FAQ_LIMITS.xlsxBytes : FAQ_LIMITS.fileBytes;
  if (head.size > limit) return fileFailure(run, "too_large", { size: head.size, limit });
  const hash = createHash("sha256");
  let parsed: ParsedFile;
  try {
    parsed = await parseFaqFile(run.name, hashing(await blobs.get(run.source.key), hash));
  } catch (err) {
    if (!(err instanceof FaqFileError)) throw err;
    run.language = languageOf(run.name, err.header ? [err.header] : [], []);
    return fileFailure(run, err.code, err.args);
  }
  run.language = languageOf(run.name, parsed.headers, parsed.rows);
  return { ...parsed, sha256: hash.digest("hex") };
}

/** Each row checked on its own, and ids checked across rows: the first row of an id wins. */
function validateRows(
  rows: ParsedFile["rows"],
  language: Language,
): { valid: ValidRow[]; rejected: Rejection[]; counts: ImportCounts } {
  const rejected: Rejection[] = [];
  const valid: ValidRow[] = [];
  const firstRowOfId = new Map<string, number>();
  for (const raw of rows) {
    const result = validateRow(raw, language);
    const id =
      typeof raw.fields.id === "string" || typeof raw.fields.id === "number"
        ? String(raw.fields.id).trim()
        : "";
    const first = id ? firstRowOfId.get(id) : undefined;
    if (first !== undefined) {
      rejected.push({
        row: raw.row,
        id,
        field: "id",
        code: "duplicate_id",
        message: rejectionMessage("duplicate_id", language, { field: "id", detail: String(first) }),
      });
      continue;
    }
    if (id) firstRowOfId.set(id, raw.row);
    if ("action" in result) valid.push(result);
    else rejected.push(result);
  }
  const counts = zeroCounts();
  counts.total = rows.length;
  counts.rejected = rejected.length;
  return { valid, rejected, counts };
}

/** The knowledge base's import lease this import holds, and the checkpoint it continues from, if any. */
interface HeldLease {
  meta: FaqMeta;
  resume: FaqPending | undefined;
  /** The version this import writes; a continuing import keeps its first run's. */
  owner: string;
}

async function takeLease(run: ImportRun, fileSha256: string): Promise<HeldLease | { busy: FaqMeta }> {
  const { repo } = run.deps;
  const meta = await repo.getMeta(run.kb);
  const resume =
    meta.pending?.upload === run.source.key && meta.pending.fileSha256 === fileSha256
      ? meta.pending
      : undefined;
  const owner = resume?.version ?? newVersion(run.started);
  if (!(await repo.acquireLease(run.kb, owner, run.now().getTime(), run.opts.leaseTtlMs))) {
    return { busy: meta };
  }
  return { meta, resume, owner };
}

/** Another import holds the knowledge base: this upload waits in its queue and runs after it. */
async function queueBehindLease(
  run: ImportRun,
  meta: FaqMeta,
  counts: ImportCounts,
  rejected: Rejection[],
): Promise<ImportResult> {
  await run.deps.repo.enqueue(run.kb, run.source.key);
  return writeReport(run, {
    version: meta.version ?? null,
    status: "queued",
    done: false,
    counts,
    rejected,
    error: {
      code: "busy",
      message:
        run.language === "zh"
          ? "另一个文件正在导入该知识库，本文件已排队，完成后会自动导入。"
          : "Another file is being imported into this knowledge base; this one is queued and will run after it.",
    },
  });
}

interface ImportPlan {
  toWrite: { row: number; entry: FaqEntry; hash: string; isNew: boolean }[];
  toDelete: string[];
  /** Entries whose embedding failed, in earlier runs of this import and (after embedAndWrite) this one. */
  failed: FaqPending["failed"];
}

/** What changes against the stored entries; counts what stays unchanged and what earlier runs wrote. */
async function planChanges(
  run: ImportRun,
  valid: ValidRow[],
  lease: HeldLease,
  replace: boolean,
  counts: ImportCounts,
): Promise<ImportPlan> {
  const { resume, owner } = lease;
  const states = await run.deps.repo.entryStates(run.kb);
  const modelId = run.deps.embedder?.modelId;
  const failedBefore = new Map((resume?.failed ?? []).map((f) => [f.id, f]));
  const toWrite: ImportPlan["toWrite"] = [];
  const toDelete: string[] = [];
  const inFile = new Set<string>();
  for (const item of valid) {
    if (item.action === "delete") {
      inFile.add(item.id);
      if (states.has(item.id)) toDelete.push(item.id);
      else counts.unchanged++;
      continue;
    }
    const { row, entry } = item;
    inFile.add(entry.id);
    const state = states.get(entry.id);
    const h = contentHash(entry);
    const sameContent = state?.contentHash === h && (modelId === undefined || state.modelId === modelId);
    if (sameContent && resume && state?.version === owner) continue; // written earlier in this import
    if (sameContent) counts.unchanged++;
    else if (failedBefore.has(entry.id))
      continue; // reported by the earlier run, not retried
    else toWrite.push({ row, entry, hash: h, isNew: !state });
  }
  if (replace) for (const id of states.keys()) if (!inFile.has(id)) toDelete.push(id);
  if (resume) {
    counts.inserted += resume.counts.inserted;
    counts.updated += resume.counts.updated;
  }
  return { toWrite, toDelete, failed: [...(resume?.failed ?? [])] };
}

/**
 * Embeds and writes the planned entries in groups, renewing the lease after each, until done or the
 * invocation's time runs short. Returns how many planned entries it got through.
 */
async function embedAndWrite(
  run: ImportRun,
  plan: ImportPlan,
  owner: string,
  counts: ImportCounts,
): Promise<number> {
  const { opts } = run;
  const { repo, embedder } = run.deps;
  const { toWrite, failed } = plan;
  const modelId = embedder?.modelId;
  let done = 0;
  let slowestGroupMs = 0;
  for (; done < toWrite.length; ) {
    // At least one group per invocation, so an import always progresses however short the budget.
    if (done > 0 && run.remainingMs() < Math.max(opts.reserveMs, 2 * slowestGroupMs)) break;
    const groupStarted = Date.now();
    const group = toWrite.slice(done, done + opts.groupSize);
    const notAttempted = failed.length >= opts.maxEmbeddingFailures;
    const vectors = notAttempted
      ? group.map(() => ({ error: "not attempted: the embedding service kept failing" }))
      : await embedGroup(
          group.map((g) => phrasings(g.entry)),
          embedder,
          opts,
        );
    const stamp = run.now().toISOString();
    const ok: StoredFaqEntry[] = [];
    group.forEach((g, i) => {
      const v = vectors[i];
      if (v && "error" in v) {
        failed.push({ row: g.row, id: g.entry.id, detail: v.error });
        return;
      }
      ok.push({
        ...g.entry,
        contentHash: g.hash,
        updatedAt: stamp,
        version: owner,
        ...(v && modelId ? { vectors: { modelId, values: v.values } } : {}),
      });
      if (g.isNew) counts.inserted++;
      else counts.updated++;
    });
    await repo.putEntries(run.kb, ok);
    done += group.length;
    slowestGroupMs = Math.max(slowestGroupMs, Date.now() - groupStarted);
    await repo.acquireLease(run.kb, owner, run.now().getTime(), opts.leaseTtlMs);
  }
  return done;
}

function embeddingRejections(failed: ImportPlan["failed"], language: Language): Rejection[] {
  return failed.map((f) => ({
    row: f.row,
    id: f.id,
    field: "row",
    code: "embedding_failed",
    message: rejectionMessage("embedding_failed", language, { field: "row", detail: f.detail }),
  }));
}

/** Time ran short: save where this import is, and have the same upload run again to continue. */
async function checkpoint(
  run: ImportRun,
  lease: HeldLease,
  fileSha256: string,
  plan: ImportPlan,
  progress: { written: number; counts: ImportCounts; rejected: Rejection[] },
): Promise<ImportResult> {
  const { counts, rejected, written } = progress;
  await run.deps.repo.savePending(
    run.kb,
    lease.owner,
    {
      version: lease.owner,
      upload: run.source.key,
      fileSha256,
      startedAt: lease.resume?.startedAt ?? run.started.toISOString(),
      counts: { ...counts },
      failed: plan.failed.slice(0, run.opts.maxEmbeddingFailures),
    },
    run.now().getTime() + run.opts.leaseTtlMs,
  );
  return writeReport(
    run,
    {
      version: lease.meta.version ?? null,
      status: "partial",
      done: false,
      remaining: plan.toWrite.length - written,
      counts,
      rejected,
    },
    [run.source.key],
  );
}

/**
 * The run that finishes: deletes, then (if anything changed) the version's snapshot and its commit, then
 * the lease goes to the uploads queued behind this one.
 */
async function activateVersion(
  run: ImportRun,
  lease: HeldLease,
  toDelete: string[],
  counts: ImportCounts,
  rejected: Rejection[],
): Promise<ImportResult> {
  const { repo, blobs } = run.deps;
  const { kb } = run;
  await repo.deleteEntries(kb, toDelete);
  counts.deleted = toDelete.length;
  const changed = counts.inserted + counts.updated + counts.deleted > 0;
  let version = lease.meta.version ?? null;
  if (changed) {
    const { entries } = await repo.loadEntries(kb, { vectors: false });
    const key = snapshotKey(kb, lease.owner);
    await blobs.put(key, toJsonl(entries), "application/x-ndjson; charset=utf-8");
    const record: FaqVersionRecord = {
      version: lease.owner,
      at: run.now().toISOString(),
      upload: run.source.key,
      counts: { ...counts },
      entryCount: entries.length,
      snapshotKey: key,
    };
    await repo.commitVersion(kb, lease.owner, record);
    version = lease.owner;
  }
  const queued = (await repo.releaseLease(kb, lease.owner)).filter((k) => k !== run.source.key);
  const status: ImportStatus = rejected.length === 0 ? "applied" : "partial";
  return writeReport(run, { version, status, done: true, counts, rejected }, queued);
}

/**
 * Runs an upload, and the uploads it hands over to, until nothing is left to continue. For local use
 * (the CLI, `npm start`, tests); in AWS each continuation is a new invocation (see functions/ingest.ts).
 */
export async function runImportToCompletion(
  source: { key: string },
  deps: ImportDeps,
): Promise<ImportResult> {
  let result = await importUpload(source, deps);
  const queue = result.continueKeys.filter((k) => k !== source.key);
  while (result.continueKeys.includes(source.key)) {
    result = await importUpload(source, deps);
    queue.push(...result.continueKeys.filter((k) => k !== source.key));
  }
  for (const key of new Set(queue)) await runImportToCompletion({ key }, deps);
  return result;
}

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreError";
  }
}

/**
 * Restores a knowledge base to an earlier version (default: the one before the current) by copying
 * that version's snapshot into uploads/ as a `.replace.` file. The ordinary import then applies it as
 * a new version: it re-embeds only entries that differ from what is live, and reports like any upload.
 */
export async function requestRestore(
  request: { kb?: string; version?: string },
  deps: Pick<ImportDeps, "blobs" | "repo">,
): Promise<{ version: string; uploadKey: string; reportKey: string }> {
  const kb = request.kb ?? "default";
  const meta = await deps.repo.getMeta(kb);
  const target = request.version ?? meta.history[1]?.version;
  if (!target) throw new RestoreError(`knowledge base ${kb} has no earlier version to restore`);
  if (target === meta.version) throw new RestoreError(`version ${target} is already the current version`);
  const record = meta.history.find((h) => h.version === target);
  const from = record?.snapshotKey ?? snapshotKey(kb, target);
  if (!(await deps.blobs.head(from))) throw new RestoreError(`no snapshot of version ${target} (${from})`);
  const relative = `${kb === "default" ? "" : `${kb}/`}restore-${target}.replace.jsonl`;
  const uploadKey = `${FAQ_BUCKET.uploadsPrefix}${relative}`;
  await deps.blobs.copy(from, uploadKey);
  return { version: target, uploadKey, reportKey: reportKeyFor(relative) };
}

// ---------- helpers ----------

async function* hashing(
  body: AsyncIterable<Uint8Array>,
  hash: ReturnType<typeof createHash>,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
}

function languageOf(name: string, headers: string[], rows: { fields: Record<string, unknown> }[]): Language {
  if (detectLanguage(name + headers.join(" ")) === "zh") return "zh";
  const sample = rows.slice(0, 50);
  const chinese = sample.filter(
    (r) => detectLanguage(`${r.fields.question ?? ""}${r.fields.answer ?? ""}`) === "zh",
  );
  return sample.length > 0 && chinese.length * 2 >= sample.length ? "zh" : "en";
}

type Embedded = { values: Float32Array[] } | { error: string } | undefined;

/**
 * Embeds every phrasing of a group of entries: texts in batches, a bounded number of calls in flight.
 * A failing batch fails only the entries with a phrasing in it.
 */
async function embedGroup(
  texts: string[][],
  embedder: Embedder | undefined,
  opts: ImportOptions,
): Promise<Embedded[]> {
  if (!embedder) return texts.map(() => undefined);
  const flat = texts.flatMap((list, entry) => list.map((text) => ({ entry, text })));
  const vectors: (Float32Array | undefined)[] = new Array(flat.length);
  const errors = new Map<number, string>();
  const batches: number[] = [];
  for (let i = 0; i < flat.length; i += opts.embedBatch) batches.push(i);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const start = batches[next++] ?? 0;
      const slice = flat.slice(start, start + opts.embedBatch);
      try {
        const out = await embedder.embed(slice.map((s) => s.text));
        if (out.length !== slice.length)
          throw new Error(`got ${out.length} vectors for ${slice.length} texts`);
        out.forEach((v, i) => {
          vectors[start + i] = v;
        });
      } catch (err) {
        const e = err as Error;
        for (const s of slice) errors.set(s.entry, `${e.name}: ${e.message}`.slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.embedConcurrency, batches.length) }, worker));
  let offset = 0;
  return texts.map((list, entry) => {
    const own = vectors.slice(offset, offset + list.length);
    offset += list.length;
    const error = errors.get(entry);
    if (error) return { error };
    return { values: own as Float32Array[] };
  });
}

function toJsonl(entries: StoredFaqEntry[]): string {
  return entries
    .map((e) =>
      JSON.stringify({
        id: e.id,
        question: e.question,
        answer: e.answer,
        similar_questions: e.similarQuestions,
        ...(e.category ? { category: e.category } : {}),
        // A restore must bring the out-of-scope wordings back as such, not as entries without an answer.
        ...(e.outOfScope ? { out_of_scope: true } : {}),
        ...(e.translationOf ? { translation_of: e.translationOf } : {}),
      }),
    )
    .join("\n")
    .concat(entries.length > 0 ? "\n" : "");
}
