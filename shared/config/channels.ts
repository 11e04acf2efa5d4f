import * as z from "zod/mini";
import { EMAIL_AUTH_MODES, type EmailAuthMode } from "../channels/email/auth";
import type { ChannelSettings, SmsSettings } from "../channels/settings";
import type { Channel } from "../core/message";
import { ChannelSettingsError, type Fragment, lazyFragment, readFragment } from "./errors";
import { credentials, ingress, optional } from "./fragments";
import { API_BASE_ENV, CHANNEL_ENV, type EnvRecord } from "./names";

const N = CHANNEL_ENV;

/** A comma-separated list, blanks dropped. */
const list = z.pipe(
  optional(z.string()),
  z.transform((value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ),
);

const trimmed = () => z.string().check(z.trim());

const keywordReplies = (name: string) =>
  z.pipe(
    z.pipe(
      optional(trimmed()),
      z.transform((value: string | undefined) => value || "platform"),
    ),
    z.enum(["platform", "kefu"], { error: `${name} must be "platform" or "kefu"` }),
  );

/** Built on first use (lazyFragment); one URL schema serves every channel's API base. */
const settingsSchema = () => {
  const apiBase = optional(z.url());
  return z.object({
    [N.smsMaxSegments]: z
      .pipe(
        optional(trimmed()),
        z.transform((value: string | undefined) => Number(value || "3")),
      )
      .check(
        z.refine(
          (n: number) => Number.isInteger(n) && n >= 1 && n <= 10,
          `${N.smsMaxSegments} must be an integer from 1 to 10`,
        ),
      ),
    [N.smsMoreUrl]: optional(
      trimmed().check(z.regex(/^https?:\/\/\S+$/, `${N.smsMoreUrl} must be an http(s) URL`)),
    ),
    [N.smsKeywordReplies]: keywordReplies(N.smsKeywordReplies),
    [N.twilioKeywordReplies]: keywordReplies(N.twilioKeywordReplies),
    [N.emailDomains]: list,
    [N.emailTopicArns]: list,
    [N.emailAuth]: optional(
      z.enum(EMAIL_AUTH_MODES, {
        error: (issue) =>
          `${N.emailAuth} must be one of ${EMAIL_AUTH_MODES.join(", ")} (got "${String(issue.input)}")`,
      }),
    ),
    [N.emailConfigurationSet]: optional(z.string()),
    [N.wecomKfServicerUserId]: optional(z.string()),
    ...Object.fromEntries(Object.values(API_BASE_ENV).map((name) => [name, apiBase])),
  });
};
type Parsed = z.infer<ReturnType<typeof settingsSchema>>;

function sms(env: Parsed, channel: "sms" | "twilio"): SmsSettings {
  const moreUrl = env[N.smsMoreUrl];
  return {
    maxSegments: env[N.smsMaxSegments],
    ...(moreUrl ? { moreUrl } : {}),
    keywordReplies: env[channel === "sms" ? N.smsKeywordReplies : N.twilioKeywordReplies],
  };
}

/**
 * The channels' settings that are not secrets (shared/channels/settings.ts): SMS segments and keyword
 * answers, e-mail domains/topics/sender check, the WeCom 微信客服 servicer, and platform API base URLs.
 */
export const channelSettings: Fragment<ChannelSettings> = lazyFragment(
  "channel settings",
  () =>
    z.pipe(
      settingsSchema(),
      z.transform((env: Parsed): ChannelSettings => {
        const configurationSet = env[N.emailConfigurationSet];
        const servicerUserId = env[N.wecomKfServicerUserId];
        const apiBases = (Object.entries(API_BASE_ENV) as [Channel, string][]).filter(
          ([, name]) => (env as Record<string, unknown>)[name] !== undefined,
        );
        return {
          sms: sms(env, "sms"),
          twilio: sms(env, "twilio"),
          email: {
            domains: env[N.emailDomains],
            topicArns: env[N.emailTopicArns],
            auth: env[N.emailAuth] ?? "aligned",
            ...(configurationSet ? { configurationSet } : {}),
          },
          wecomKf: servicerUserId ? { servicerUserId } : {},
          apiBases: Object.fromEntries(
            apiBases.map(([channel, name]) => [channel, (env as Record<string, unknown>)[name] as string]),
          ),
        };
      }),
    ),
  ChannelSettingsError,
);

/**
 * What every function that receives or sends on the channels reads for them (shared/aws/channel-context.ts,
 * ChannelsConfig, with the runtime and the tokens table): where the credentials are, what the ingress
 * checks, and each channel's settings.
 */
export const channelFragments = { credentials, ingress, channels: channelSettings };

/** The channels' settings from an environment (infra checks the ones it sets with this, at synthesis). */
export function channelSettingsFromEnv(env: EnvRecord): ChannelSettings {
  return readFragment(channelSettings, env);
}

/** One SMS channel's settings on their own. */
export function smsSettings(env: EnvRecord, channel: "sms" | "twilio"): SmsSettings {
  return channelSettingsFromEnv(env)[channel];
}

/** KEFU_EMAIL_AUTH on its own: which senders are answered; a value it does not know fails loudly. */
export function emailAuthMode(value: string | undefined): EmailAuthMode {
  return readFragment(channelSettings, { [N.emailAuth]: value }).email.auth;
}
