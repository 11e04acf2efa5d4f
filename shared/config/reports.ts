import * as z from "zod/mini";
import { checkTimeZone, InvalidTimeZoneError, REPORT_TIME_ZONE } from "../core/analytics-queries";
import { type Fragment, readConfig } from "./errors";
import { optional } from "./fragments";
import { type EnvRecord, REPORT_ENV } from "./names";

/** How the analytics reports read time (GET /reports, `npm run report`). */
export interface ReportSettings {
  /** The IANA time zone of the heat map's hours and weekdays. */
  timeZone: string;
}

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
    }),
    z.transform((env) => ({ timeZone: env[REPORT_ENV.timeZone] || REPORT_TIME_ZONE })),
  ),
};

/** The report settings alone, for `npm run report` (over the local stack's environment). */
export function loadReportSettings(env: EnvRecord): ReportSettings {
  return readConfig({ reports: reportSettings }, env).reports;
}
