import type { Channel } from "../core/message";
import type { ChannelTexts } from "../core/texts";
import type { RawCredentials } from "./credentials";
import { dingtalkModule } from "./dingtalk/module";
import { NOTIFICATION_MODULES } from "./notification-modules";
import type { ChannelModule } from "./ports";
import { type ContextWithoutApiBase, demoCredentialsOf, moduleIn, resolveIn } from "./resolve";
import { twilioModule } from "./twilio/module";
import { wechatModule } from "./wechat/module";
import { wecomModule } from "./wecom/module";
import { wecomKfModule } from "./wecom-kf/module";

export { type ContextWithoutApiBase, credentialKeys, credentialsFor } from "./resolve";

/**
 * Every channel Kefu serves: those the webhook receives and those the SNS ingress receives. Adding one is
 * a folder under shared/channels/ with a module.ts and a sender.ts, one line in webhook-modules.ts or
 * notification-modules.ts, one here (for a webhook channel, which the webhook loads on first use) and one
 * in senders.ts.
 */
export const CHANNEL_MODULES: readonly ChannelModule<never>[] = [
  wechatModule as ChannelModule<never>,
  wecomModule as ChannelModule<never>,
  wecomKfModule as ChannelModule<never>,
  dingtalkModule as ChannelModule<never>,
  twilioModule as ChannelModule<never>,
  ...NOTIFICATION_MODULES,
];

export function moduleFor(channel: string): ChannelModule | undefined {
  return moduleIn(CHANNEL_MODULES, channel);
}

/** Every channel's demo credentials: the defaults of `npm start`. */
export function demoCredentials(): Record<string, string> {
  return demoCredentialsOf(CHANNEL_MODULES);
}

/** The channels' own wording of the core's sentences (a short disclosure on SMS…), by channel. */
export function channelTexts(): Partial<Record<Channel, ChannelTexts>> {
  return Object.fromEntries(CHANNEL_MODULES.filter((m) => m.texts).map((m) => [m.channel, m.texts]));
}

/** Any channel's module, credentials and context (the worker's and the desk's senders). */
export function resolveChannel(
  channel: string,
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
) {
  return resolveIn(CHANNEL_MODULES, channel, getCredentials, context);
}
