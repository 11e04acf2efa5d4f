import type { RawCredentials } from "../channels/credentials";
import type { AccessTokenProvider, ChannelContext, ChannelStateStore } from "../channels/ports";
import {
  type ChannelModuleLoader,
  type ContextWithoutApiBase,
  lazyInboundAdapters,
} from "../channels/resolve";
import type { ChannelSettings } from "../channels/settings";
import { createSharedTokenProvider, type TokenStore } from "../channels/tokens";
import type { CredentialsLocation, IngressSettings, RuntimeSettings } from "../config/fragments";
import type { CredentialsSource } from "./secret-source";

/** What the channels need from a function's configuration (the webhook's, the worker's, the desk's). */
export interface ChannelsConfig {
  runtime: Pick<RuntimeSettings, "mode" | "region">;
  tables: { tokens: string };
  credentials: CredentialsLocation;
  ingress: IngressSettings;
  channels: ChannelSettings;
}

/**
 * What the channels' context is made of, built by the function: through the SDK (channels.ts) or, in the
 * webhook, through the signed-fetch client (fetch/). This module names no AWS client.
 */
export interface ChannelSources {
  credentials: CredentialsSource;
  tokens: TokenStore;
  state: ChannelStateStore;
  /**
   * Objects the platform stored for us (SES puts mail over 150 KB in S3): only e-mail's inbound reads
   * any, so the webhook, which serves no e-mail, has none (and bundles no S3 client).
   */
  blobs?: ChannelContext["blobs"];
}

/** A function without an object reader was asked to read a stored object: its wiring is wrong. */
export class NoObjectReaderError extends Error {
  readonly code = "no_object_reader";
  constructor() {
    super("this function reads no stored objects (no S3 client was wired)");
    this.name = "NoObjectReaderError";
  }
}

const noObjectReader: ChannelContext["blobs"] = {
  get: async () => {
    throw new NoObjectReaderError();
  },
};

/**
 * Where the channels' adapters get their credentials and context: the credentials source, access tokens
 * in the token store (one refresh at a time across instances), durable state in the state store.
 */
export function channelContext(config: ChannelsConfig, sources: ChannelSources) {
  const providers = new Map<string, AccessTokenProvider>();
  const context: ContextWithoutApiBase = {
    timestampWindowSeconds: config.ingress.timestampWindowSeconds,
    maxBodyBytes: config.ingress.maxBodyBytes,
    ...(config.ingress.publicUrl ? { publicUrl: config.ingress.publicUrl } : {}),
    local: config.runtime.mode === "local",
    region: config.runtime.region,
    settings: config.channels,
    state: sources.state,
    blobs: sources.blobs ?? noObjectReader,
    tokenProvider(name, fetchToken) {
      let provider = providers.get(name);
      if (!provider) {
        provider = createSharedTokenProvider({ name, fetchToken, store: sources.tokens });
        providers.set(name, provider);
      }
      return provider;
    },
  };
  const getCredentials = (): Promise<RawCredentials> => sources.credentials.get();
  return { getCredentials, context };
}

/** The receiving adapters of the given channels over the given sources, each loaded on first use. */
export function inboundChannelsOf(
  config: ChannelsConfig,
  loaders: readonly ChannelModuleLoader[],
  sources: ChannelSources,
) {
  const { getCredentials, context } = channelContext(config, sources);
  return lazyInboundAdapters(loaders, getCredentials, context);
}
