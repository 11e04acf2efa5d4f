import { z } from "zod";
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from "../core/thresholds";
import { type Fragment, readFragment, ThresholdConfigError } from "./errors";
import { optional } from "./fragments";
import { ENV, type EnvRecord } from "./names";

const Fraction = (fallback: number) =>
  optional(z.coerce.number().min(0).max(1)).transform((n) => n ?? fallback);

/**
 * `KEFU_ANSWER_THRESHOLD`, `KEFU_MARGIN_THRESHOLD`, `KEFU_CLARIFY_THRESHOLD` (numbers in [0, 1]) over the
 * calibrated defaults; empty counts as unset. The clarify threshold must not exceed the answer threshold,
 * or nothing between them could ever be offered as an option.
 */
export const thresholds: Fragment<PolicyThresholds> = {
  what: "thresholds",
  error: ThresholdConfigError,
  schema: z
    .object({
      [ENV.answerThreshold]: Fraction(DEFAULT_THRESHOLDS.answerThreshold),
      [ENV.marginThreshold]: Fraction(DEFAULT_THRESHOLDS.marginThreshold),
      [ENV.clarifyThreshold]: Fraction(DEFAULT_THRESHOLDS.clarifyThreshold),
    })
    .refine((t) => t[ENV.clarifyThreshold] <= t[ENV.answerThreshold], {
      message: `must not exceed ${ENV.answerThreshold}`,
      path: [ENV.clarifyThreshold],
    })
    .transform((t) => ({
      answerThreshold: t[ENV.answerThreshold],
      marginThreshold: t[ENV.marginThreshold],
      clarifyThreshold: t[ENV.clarifyThreshold],
      maxClarifyOptions: DEFAULT_THRESHOLDS.maxClarifyOptions,
    })),
};

export function thresholdsFromEnv(env: EnvRecord): PolicyThresholds {
  return readFragment(thresholds, env);
}
