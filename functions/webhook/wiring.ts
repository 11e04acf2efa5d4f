import type { Logger } from "@aws-lambda-powertools/logger";
import { createInboundChannels } from "../../shared/aws/channels";
import { documentClient, secretsClient, sqsClient } from "../../shared/aws/clients";
import { ingressStore } from "../../shared/aws/ingress";
import { observability } from "../../shared/aws/powertools";
import { largestBodyBytes } from "../../shared/channels/resolve";
import { WEBHOOK_MODULES } from "../../shared/channels/webhook-modules";
import type { WebhookConfig } from "../../shared/config/load";
import type { WebhookDeps } from "./handler";

/**
 * Builds what the webhook uses, once per cold start, from its configuration: the HTTPS channels' inbound
 * adapters (with the tokens table for their state and access tokens) and the queue. No engine, no
 * conversation tables, no senders, no S3 (every message goes inline; e-mail, which reads stored mail,
 * arrives through the SNS ingress).
 */
export function wireWebhook(config: WebhookConfig, options: { logger?: Logger } = {}): WebhookDeps {
  const doc = documentClient(config.runtime);
  const channels = createInboundChannels(
    config,
    { doc, secrets: secretsClient(config.runtime) },
    WEBHOOK_MODULES,
  );
  return {
    ...observability(config.runtime, options),
    transportLimitBytes: largestBodyBytes(WEBHOOK_MODULES, config.ingress.maxBodyBytes),
    ingress: {
      adapterFor: (channel) => channels.inbound(channel),
      ...ingressStore(config, { sqs: sqsClient(config.runtime) }),
    },
  };
}
