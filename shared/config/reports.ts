import * as z from "zod/mini";
import { checkTimeZone, InvalidTimeZoneError, REPORT_TIME_ZONE } from "../core/analytics/queries";
import { type ModelPrice, modelPriceFor } from "../core/analytics/report";
import { type Fragment, readConfig } from "./errors";
import { optional } from "./fragments";
import { ENV, type EnvRecord, REPORT_ENV } from "./names";

/** How the analytics reports read time (GET /reports, `npm run report`). */
export interface ReportSettings {
  /** The IANA time zone of the heat map's hours and weekdays. */
  timeZone: string;
  /** The answer model's price for the cost estimate; none for a model without a known price. */
  modelPrice?: ModelPrice;
}

const PRICE = z.number().check(z.nonnegative());
const ModelPricesSchema = z.record(z.string(), z.object({ input: PRICE, output: PRICE }));

/** KEFU_MODEL_PRICES: JSON, by model id, each `{input, output}` in USD per million tokens. */
const modelPrices = z.pipe(
  z.pipe(
    z.string(),
    z.transform((raw, ctx) => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.issues.push({ code: "custom", message: "not JSON", input: raw });
        return z.NEVER;
      }
    }),
  ),
  ModelPricesSchema,
);

export const reportSettings: Fragment<ReportSettings> = {
  what: "report settings",
  schema: z.pipe(
    z.object({
      [REPORT_ENV.timeZone]: optional(
        z.string().check(
          z.refine((zone) => {
            try {
              checkTimeZone(zone);
              return true;
            } catch (error) {
              if (error instanceof InvalidTimeZoneError) return false;
              throw error;
            }
          }, "an IANA time zone such as Asia/Shanghai"),
        ),
      ),
      [REPORT_ENV.modelPrices]: optional(modelPrices),
      [ENV.answerModelId]: optional(z.string()),
    }),
    z.transform((env) => {
      const price = modelPriceFor(env[ENV.answerModelId], env[REPORT_ENV.modelPrices]);
      return {
        timeZone: env[REPORT_ENV.timeZone] || REPORT_TIME_ZONE,
        ...(price ? { modelPrice: price } : {}),
      };
    }),
  ),
};

/** The report settings alone, for `npm run report` (over the local stack's environment). */
export function loadReportSettings(env: EnvRecord): ReportSettings {
  return readConfig({ reports: reportSettings }, env).reports;
}
