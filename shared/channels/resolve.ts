import { parseCredentialGroup, type RawCredentials } from "./credentials";
import type { ChannelContext, ChannelModule, InboundAdapter, NotificationAdapter } from "./ports";

/**
 * Finding a channel's module, credentials and context within a list of modules. The list is a parameter
 * so that each function bundles only the channels it serves: the webhook its HTTPS channels
 * (webhook-modules.ts), the SNS ingress e-mail and SMS (notification-modules.ts), the worker and the desk
 * every channel (registry.ts).
 */
export type ChannelModules = readonly ChannelModule<never>[];

export function moduleIn(modules: ChannelModules, channel: string): ChannelModule | undefined {
  return modules.find((m) => m.channel === channel) as ChannelModule | undefined;
}

/** The modules' demo credentials: the defaults of `npm start`. */
export function demoCredentialsOf(modules: ChannelModules): Record<string, string> {
  return Object.assign({}, ...modules.map((m) => m.demoCredentials));
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
 * The webhook transport's cap: the largest body one of these channels accepts over HTTPS (each adapter
 * enforces its own limit). Channels that arrive through SNS (e-mail's 256 KB) do not widen it.
 */
export function largestBodyBytes(modules: ChannelModules, defaultBytes: number): number {
  return Math.max(defaultBytes, ...modules.filter((m) => m.inbound).map((m) => m.maxBodyBytes ?? 0));
}

/** A configured channel: its module, its credentials and the context its adapters get. */
export interface ResolvedChannel {
  module: ChannelModule;
  credentials: Record<string, string>;
  context: ChannelContext;
}

/**
 * The channel's module, credentials and context, or undefined when the channel is not among the modules
 * or not configured. Credentials are re-read through the (cached) source on each call, so a rotated
 * secret is used without a redeploy; adapters are cheap to build.
 */
export async function resolveIn(
  modules: ChannelModules,
  channel: string,
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
): Promise<ResolvedChannel | undefined> {
  const module = moduleIn(modules, channel);
  if (!module) return undefined;
  const credentials = credentialsFor(module, await getCredentials());
  return credentials ? { module, credentials, context: contextFor(module, context) } : undefined;
}

/** The receiving adapters of these modules (the senders are in senders.ts, which no ingress loads). */
export function inboundAdapters(
  modules: ChannelModules,
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
) {
  return {
    async inbound(channel: string): Promise<InboundAdapter | undefined> {
      const found = await resolveIn(modules, channel, getCredentials, context);
      return found?.module.inbound?.(found.credentials, found.context);
    },
    /** The adapter of the configured channel that owns this SNS topic (e-mail, SMS), if any. */
    async notifications(topicArn: string): Promise<NotificationAdapter | undefined> {
      for (const module of modules as readonly ChannelModule[]) {
        if (!module.notifications) continue;
        const found = await resolveIn(modules, module.channel, getCredentials, context);
        const adapter = found && module.notifications(found.credentials, found.context);
        if (adapter?.accepts(topicArn)) return adapter;
      }
      return undefined;
    },
  };
}
