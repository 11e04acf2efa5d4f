import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AccessTokenProvider, ChannelContext } from "../channels/ports";
import { type ContextWithoutApiBase, demoCredentials, inboundAdapters } from "../channels/registry";
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
  /** Objects the platform stored for us (SES puts mail over 150 KB in S3): only e-mail's inbound reads any. */
  blobs: ChannelContext["blobs"];
}

/**
 * Where the channels' adapters get their credentials and context: credentials from Secrets Manager in
 * AWS (cached five minutes; the environment over demo credentials locally), access tokens and durable
 * state in the tokens table (one refresh at a time across instances).
 */
export function channelSources(config: ChannelsConfig, clients: ChannelClients) {
  const local = config.runtime.mode === "local";
  const credentials = credentialsSource(config.credentials, clients.secrets, local ? demoCredentials() : {});
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
    blobs: clients.blobs,
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

/** The channels' receiving adapters, as the webhook uses them. */
export function createInboundChannels(config: ChannelsConfig, clients: ChannelClients) {
  const { getCredentials, context } = channelSources(config, clients);
  return inboundAdapters(getCredentials, context);
}
