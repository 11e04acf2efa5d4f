import * as z from "zod/mini";
import { DEFAULT_THRESHOLDS, type PolicyThresholds } from "../core/thresholds";
import { type Fragment, readFragment, ThresholdConfigError } from "./errors";
import { optional } from "./fragments";
import { ENV, type EnvRecord } from "./names";

const Fraction = (fallback: number) =>
  z.pipe(
    optional(z.coerce.number().check(z.gte(0), z.lte(1))),
    z.transform((n: number | undefined) => n ?? fallback),
  );

/**
 * `KEFU_ANSWER_THRESHOLD`, `KEFU_MARGIN_THRESHOLD`, `KEFU_CLARIFY_THRESHOLD`, `KEFU_SUGGEST_THRESHOLD`,
 * `KEFU_OFF_TOPIC_SUGGEST_THRESHOLD`
 * (numbers in [0, 1]) over the
 * calibrated defaults; empty counts as unset. The clarify threshold must not exceed the answer threshold,
 * or nothing between them could ever be offered as an option.
 */
export const thresholds: Fragment<PolicyThresholds> = {
  what: "thresholds",
  error: ThresholdConfigError,
  schema: z.pipe(
    z
      .object({
        [ENV.answerThreshold]: Fraction(DEFAULT_THRESHOLDS.answerThreshold),
        [ENV.marginThreshold]: Fraction(DEFAULT_THRESHOLDS.marginThreshold),
        [ENV.clarifyThreshold]: Fraction(DEFAULT_THRESHOLDS.clarifyThreshold),
        [ENV.suggestThreshold]: Fraction(DEFAULT_THRESHOLDS.suggestThreshold),
        [ENV.offTopicSuggestThreshold]: Fraction(DEFAULT_THRESHOLDS.offTopicSuggestThreshold),
      })
      .check(
        z.refine((t) => t[ENV.clarifyThreshold] <= t[ENV.answerThreshold], {
          message: `must not exceed ${ENV.answerThreshold}`,
          path: [ENV.clarifyThreshold],
        }),
      ),
    z.transform((t) => ({
      answerThreshold: t[ENV.answerThreshold],
      marginThreshold: t[ENV.marginThreshold],
      clarifyThreshold: t[ENV.clarifyThreshold],
      suggestThreshold: t[ENV.suggestThreshold],
      offTopicSuggestThreshold: t[ENV.offTopicSuggestThreshold],
      maxClarifyOptions: DEFAULT_THRESHOLDS.maxClarifyOptions,
    })),
  ),
};

export function thresholdsFromEnv(env: EnvRecord): PolicyThresholds {
  return readFragment(thresholds, env);
}
