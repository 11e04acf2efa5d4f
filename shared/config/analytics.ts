import * as z from "zod/mini";
import type { Fragment } from "./errors";
import { optional } from "./fragments";
import { ANALYTICS_ENV, ENV } from "./names";

/** Where the analytics key is: the stack's generated secret in AWS, the value itself locally. */
export type AnalyticsKeyLocation = { secretArn: string } | { key: string };

/** A local key shorter than this is refused: an HMAC key is as strong as it is long (32 bytes, base64). */
const MIN_KEY_LENGTH = 32;

/**
 * The analytics key's location, for the functions that record analytics events (worker, desk API, SLA
 * clock, `npm run desk`). Required: without a key the conversation ids would be plain hashes again, which
 * can be reversed on SMS by trying phone numbers.
 */
export const analyticsKeyLocation: Fragment<AnalyticsKeyLocation> = {
  what: "configuration",
  schema: z.pipe(
    z
      .looseObject({
        [ENV.mode]: optional(z.enum(["aws", "local"])),
        [ANALYTICS_ENV.keySecretArn]: optional(z.string()),
        [ANALYTICS_ENV.key]: optional(z.string().check(z.minLength(MIN_KEY_LENGTH))),
      })
      .check(
        z.superRefine((env, ctx) => {
          if (env[ANALYTICS_ENV.keySecretArn] || env[ANALYTICS_ENV.key]) return;
          const local = env[ENV.mode] === "local";
          ctx.addIssue({
            code: "custom",
            path: [local ? ANALYTICS_ENV.key : ANALYTICS_ENV.keySecretArn],
            message: local ? "is required (npm start makes one)" : "is required (the stack sets it)",
          });
        }),
      ),
    z.transform((env): AnalyticsKeyLocation => {
      const arn = env[ANALYTICS_ENV.keySecretArn];
      return arn ? { secretArn: arn } : { key: env[ANALYTICS_ENV.key] ?? "" };
    }),
  ),
};
