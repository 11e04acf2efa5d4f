import { CfnOutput, type RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { FAQ_BUCKET, INBOUND_QUEUE } from "../shared/resources";
import { Egress } from "./constructs/egress";
import { Handoff } from "./constructs/handoff";
import { Ingress } from "./constructs/ingress";
import { KnowledgeBase } from "./constructs/knowledge-base";
import { Observability } from "./constructs/observability";
import { Pipeline } from "./constructs/pipeline";
import { Storage } from "./constructs/storage";

export const DEFAULT_EMBEDDING_MODEL_ID = "amazon.titan-embed-text-v2:0";
export const DEFAULT_ANSWER_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";

/**
 * Keys of the ChannelCredentials secret (a JSON object), the same names as the local environment
 * variables read by shared/credentials.ts. More channels add their own keys.
 */
export const CHANNEL_CREDENTIAL_KEYS = [
  "KEFU_WECHAT_TOKEN",
  "KEFU_WECHAT_AES_KEY",
  "KEFU_WECHAT_APP_ID",
  "KEFU_WECHAT_APP_SECRET",
] as const;

export interface KefuStackProps extends StackProps {
  /** Bedrock model for embeddings (FAQ import and retrieval). */
  embeddingModelId?: string;
  /** Bedrock model (or cross-region inference profile) the worker answers with, via Converse. */
  answerModelId?: string;
  /** Send replies from one fixed IP (VPC + NAT gateway + Elastic IP); costs a NAT gateway. Default off. */
  egress?: boolean;
  /**
   * Answer engine of the worker and the embedder of the import: `bedrock` (hybrid retrieval + Converse;
   * the account needs model access to both models) or `local` (the embedded lexical model, no Bedrock).
   */
  engine?: "bedrock" | "local";
  /** E-mail address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** E-mail address subscribed to new-ticket notifications. */
  agentEmail?: string;
  /** Removal policy of tables and buckets; RETAIN unless given (see Storage). */
  dataRemovalPolicy?: RemovalPolicy;
}

/** Kefu in one stack, composed of one construct per feature. */
export class KefuStack extends Stack {
  readonly storage: Storage;
  readonly secret: secretsmanager.Secret;
  readonly pipeline: Pipeline;
  readonly ingress: Ingress;
  readonly knowledgeBase: KnowledgeBase;
  readonly observability: Observability;
  readonly handoff: Handoff;
  readonly egress?: Egress;

  constructor(scope: Construct, id: string, props: KefuStackProps = {}) {
    super(scope, id, props);
    const embeddingModelId = props.embeddingModelId ?? DEFAULT_EMBEDDING_MODEL_ID;
    const answerModelId = props.answerModelId ?? DEFAULT_ANSWER_MODEL_ID;

    this.storage = new Storage(this, "Storage", { dataRemovalPolicy: props.dataRemovalPolicy });

    this.secret = new secretsmanager.Secret(this, "ChannelCredentials", {
      description: `Kefu channel credentials, a JSON object with keys ${CHANNEL_CREDENTIAL_KEYS.join(", ")}`,
      // An empty object, not a random string: until an operator fills it, every channel is simply not
      // served, instead of every request failing to parse the secret. No secret material is in the template.
      secretStringValue: SecretValue.unsafePlainText("{}"),
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The values are issued by the channel platforms (WeChat token, EncodingAESKey, AppSecret) and must " +
        "be changed in their consoles first; AWS-driven rotation cannot change them, so it is done by hand.",
    });

    this.egress = props.egress ? new Egress(this, "Egress") : undefined;
    this.handoff = new Handoff(this, "Handoff", { agentEmail: props.agentEmail });

    const environment: Record<string, string> = {
      KEFU_MODE: "aws",
      POWERTOOLS_SERVICE_NAME: "kefu",
      POWERTOOLS_METRICS_NAMESPACE: "Kefu",
      POWERTOOLS_LOG_LEVEL: "INFO",
      ...this.storage.tableEnvironment(),
      [FAQ_BUCKET.envVar]: this.storage.faqBucket.bucketName,
      KEFU_SECRET_ARN: this.secret.secretArn,
      // Bedrock settings for every function too: any function that loads the Bedrock config validates
      // all of it (an engine of `bedrock` without an answer model fails at cold start).
      KEFU_ENGINE: props.engine ?? "bedrock",
      KEFU_EMBEDDING_MODEL_ID: embeddingModelId,
      KEFU_ANSWER_MODEL_ID: answerModelId,
    };

    this.pipeline = new Pipeline(this, "Pipeline", {
      tables: this.storage.tables,
      secret: this.secret,
      environment,
      embeddingModelId,
      answerModelId,
      agentTopicArn: this.handoff.agentTopic.topicArn,
      egress: this.egress && { vpc: this.egress.vpc, subnets: this.egress.subnets },
    });
    this.handoff.grantNotify(this.pipeline.worker.fn);
    // Every function validates the whole config at cold start, so each gets every name; IAM decides access.
    const withQueue = { ...environment, [INBOUND_QUEUE.envVar]: this.pipeline.queue.queueUrl };

    this.ingress = new Ingress(this, "Ingress", {
      dedupTable: this.storage.tables.dedup,
      queue: this.pipeline.queue,
      secret: this.secret,
      environment: withQueue,
    });

    this.knowledgeBase = new KnowledgeBase(this, "KnowledgeBase", {
      bucket: this.storage.faqBucket,
      faqTable: this.storage.tables.faq,
      environment: withQueue,
      embeddingModelId,
    });

    this.observability = new Observability(this, "Observability", {
      queue: this.pipeline.queue,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      webhook: this.ingress.webhook.fn,
      worker: this.pipeline.worker.fn,
      ingest: this.knowledgeBase.ingest.fn,
      stage: this.ingress.stage,
      alarmEmail: props.alarmEmail,
    });

    new CfnOutput(this, "WebhookBaseUrl", {
      description: "Base URL of the channel webhooks; a channel's URL is <this>/webhooks/<channel>",
      value: this.ingress.baseUrl,
    });
    new CfnOutput(this, "WeChatWebhookUrl", {
      description: "Paste into the WeChat console (Settings → Basic configuration → Server URL)",
      value: `${this.ingress.baseUrl}/webhooks/wechat`,
    });
    new CfnOutput(this, "ChannelCredentialsSecretArn", {
      description: `Fill with: aws secretsmanager put-secret-value --secret-id <this> --secret-string '{...}'`,
      value: this.secret.secretArn,
    });
    new CfnOutput(this, "FaqBucketName", {
      description: `Upload FAQ files under s3://<this>/${FAQ_BUCKET.uploadsPrefix}; reports appear under ${FAQ_BUCKET.reportsPrefix}`,
      value: this.storage.faqBucket.bucketName,
    });
    new CfnOutput(this, "AlarmTopicArn", { value: this.observability.topic.topicArn });
    new CfnOutput(this, "AgentTopicArn", {
      description: "New-ticket notifications for human agents; subscribe e-mail or AWS Chatbot",
      value: this.handoff.agentTopic.topicArn,
    });
    if (this.egress) {
      new CfnOutput(this, "EgressIp", {
        description: "Fixed source IP of replies; register it in the platform's IP allow-list",
        value: this.egress.elasticIp.attrPublicIp,
      });
    }
  }
}
