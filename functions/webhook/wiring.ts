import type { Logger } from "@aws-lambda-powertools/logger";
import { createInboundChannels } from "../../shared/aws/channels";
import { documentClient, secretsClient, sqsClient } from "../../shared/aws/clients";
import { ingressStore } from "../../shared/aws/ingress";
import { observability } from "../../shared/aws/powertools";
import { s3Client, s3ObjectReader } from "../../shared/aws/s3-blobs";
import { largestBodyBytes } from "../../shared/channels/registry";
import type { WebhookConfig } from "../../shared/config/load";
import type { WebhookDeps } from "./handler";

/**
 * Builds what the webhook uses, once per cold start, from its configuration: the channels' inbound
 * adapters, the dedup table and the queue (bodies too large go to S3 by reference). No engine, no
 * conversation tables, no senders.
 */
export function wireWebhook(config: WebhookConfig, options: { logger?: Logger } = {}): WebhookDeps {
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const channels = createInboundChannels(config, {
    doc,
    secrets: secretsClient(config.runtime),
    blobs: s3ObjectReader(s3),
  });
  return {
    ...observability(config.runtime, options),
    transportLimitBytes: largestBodyBytes(config.ingress.maxBodyBytes),
    ingress: {
      adapterFor: (channel) => channels.inbound(channel),
      ...ingressStore(config, { doc, s3, sqs: sqsClient(config.runtime) }),
    },
  };
}
