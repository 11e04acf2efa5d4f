import { Logger } from "@aws-lambda-powertools/logger";
import type { LogItemExtraInput, LogItemMessage } from "@aws-lambda-powertools/logger/types";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { documentClient, s3Client, secretsClient } from "./aws/clients";
import { credentialsSource } from "./aws/credentials";
import type { AccessTokenProvider } from "./channels/ports";
import { channelAdapters, demoCredentials } from "./channels/registry";
import { createSharedTokenProvider } from "./channels/tokens";
import { type Config, loadConfig } from "./config";
import type { SendOptions } from "./core/delivery";
import { ChannelApiError } from "./core/errors";
import type { OutboundMessage } from "./core/message";
import { createChannelStateStore } from "./stores/channel-state";
import { createDynamoTokenStore } from "./stores/tokens";

/**
 * What every function makes once per cold start: validated config, Powertools logger and metrics, the
 * DynamoDB document client, and the channel adapters with their credentials (Secrets Manager in AWS,
 * cached five minutes; environment over demo defaults locally) and shared access tokens.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  doc: ReturnType<typeof documentClient>;
  channels: ReturnType<typeof channelAdapters>;
}

export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadConfig(env);
  const doc = documentClient(config);
  const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient(config) });
  const credentials = credentialsSource(
    config,
    async (arn) => (await secrets.get(arn, { maxAge: 300 })) as string | undefined,
    demoCredentials(),
    env,
  );
  const tokenStore = createDynamoTokenStore(doc, config.KEFU_TOKENS_TABLE);
  const providers = new Map<string, AccessTokenProvider>();
  const s3 = s3Client(config);
  const channels = channelAdapters(() => credentials.get(), {
    timestampWindowSeconds: config.KEFU_TIMESTAMP_WINDOW_SECONDS,
    maxBodyBytes: config.KEFU_MAX_BODY_BYTES,
    ...(env.KEFU_PUBLIC_URL ? { publicUrl: env.KEFU_PUBLIC_URL } : {}),
    local: config.KEFU_MODE === "local",
    env,
    state: createChannelStateStore(doc, config.KEFU_TOKENS_TABLE),
    blobs: {
      async get(bucket, key) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
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
  return {
    config,
    logger:
      config.KEFU_MODE === "local"
        ? new FollowedLogger({ serviceName: config.POWERTOOLS_SERVICE_NAME })
        : new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME }),
    metrics: new Metrics({ namespace: "Kefu", serviceName: config.POWERTOOLS_SERVICE_NAME }),
    doc,
    channels,
  };
}

/** One record a function logs, as the local stack follows it: codes and ids, never message text. */
export interface FollowedLogRecord {
  level: "info" | "warn" | "error";
  message: string;
  attributes: Record<string, unknown>;
}

const localLogFollowers = new Set<(record: FollowedLogRecord) => void>();

/**
 * Local mode only: `follower` sees every info, warning and error the functions log, whatever the log
 * level, so that the local stack can tell what became of each message (the worker's "message processed"
 * outcome) without printing it. Returns the function that stops following.
 */
export function followLocalLogs(follower: (record: FollowedLogRecord) => void): () => void {
  localLogFollowers.add(follower);
  return () => localLogFollowers.delete(follower);
}

/** The Powertools logger, telling the local followers each record first. */
class FollowedLogger extends Logger {
  override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    tell("info", input, extra);
    super.info(input, ...extra);
  }
  override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    tell("warn", input, extra);
    super.warn(input, ...extra);
  }
  override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    tell("error", input, extra);
    super.error(input, ...extra);
  }
}

function tell(level: FollowedLogRecord["level"], input: LogItemMessage, extra: LogItemExtraInput): void {
  if (localLogFollowers.size === 0) return;
  const { message, ...fromInput } = typeof input === "string" ? { message: input } : input;
  const attributes: Record<string, unknown> = { ...fromInput };
  for (const item of extra) {
    if (item instanceof Error) attributes.error = item;
    else if (typeof item === "object") Object.assign(attributes, item);
  }
  for (const follower of localLogFollowers) {
    try {
      follower({ level, message: String(message), attributes });
    } catch {
      // A follower's bug must not break the function that logs.
    }
  }
}

/**
 * Renders and delivers a message through its channel's sender: the worker's replies and agents' replies
 * go out the same way. A channel without credentials here is a refusal retrying cannot fix.
 */
export function channelSender(runtime: Pick<Runtime, "channels">) {
  return async (message: OutboundMessage, options?: SendOptions): Promise<void> => {
    const adapter = await runtime.channels.outbound(message.channel);
    if (!adapter) {
      throw new ChannelApiError(`channel ${message.channel} has no credentials to reply with`, {
        retryable: false,
      });
    }
    await adapter.send(message, options);
  };
}
