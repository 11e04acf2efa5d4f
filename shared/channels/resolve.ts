import type { Channel } from "../core/message";
import { parseCredentialGroup, type RawCredentials } from "./credentials";
import type { ChannelContext, ChannelModule, InboundAdapter, NotificationAdapter } from "./ports";

/**
 * Finding a channel's module, credentials and context within a list of modules. The list is a parameter
 * so that each function bundles only the channels it serves: the webhook its HTTPS channels
 * (webhook-modules.ts), the SNS ingress e-mail and SMS (notification-modules.ts), the worker and the desk
 * every channel (registry.ts).
 */
export type ChannelModules = readonly ChannelModule<never>[];

/**
 * A channel's module, loaded on the first request for its channel (the webhook's: webhook-modules.ts).
 * `load` is a dynamic import, which esbuild keeps inside the one bundle as a module evaluated when first
 * called: a cold start evaluates none of a channel's schemas, parsers or crypto, and a request builds
 * only its own channel's (issue 10: evaluating all five was a fifth of the webhook's cold start).
 */
export interface ChannelModuleLoader {
  readonly channel: Channel;
  load(): Promise<ChannelModule<never>>;
}

/** Loads every one of these modules (local mode's demo credentials, tests). */
export function loadModules(loaders: readonly ChannelModuleLoader[]): Promise<ChannelModules> {
  return Promise.all(loaders.map((loader) => loader.load()));
}

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

/** The receiving adapters of channels whose modules are loaded on first use (the webhook's). */
export function lazyInboundAdapters(
  loaders: readonly ChannelModuleLoader[],
  getCredentials: () => Promise<RawCredentials>,
  context: ContextWithoutApiBase,
) {
  return {
    async inbound(channel: string): Promise<InboundAdapter | undefined> {
      const loader = loaders.find((l) => l.channel === channel);
      if (!loader) return undefined;
      return inboundAdapters([await loader.load()], getCredentials, context).inbound(channel);
    },
  };
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
