import type { Logger } from "@aws-lambda-powertools/logger";
import { inboundChannelsOf } from "../../shared/aws/channel-context";
import type { AwsJsonClientOptions } from "../../shared/aws/fetch/aws-json";
import { dynamoDbTable } from "../../shared/aws/fetch/dynamodb";
import { fetchCredentialsSource } from "../../shared/aws/fetch/secrets";
import { fetchEnqueue } from "../../shared/aws/fetch/sqs";
import { functionLogger } from "../../shared/aws/logging";
import { EmfMetrics } from "../../shared/aws/metrics-emf";
import { demoCredentialsOf, loadModules } from "../../shared/channels/resolve";
import { WEBHOOK_MODULES } from "../../shared/channels/webhook-modules";
import { awsCredentialsSource } from "../../shared/config/aws-credentials";
import type { WebhookConfig } from "../../shared/config/load";
import { METRICS } from "../../shared/resources";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { createTokenStore } from "../../shared/stores/tokens";
import type { WebhookDeps } from "./handler";

const LOCAL_TIMEOUT_MS = 10_000;

/**
 * Builds what the webhook uses, once per cold start, from its configuration: the HTTPS channels' inbound
 * adapters (with the tokens table for their state and access tokens) and the queue. No engine, no
 * conversation tables, no senders, no S3 (every message goes inline; e-mail, which reads stored mail,
 * arrives through the SNS ingress).
 *
 * Its AWS calls (DynamoDB, SQS, Secrets Manager) go through signed `fetch` (shared/aws/fetch), not the
 * SDK v3, whose clients cost most of a cold start (README, "Benchmarks", issue 10). `fetch` replaces the
 * global one in tests.
 */
export function wireWebhook(
  config: WebhookConfig,
  options: { logger?: Logger; fetch?: typeof fetch } = {},
): WebhookDeps {
  const { runtime } = config;
  const local = runtime.mode === "local";
  const aws = (endpoint: string | undefined): AwsJsonClientOptions => ({
    region: runtime.region,
    ...(endpoint ? { endpoint } : {}),
    // The emulators share a loaded development machine with everything else: an answer after 1.5 s
    // there is slow, not lost.
    ...(local ? { timeoutMs: LOCAL_TIMEOUT_MS } : {}),
    credentials: awsCredentialsSource(runtime),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const tables = dynamoDbTable(aws(runtime.endpoints.dynamodb));
  const channels = inboundChannelsOf(config, WEBHOOK_MODULES, {
    credentials: fetchCredentialsSource(
      config.credentials,
      aws(undefined),
      local ? async () => demoCredentialsOf(await loadModules(WEBHOOK_MODULES)) : {},
    ),
    tokens: createTokenStore(tables, config.tables.tokens),
    state: createChannelStateStore(tables, config.tables.tokens),
  });
  return {
    logger: options.logger ?? functionLogger(runtime),
    // Its few counts as EMF lines of its own, the lines Powertools' Metrics would print: loading that
    // was a tenth of the webhook's cold initialisation (issue 10).
    metrics: new EmfMetrics({
      namespace: METRICS.namespace,
      serviceName: runtime.serviceName,
      disabled: runtime.metricsDisabled,
    }),
    // No webhook channel declares a body limit of its own (registry.test.ts): the configured one is the
    // transport's, known without loading a channel.
    transportLimitBytes: config.ingress.maxBodyBytes,
    ingress: {
      adapterFor: (channel) => channels.inbound(channel),
      enqueue: fetchEnqueue(aws(runtime.endpoints.aws), config.queueUrl),
    },
  };
}
