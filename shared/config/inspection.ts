import * as z from "zod/mini";
import type { Fragment } from "./errors";
import { optional } from "./fragments";
import { INSPECTION_ENV } from "./names";

/** Quality inspection of outgoing messages (shared/core/pipeline/inspect.ts, the desk's reply route). */
export interface InspectionSettings {
  /** What the bot does with an answer or clarify a blocking rule stops: a person, or the safe sentence. */
  fallback: "handoff" | "safe_answer";
  /** How often the rule set in force is checked for a new version (rules/active.json). */
  rulesRefreshMs: number;
}

export const inspectionSettings: Fragment<InspectionSettings> = {
  what: "configuration",
  schema: z.pipe(
    z.object({
      [INSPECTION_ENV.fallback]: optional(z.enum(["handoff", "safe_answer"])),
      [INSPECTION_ENV.rulesRefreshMs]: optional(z.coerce.number().check(z.int(), z.nonnegative())),
    }),
    z.transform((env) => ({
      fallback: env[INSPECTION_ENV.fallback] ?? "handoff",
      rulesRefreshMs: env[INSPECTION_ENV.rulesRefreshMs] ?? 30_000,
    })),
  ),
};
