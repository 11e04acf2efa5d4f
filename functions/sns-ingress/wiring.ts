import type { Logger } from "@aws-lambda-powertools/logger";
import { createInboundChannels, sdkChannelClients } from "../../shared/aws/channels";
import { documentClient, sqsClient } from "../../shared/aws/clients";
import { ingressStore } from "../../shared/aws/ingress";
import { observability } from "../../shared/aws/powertools";
import { s3Client } from "../../shared/aws/s3-blobs";
import { NOTIFICATION_MODULES } from "../../shared/channels/notification-modules";
import type { SnsIngressConfig } from "../../shared/config/load";
import type { SnsIngressDeps } from "./handler";

/**
 * Builds what the SNS ingress uses, once per cold start: the channels' notification adapters (stored
 * mail read from S3, their state in the tokens table) and the queue, as the webhook stores them.
 */
export function wireSnsIngress(config: SnsIngressConfig, options: { logger?: Logger } = {}): SnsIngressDeps {
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const channels = createInboundChannels(
    config,
    sdkChannelClients(config.runtime, doc, s3),
    NOTIFICATION_MODULES,
  );
  return {
    ...observability(config.runtime, options),
    ingress: {
      notificationAdapterFor: (topicArn) => channels.notifications(topicArn),
      ...ingressStore(config, { sqs: sqsClient(config.runtime) }),
    },
  };
}
