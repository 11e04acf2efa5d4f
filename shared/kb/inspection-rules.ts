import {
  compileRuleSet,
  type InspectionRule,
  InspectionRuleSchema,
  type RuleSet,
} from "../core/quality/inspection";
import { FAQ_BUCKET } from "../resources";
import type { BlobStore } from "./import/ports";

/**
 * Quality-inspection rule sets as files in the bucket, versioned and reported like FAQ imports: an admin
 * uploads `rules/uploads/<name>.jsonl` (one rule per line, the fields of InspectionRuleSchema); the
 * import checks every row and writes `rules/reports/<name>.json`. A rule set is all or nothing: with one
 * broken row nothing changes (a compliance rule silently dropped would be worse than a refused file), the
 * report says which rows and why, and the set in force stays. An accepted set is kept under
 * `rules/versions/` and `rules/active.json` names it; the worker and the desk read it from there.
 */

const PREFIX = FAQ_BUCKET.rulesPrefix;
export const RULES_KEYS = {
  uploads: `${PREFIX}uploads/`,
  reports: `${PREFIX}reports/`,
  versions: `${PREFIX}versions/`,
  active: `${PREFIX}active.json`,
} as const;

/** Far more than any rule set needs; a bigger file is refused before it is read. */
export const MAX_RULES_FILE_BYTES = 1024 * 1024;

export interface RejectedRule {
  /** 1-based line number in the uploaded file. */
  row: number;
  id?: string;
  field?: string;
  code: "malformed_json" | "invalid_rule" | "duplicate_id";
  message: string;
}

export interface RulesReport {
  upload: string;
  status: "applied" | "rejected";
  /** The version now in force (the new one when applied). */
  version?: string;
  counts: { total: number; accepted: number; rejected: number };
  rejected: RejectedRule[];
  /** Why the whole file was refused, when it was (too large, not JSONL, no rules). */
  fileProblem?: "too_large" | "unsupported_format" | "no_rules" | "missing";
  at: string;
}

interface ActivePointer {
  version: string;
  key: string;
}

interface StoredRuleSet {
  version: string;
  upload: string;
  at: string;
  rules: InspectionRule[];
}

export interface RulesImportDeps {
  blobs: BlobStore;
  now(): Date;
}

export function isRulesUpload(key: string): boolean {
  return key.startsWith(RULES_KEYS.uploads) && !key.endsWith("/");
}

/** Checks an uploaded rule file, reports on it, and puts it in force when every row is a valid rule. */
export async function importRules(uploadKey: string, deps: RulesImportDeps): Promise<RulesReport> {
  const name = uploadKey.slice(RULES_KEYS.uploads.length);
  const at = deps.now().toISOString();
  const previous = await activeVersion(deps.blobs);
  const report = (fields: Omit<RulesReport, "upload" | "at">): RulesReport => ({
    upload: uploadKey,
    at,
    ...fields,
  });

  let result: RulesReport;
  const head = await deps.blobs.head(uploadKey);
  if (!head) {
    result = refused("missing");
  } else if (!/\.(jsonl|ndjson)$/i.test(name)) {
    result = refused("unsupported_format");
  } else if (head.size > MAX_RULES_FILE_BYTES) {
    result = refused("too_large");
  } else {
    const { rules, rejected, total } = parseRules((await deps.blobs.getText(uploadKey)) ?? "");
    if (total === 0) result = refused("no_rules");
    else if (rejected.length > 0) {
      result = report({
        status: "rejected",
        ...(previous ? { version: previous } : {}),
        counts: { total, accepted: rules.length, rejected: rejected.length },
        rejected,
      });
    } else {
      const version = versionId(deps.now());
      const stored: StoredRuleSet = { version, upload: uploadKey, at, rules };
      const key = `${RULES_KEYS.versions}${version}.json`;
      await deps.blobs.put(key, JSON.stringify(stored), "application/json");
      const pointer: ActivePointer = { version, key };
      await deps.blobs.put(RULES_KEYS.active, JSON.stringify(pointer), "application/json");
      result = report({
        status: "applied",
        version,
        counts: { total, accepted: total, rejected: 0 },
        rejected,
      });
    }
  }
  await deps.blobs.put(
    `${RULES_KEYS.reports}${name}.json`,
    JSON.stringify(result, null, 2),
    "application/json",
  );
  return result;

  function refused(fileProblem: NonNullable<RulesReport["fileProblem"]>): RulesReport {
    return report({
      status: "rejected",
      ...(previous ? { version: previous } : {}),
      counts: { total: 0, accepted: 0, rejected: 0 },
      rejected: [],
      fileProblem,
    });
  }
}

/** Every line of a JSONL rule file, checked on its own (blank lines and `#` comments are skipped). */
export function parseRules(text: string): {
  rules: InspectionRule[];
  rejected: RejectedRule[];
  total: number;
} {
  const rules: InspectionRule[] = [];
  const rejected: RejectedRule[] = [];
  const seen = new Set<string>();
  let total = 0;
  text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .forEach((line, index) => {
      const row = index + 1;
      if (line.trim() === "" || line.trimStart().startsWith("#")) return;
      total++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        rejected.push({ row, code: "malformed_json", message: "not a JSON object" });
        return;
      }
      const id =
        typeof (value as { id?: unknown })?.id === "string" ? (value as { id: string }).id : undefined;
      const parsed = InspectionRuleSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") || undefined;
        rejected.push({
          row,
          ...(id ? { id } : {}),
          ...(field ? { field } : {}),
          code: "invalid_rule",
          message: issue?.message ?? "invalid rule",
        });
        return;
      }
      if (seen.has(parsed.data.id)) {
        rejected.push({
          row,
          id: parsed.data.id,
          field: "id",
          code: "duplicate_id",
          message: "id used twice",
        });
        return;
      }
      seen.add(parsed.data.id);
      rules.push(parsed.data);
    });
  return { rules, rejected, total };
}

async function activeVersion(blobs: BlobStore): Promise<string | undefined> {
  const text = await blobs.getText(RULES_KEYS.active);
  return text ? (JSON.parse(text) as ActivePointer).version : undefined;
}

/** Sortable and unique enough for uploads by hand: 2026-12-01T14-05-09-123Z. */
function versionId(now: Date): string {
  return now.toISOString().replace(/[:.]/g, "-");
}

export interface RulesSource {
  /** The rule set in force (cached; re-read when `refreshMs` has passed), or undefined when there is none. */
  current(): Promise<RuleSet | undefined>;
}

/** The rule set in force, read from the bucket at most every `refreshMs` (a new version is one read). */
export function bucketRulesSource(
  blobs: BlobStore,
  options: { refreshMs: number; nowMs?: () => number },
): RulesSource {
  const nowMs = options.nowMs ?? Date.now;
  let cached: { pointer?: ActivePointer; set?: RuleSet; checkedAt: number } | undefined;
  return {
    async current() {
      if (cached && nowMs() - cached.checkedAt < options.refreshMs) return cached.set;
      const text = await blobs.getText(RULES_KEYS.active);
      const pointer = text ? (JSON.parse(text) as ActivePointer) : undefined;
      if (pointer && cached?.pointer?.version === pointer.version) {
        cached.checkedAt = nowMs();
        return cached.set;
      }
      let set: RuleSet | undefined;
      if (pointer) {
        const stored = JSON.parse((await blobs.getText(pointer.key)) ?? "null") as StoredRuleSet | null;
        if (stored) set = compileRuleSet(stored.version, stored.rules);
      }
      cached = { ...(pointer ? { pointer } : {}), ...(set ? { set } : {}), checkedAt: nowMs() };
      return set;
    },
  };
}
