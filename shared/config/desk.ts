import { z } from "zod";
import { DEFAULT_ROUTING_RULES, type RoutingRules, RoutingRulesSchema } from "../core/desk/routing";
import { DEFAULT_SLA_POLICIES, type SlaPolicies, SlaPoliciesSchema } from "../core/desk/sla";
import { CHANNELS } from "../core/message";
import { ConfigError, type Fragment, readFragment } from "./errors";
import { DESK_AUTH_ENV, DESK_ENV, ENV, type EnvRecord } from "./names";

/**
 * Empty counts as unset (CDK and shells write "" for a value they do not have). The desk's settings use
 * the full zod (transforms, pipes): the desk API, the worker and the SLA clock load them, never the
 * webhook, whose bundle keeps to zod/mini.
 */
const blankAsUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** Which ID tokens the desk API accepts: those of one user pool's app client. */
export interface DeskAuthSettings {
  userPoolId: string;
  clientId: string;
  issuer: string;
  jwksUri: string;
  /** Cognito's API endpoint when it is not AWS's (cognito-local); the directory of agents is read there. */
  endpoint?: string;
}

export const deskAuth: Fragment<DeskAuthSettings> = {
  what: "desk configuration",
  schema: z
    .object({
      [ENV.region]: blankAsUnset(z.string()),
      [DESK_AUTH_ENV.userPoolId]: z.string().min(1),
      [DESK_AUTH_ENV.clientId]: z.string().min(1),
      [DESK_AUTH_ENV.issuer]: blankAsUnset(z.url()),
      [DESK_AUTH_ENV.jwksUri]: blankAsUnset(z.url()),
      [DESK_AUTH_ENV.cognitoEndpoint]: blankAsUnset(z.url()),
    })
    .transform((env) => {
      const userPoolId = env[DESK_AUTH_ENV.userPoolId];
      const region = env[ENV.region] ?? "us-east-1";
      const issuer = env[DESK_AUTH_ENV.issuer] ?? `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
      return {
        userPoolId,
        clientId: env[DESK_AUTH_ENV.clientId],
        issuer,
        jwksUri: env[DESK_AUTH_ENV.jwksUri] ?? `${issuer}/.well-known/jwks.json`,
        ...(env[DESK_AUTH_ENV.cognitoEndpoint] ? { endpoint: env[DESK_AUTH_ENV.cognitoEndpoint] } : {}),
      };
    }),
};

/** The desk's rules (KEFU_ROUTING_RULES, KEFU_SLA_POLICIES, the windows, the alerts' settings). */
export class DeskRulesError extends ConfigError {
  override readonly code = "invalid_desk_rules";
}

/** Operators' CSAT question per channel and language, `{ticket}` standing for the ticket number. */
const CsatTextsSchema = z.partialRecord(
  z.enum(["default", ...CHANNELS]),
  z.strictObject({ zh: z.string().min(1).optional(), en: z.string().min(1).optional() }),
);
export type CsatTexts = z.infer<typeof CsatTextsSchema>;

export interface DeskRules {
  routing: RoutingRules;
  sla: SlaPolicies;
  /** A customer message this long after a resolve reopens the ticket; 0 turns reopening off. */
  reopenWindowMs: number;
  /** A rating is read this long after the CSAT question; 0 turns the question off. */
  csatWindowMs: number;
  csatTexts: CsatTexts;
}

/** JSON in an environment variable, then the schema. */
const json = <T extends z.ZodType>(name: string, schema: T) =>
  blankAsUnset(z.string())
    .transform((raw, ctx) => {
      if (!raw) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", path: [name], message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema.optional());

const hours = (fallback: number) =>
  blankAsUnset(
    z.coerce
      .number()
      .min(0)
      .max(24 * 90),
  ).transform((h) => (h ?? fallback) * 3_600_000);

/**
 * The desk's rules over their defaults: routing (which skills a ticket needs), SLA targets per priority,
 * the reopen and CSAT windows (hours) and the CSAT question's wording. README, "Routing, SLAs, alerts".
 */
export const deskRules: Fragment<DeskRules> = {
  what: "desk rules",
  error: DeskRulesError,
  schema: z
    .object({
      [DESK_ENV.routingRules]: json(DESK_ENV.routingRules, RoutingRulesSchema),
      [DESK_ENV.slaPolicies]: json(DESK_ENV.slaPolicies, SlaPoliciesSchema),
      // Off unless set: a resolved conversation goes back to the bot, which answers the next question.
      [DESK_ENV.reopenWindowHours]: hours(0),
      [DESK_ENV.csatWindowHours]: hours(24),
      [DESK_ENV.csatTexts]: json(DESK_ENV.csatTexts, CsatTextsSchema),
    })
    .transform((env) => ({
      routing: env[DESK_ENV.routingRules] ?? DEFAULT_ROUTING_RULES,
      sla: env[DESK_ENV.slaPolicies] ?? DEFAULT_SLA_POLICIES,
      reopenWindowMs: env[DESK_ENV.reopenWindowHours],
      csatWindowMs: env[DESK_ENV.csatWindowHours],
      csatTexts: env[DESK_ENV.csatTexts] ?? {},
    })),
};

/** Where alerts go that are not secrets: the desk's address for links, the robots' API hosts. */
export interface AlertSettings {
  /** The desk's base URL (`https://…/desk/`): alerts link to the ticket's page, `<deskUrl>tickets/<id>`
   * (shared/core/desk/routes.ts). */
  deskUrl?: string;
  wecomApiBase: string;
  dingtalkApiBase: string;
}

export const alertSettings: Fragment<AlertSettings> = {
  what: "alert settings",
  error: DeskRulesError,
  schema: z
    .object({
      [DESK_ENV.deskUrl]: blankAsUnset(z.url()),
      [DESK_ENV.alertWecomApiBase]: blankAsUnset(z.url()),
      [DESK_ENV.alertDingtalkApiBase]: blankAsUnset(z.url()),
    })
    .transform((env) => ({
      ...(env[DESK_ENV.deskUrl] ? { deskUrl: env[DESK_ENV.deskUrl] } : {}),
      wecomApiBase: env[DESK_ENV.alertWecomApiBase] ?? "https://qyapi.weixin.qq.com",
      dingtalkApiBase: env[DESK_ENV.alertDingtalkApiBase] ?? "https://oapi.dingtalk.com",
    })),
};

export function deskRulesFromEnv(env: EnvRecord): DeskRules {
  return readFragment(deskRules, env);
}
