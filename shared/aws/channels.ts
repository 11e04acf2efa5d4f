import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AccessTokenProvider, OutboundAdapter } from "../channels/ports";
import { channelAdapters, demoCredentials } from "../channels/registry";
import type { ChannelSettings } from "../channels/settings";
import { createSharedTokenProvider } from "../channels/tokens";
import type { CredentialsLocation, IngressSettings, RuntimeSettings } from "../config/fragments";
import type { SendOptions } from "../core/delivery";
import { ChannelApiError } from "../core/errors";
import type { OutboundMessage } from "../core/message";
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

export type ChannelAdapters = ReturnType<typeof channelAdapters>;

/**
 * The channels' adapters as the webhook, the worker and the desk use them: credentials from Secrets
 * Manager in AWS (cached five minutes; the environment over demo credentials locally), access tokens
 * and durable state in the tokens table (one refresh at a time across instances), stored mail from S3.
 */
export function createChannelAdapters(
  config: ChannelsConfig,
  clients: { doc: DynamoDBDocumentClient; s3: S3Client; secrets: SecretsManagerClient },
): ChannelAdapters {
  const local = config.runtime.mode === "local";
  const credentials = credentialsSource(config.credentials, clients.secrets, local ? demoCredentials() : {});
  const tokenStore = createDynamoTokenStore(clients.doc, config.tables.tokens);
  const providers = new Map<string, AccessTokenProvider>();
  return channelAdapters(() => credentials.get(), {
    timestampWindowSeconds: config.ingress.timestampWindowSeconds,
    maxBodyBytes: config.ingress.maxBodyBytes,
    ...(config.ingress.publicUrl ? { publicUrl: config.ingress.publicUrl } : {}),
    local,
    region: config.runtime.region,
    settings: config.channels,
    state: createChannelStateStore(clients.doc, config.tables.tokens),
    blobs: {
      async get(bucket, key) {
        const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
      },
    },
    tokenProvider(name, fetchToken) {
      let provider = providers.get(name);
      if (!provider) {
        provider = createSharedTokenProvider({ name, fetchToken, store: tokenStore });
        providers.set(name, provider);
      }
      return provider;
    },
  });
}

/**
 * The outbound adapter of a message's channel; a channel without credentials here is a refusal retrying
 * cannot fix.
 */
export async function outboundFor(
  adapters: ChannelAdapters,
  message: Pick<OutboundMessage, "channel">,
): Promise<OutboundAdapter> {
  const adapter = await adapters.outbound(message.channel);
  if (!adapter) {
    throw new ChannelApiError(`channel ${message.channel} has no credentials to reply with`, {
      retryable: false,
    });
  }
  return adapter;
}

/**
 * Renders and delivers a message through its channel's sender: the worker's replies and agents' replies
 * go out the same way.
 */
export function channelSender(adapters: ChannelAdapters) {
  return async (message: OutboundMessage, options?: SendOptions): Promise<void> => {
    await (await outboundFor(adapters, message)).send(message, options);
  };
}
