import type { Channel } from "../core/message";
import type { ChannelTexts } from "../core/texts";
import { parseCredentialGroup, type RawCredentials } from "./credentials";
import { dingtalkModule } from "./dingtalk/module";
import { emailModule } from "./email/module";
import type { ChannelContext, ChannelModule, InboundAdapter, NotificationAdapter } from "./ports";
import { smsModule } from "./sms/module";
import { twilioModule } from "./twilio/module";
import { wechatModule } from "./wechat/module";
import { wecomModule } from "./wecom/module";
import { wecomKfModule } from "./wecom-kf/module";

/**
 * Every channel Kefu serves, by how it receives. Adding one is a folder under shared/channels/ with a
 * module.ts and a sender.ts, one line here and one in senders.ts.
 */
export const CHANNEL_MODULES: readonly ChannelModule<never>[] = [
  wechatModule as ChannelModule<never>,
  wecomModule as ChannelModule<never>,
  wecomKfModule as ChannelModule<never>,
  dingtalkModule as ChannelModule<never>,
  emailModule as ChannelModule<never>,
  smsModule as ChannelModule<never>,
  twilioModule as ChannelModule<never>,
];

export function moduleFor(channel: string): ChannelModule | undefined {
  return CHANNEL_MODULES.find((m) => m.channel === channel) as ChannelModule | undefined;
}

/** Every channel's demo credentials: the defaults of `npm start`. */
export function demoCredentials(): Record<string, string> {
  return Object.assign({}, ...CHANNEL_MODULES.map((m) => m.demoCredentials));
}

/** The channels' own wording of the core's sentences (a short disclosure on SMS…), by channel. */
export function channelTexts(): Partial<Record<Channel, ChannelTexts>> {
  return Object.fromEntries(CHANNEL_MODULES.filter((m) => m.texts).map((m) => [m.channel, m.texts]));
}

/** The credential keys of a module: its schema's fields, optional ones included. */
export function credentialKeys(module: ChannelModule<never> | ChannelModule): string[] {
  const shape = (module.credentials as { shape?: Record<string, unknown> }).shape;
  return Object.keys(shape ?? module.demoCredentials);
}

/** The module's credentials from a raw source, or undefined when the channel is not configured. */
export function credentialsFor(
  module: ChannelModule,
  raw: RawCredentials,
): Record<string, string> | undefined {
  return parseCredentialGroup(module.credentials, credentialKeys(module), raw);
}

export type ContextWithoutApiBase = Omit<ChannelContext, "apiBase">;

function contextFor(module: ChannelModule, base: ContextWithoutApiBase): ChannelContext {
  const apiBase = base.settings.apiBases[module.channel] ?? module.apiBase?.default ?? "";
  return { ...base, apiBase, maxBodyBytes: module.maxBodyBytes ?? base.maxBodyBytes };
}

/**
 * The webhook transport's cap: the largest body a channel served over HTTPS accepts (each adapter
 * enforces its own limit). Channels that arrive through SNS (e-mail's 256 KB) do not widen it.
 */
export function largestBodyBytes(defaultBytes: number): number {
  return Math.max(defaultBytes, ...CHANNEL_MODULES.filter((m) => m.inbound).map((m) => m.maxBodyBytes ?? 0));
}

/** A configured channel: its module, its credentials and the context its adapters get. */
export interface ResolvedChannel {
  module: ChannelModule;
  credentials: Record<string, string>;
  context: ChannelContext;
}

/**
 * The channel's module, credentials and context, or undefined when the channel is unknown or not
 * configured. Credentials are re-read through the (cached) source on each call, so a rotated secret is
 * used without a redeploy; adapters are cheap to build.
 */
export async function resolveChannel(
  channel: string,
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
): Promise<ResolvedChannel | undefined> {
  const module = moduleFor(channel);
  if (!module) return undefined;
  const credentials = credentialsFor(module, await getCredentials());
  return credentials ? { module, credentials, context: contextFor(module, context) } : undefined;
}

/** The receiving adapters, for the webhook (the senders are in senders.ts, which the webhook never loads). */
export function inboundAdapters(
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
) {
  return {
    async inbound(channel: string): Promise<InboundAdapter | undefined> {
      const found = await resolveChannel(channel, getCredentials, context);
      return found?.module.inbound?.(found.credentials, found.context);
    },
    /** The adapter of the configured channel that owns this SNS topic (e-mail, SMS), if any. */
    async notifications(topicArn: string): Promise<NotificationAdapter | undefined> {
      for (const module of CHANNEL_MODULES as readonly ChannelModule[]) {
        if (!module.notifications) continue;
        const found = await resolveChannel(module.channel, getCredentials, context);
        const adapter = found && module.notifications(found.credentials, found.context);
        if (adapter?.accepts(topicArn)) return adapter;
      }
      return undefined;
    },
  };
}
