import type { Channel } from "../core/message";
import type { EmailAuthMode } from "./email/auth";

/**
 * The channels' settings that are not secrets, typed: shared/config reads them from the environment
 * (KEFU_SMS_MAX_SEGMENTS…) and validates them at cold start; the functions hand them to the channels
 * in ChannelContext. A channel's secrets are its credentials instead (<channel>/credentials.ts).
 */
export interface ChannelSettings {
  sms: SmsSettings;
  twilio: SmsSettings;
  email: EmailSettings;
  wecomKf: WeComKfSettings;
  /** Platform API base URLs other than the platforms' own (locally: the simulators), by channel. */
  apiBases: Partial<Record<Channel, string>>;
}

export interface SmsSettings {
  /** KEFU_SMS_MAX_SEGMENTS: segments per reply (default 3). */
  maxSegments: number;
  /** KEFU_SMS_MORE_URL: when set, cut replies end with this link instead of "Reply MORE". */
  moreUrl?: string;
  /**
   * Who answers STOP/START/HELP: `platform` (default) when the platform replies itself (End User
   * Messaging without self-managed opt-outs; Twilio's default opt-out handling on US/CA numbers), `kefu`
   * when Kefu must (self-managed opt-outs, Twilio Advanced Opt-Out off). Never both: a customer who
   * texts STOP must get exactly one confirmation.
   */
  keywordReplies: "platform" | "kefu";
}

/** E-mail settings; the same keys in the channel's secret win over these. */
export interface EmailSettings {
  /** Our other domains: mail from them is never answered. */
  domains: string[];
  /** The SNS topics SES publishes received mail to; required in AWS. */
  topicArns: string[];
  /** Which senders are answered (auth.ts). */
  auth: EmailAuthMode;
  /** SES configuration set for replies. */
  configurationSet?: string;
}

/** WeCom 微信客服: with a servicer, hand-offs go straight to that person; else to the pool. */
export interface WeComKfSettings {
  servicerUserId?: string;
}
