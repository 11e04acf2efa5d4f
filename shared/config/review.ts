import * as z from "zod/mini";
import type { Fragment } from "./errors";
import { optional } from "./fragments";
import { ENV, REVIEW_ENV } from "./names";

/** Who grades resolved, human-handled tickets for the QA queue (shared/core/quality/review.ts); `off`: nobody. */
export type ReviewSettings =
  | { grader: "off" }
  | { grader: "heuristic" }
  | { grader: "bedrock"; modelId: string };

export const reviewSettings: Fragment<ReviewSettings> = {
  what: "configuration",
  schema: z.pipe(
    z.object({
      [REVIEW_ENV.grader]: optional(z.enum(["off", "heuristic", "bedrock"])),
      [ENV.answerModelId]: optional(z.string().check(z.minLength(1))),
    }),
    z.transform((env, ctx): ReviewSettings => {
      const grader = env[REVIEW_ENV.grader] ?? "off";
      if (grader !== "bedrock") return { grader };
      const modelId = env[ENV.answerModelId];
      if (modelId) return { grader, modelId };
      ctx.issues.push({
        code: "custom",
        input: env,
        path: [ENV.answerModelId],
        message: `${REVIEW_ENV.grader}=bedrock needs ${ENV.answerModelId}`,
      });
      return { grader: "off" };
    }),
  ),
};
