import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { ChannelContext } from "../channels/ports";
import { type ChannelModules, demoCredentialsOf, inboundAdapters } from "../channels/resolve";
import { createChannelStateStore } from "../stores/channel-state";
import { sdkDocumentTable } from "../stores/sdk-table";
import { createTokenStore } from "../stores/tokens";
import { type ChannelsConfig, channelContext } from "./channel-context";
import { type Endpoints, secretsClient } from "./clients";
import { credentialsSource } from "./credentials";
import { s3ObjectReader } from "./s3-blobs";

export type { ChannelsConfig } from "./channel-context";

/** The AWS side of the channels: the tables' client, the secret's, and a reader of stored objects. */
export interface ChannelClients {
  doc: DynamoDBDocumentClient;
  secrets: SecretsManagerClient;
  /** Objects the platform stored for us (ChannelSources): the SNS ingress's S3 reader. */
  blobs?: ChannelContext["blobs"];
}

/** The channels' clients of a function that has the tables' client and S3: the secret's, and stored objects from S3. */
export function sdkChannelClients(
  runtime: Endpoints,
  doc: DynamoDBDocumentClient,
  s3: S3Client,
): ChannelClients {
  return { doc, secrets: secretsClient(runtime), blobs: s3ObjectReader(s3) };
}

/**
 * Where the channels' adapters get their credentials and context (channel-context.ts), with the SDK:
 * credentials from Secrets Manager in AWS (cached five minutes; the environment over demo credentials
 * locally), access tokens and durable state in the tokens table through the document client.
 */
export function channelSources(config: ChannelsConfig, clients: ChannelClients, modules: ChannelModules) {
  const local = config.runtime.mode === "local";
  const table = sdkDocumentTable(clients.doc);
  return channelContext(config, {
    credentials: credentialsSource(
      config.credentials,
      clients.secrets,
      local ? demoCredentialsOf(modules) : {},
    ),
    tokens: createTokenStore(table, config.tables.tokens),
    state: createChannelStateStore(table, config.tables.tokens),
    ...(clients.blobs ? { blobs: clients.blobs } : {}),
  });
}

/**
 * The receiving adapters of the given channels over the SDK clients: the SNS ingress passes e-mail and
 * SMS (NOTIFICATION_MODULES). The webhook, which has no SDK client, loads its HTTPS channels on first use
 * (channel-context.ts, WEBHOOK_MODULES).
 */
export function createInboundChannels(
  config: ChannelsConfig,
  clients: ChannelClients,
  modules: ChannelModules,
) {
  const { getCredentials, context } = channelSources(config, clients, modules);
  return inboundAdapters(modules, getCredentials, context);
}
