import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AccessTokenProvider, ChannelContext } from "../channels/ports";
import {
  type ChannelModules,
  type ContextWithoutApiBase,
  demoCredentialsOf,
  inboundAdapters,
} from "../channels/resolve";
import type { ChannelSettings } from "../channels/settings";
import { createSharedTokenProvider } from "../channels/tokens";
import type { CredentialsLocation, IngressSettings, RuntimeSettings } from "../config/fragments";
import { createChannelStateStore } from "../stores/channel-state";
import { createDynamoTokenStore } from "../stores/tokens";
import { credentialsSource } from "./credentials";

/** What the channels need from a function's configuration (the webhook's, the worker's, the desk's). */
export interface ChannelsConfig {
  runtime: Pick<RuntimeSettings, "mode" | "region">;
  tables: { tokens: string };
  credentials: CredentialsLocation;
  ingress: IngressSettings;
  channels: ChannelSettings;
}

/** The AWS side of the channels: the tables' client, the secret's, and a reader of stored objects. */
export interface ChannelClients {
  doc: DynamoDBDocumentClient;
  secrets: SecretsManagerClient;
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
 * Where the channels' adapters get their credentials and context: credentials from Secrets Manager in
 * AWS (cached five minutes; the environment over demo credentials locally), access tokens and durable
 * state in the tokens table (one refresh at a time across instances).
 */
export function channelSources(config: ChannelsConfig, clients: ChannelClients, modules: ChannelModules) {
  const local = config.runtime.mode === "local";
  const demo = local ? demoCredentialsOf(modules) : {};
  const credentials = credentialsSource(config.credentials, clients.secrets, demo);
  const tokenStore = createDynamoTokenStore(clients.doc, config.tables.tokens);
  const providers = new Map<string, AccessTokenProvider>();
  const context: ContextWithoutApiBase = {
    timestampWindowSeconds: config.ingress.timestampWindowSeconds,
    maxBodyBytes: config.ingress.maxBodyBytes,
    ...(config.ingress.publicUrl ? { publicUrl: config.ingress.publicUrl } : {}),
    local,
    region: config.runtime.region,
    settings: config.channels,
    state: createChannelStateStore(clients.doc, config.tables.tokens),
    blobs: clients.blobs ?? noObjectReader,
    tokenProvider(name, fetchToken) {
      let provider = providers.get(name);
      if (!provider) {
        provider = createSharedTokenProvider({ name, fetchToken, store: tokenStore });
        providers.set(name, provider);
      }
      return provider;
    },
  };
  return { getCredentials: () => credentials.get(), context };
}

/**
 * The receiving adapters of the given channels: the webhook passes its HTTPS channels
 * (WEBHOOK_MODULES), the SNS ingress e-mail and SMS (NOTIFICATION_MODULES).
 */
export function createInboundChannels(
  config: ChannelsConfig,
  clients: ChannelClients,
  modules: ChannelModules,
) {
  const { getCredentials, context } = channelSources(config, clients, modules);
  return inboundAdapters(modules, getCredentials, context);
}
