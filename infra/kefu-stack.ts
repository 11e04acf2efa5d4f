import { CfnOutput, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { EmailCredentialsSchema } from "../shared/channels/email/credentials";
import { CHANNEL_MODULES, credentialKeys } from "../shared/channels/registry";
import { SmsCredentialsSchema } from "../shared/channels/sms/credentials";
import { channelSettingsFromEnv } from "../shared/config/channels";
import { alertSettings, deskRules } from "../shared/config/desk";
import { readFragment } from "../shared/config/errors";
import { CHANNEL_ENV, type DESK_ENV, ENV, REVIEW_ENV } from "../shared/config/names";
import { FAQ_BUCKET, METRICS } from "../shared/resources";
import { Analytics } from "./constructs/analytics";
import { Channels, INBOUND_MAIL_RETENTION_DAYS } from "./constructs/channels";
import { Dashboard } from "./constructs/dashboard";
import { Desk } from "./constructs/desk";
import { Egress } from "./constructs/egress";
import { Handoff } from "./constructs/handoff";
import { Ingress } from "./constructs/ingress";
import { QualityInspection } from "./constructs/inspection";
import { SOURCE_MAPS_CONTEXT } from "./constructs/kefu-function";
import { KnowledgeBase } from "./constructs/knowledge-base";
import { Observability } from "./constructs/observability";
import { Pipeline } from "./constructs/pipeline";
import { SlaClock } from "./constructs/sla-clock";
import { Storage } from "./constructs/storage";

export const DEFAULT_EMBEDDING_MODEL_ID = "amazon.titan-embed-text-v2:0";
export const DEFAULT_ANSWER_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";

/**
 * Keys of the ChannelCredentials secret (a JSON object) by channel: the names each channel module reads
 * (its demo credentials have every key), the same as the local environment variables. Derived, so a new
 * channel documents itself.
 */
export const CHANNEL_CREDENTIAL_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  CHANNEL_MODULES.map((m) => [m.channel, credentialKeys(m)]),
);

/** What the secret is, for its description and the stack's outputs. */
export function credentialKeysText(): string {
  return Object.entries(CHANNEL_CREDENTIAL_KEYS)
    .map(([channel, keys]) => `${channel}: ${keys.join(", ")}`)
    .join("; ");
}

/**
 * Non-secret channel settings the functions read from their environment (not from the secret), passed
 * through from props / context of the same name. Validated at synthesis by the code that reads them.
 */
export const CHANNEL_SETTINGS = [
  CHANNEL_ENV.smsMaxSegments,
  CHANNEL_ENV.smsMoreUrl,
  CHANNEL_ENV.smsKeywordReplies,
  CHANNEL_ENV.twilioKeywordReplies,
  // Read from the environment only: not among the channel's credential keys, so never picked from the secret.
  CHANNEL_ENV.wecomKfServicerUserId,
] as const;
export type ChannelSetting = (typeof CHANNEL_SETTINGS)[number];

export interface KefuStackProps extends StackProps {
  /**
   * Ship each function's source map and run it with `--enable-source-maps` (stack traces in the logs point
   * at the TypeScript). Default off: the map is larger than the bundle, and Node parses it at every cold
   * start when source maps are enabled.
   */
  sourceMaps?: boolean;
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
  /**
   * QA review of resolved, human-handled tickets (KEFU_QA_REVIEW): `off` (default), `bedrock` (graded
   * by the answer model; the SLA clock is granted bedrock:InvokeModel on it) or `heuristic` (word
   * markers and counts, no model).
   */
  qaReview?: "off" | "bedrock" | "heuristic";
  /** E-mail address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** E-mail address subscribed to new-ticket notifications. */
  agentEmail?: string;
  /** Removal policy of tables and buckets; RETAIN unless given (see Storage). */
  dataRemovalPolicy?: RemovalPolicy;
  /**
   * The scheme and host platforms call when a custom domain fronts the API (e.g. `https://kefu.example.com`).
   * Default: the HTTP API's endpoint. Twilio signs this URL.
   */
  publicUrl?: string;
  /**
   * Our e-mail address, a verified SES identity; the same value as KEFU_EMAIL_FROM in the secret. Turns on
   * the SNS → SNS ingress subscription and the worker's ses:SendEmail on this identity (and its domain).
   */
  emailFrom?: string;
  /** Receive mail for this domain: creates an (inactive) SES receipt rule set and an inbound-mail bucket. */
  emailDomain?: string;
  /** SES configuration set for replies (KEFU_EMAIL_CONFIGURATION_SET). */
  emailConfigurationSet?: string;
  /**
   * The SMS origination identity; the same value as KEFU_SMS_ORIGINATION in the secret. Turns on the
   * SNS → SNS ingress subscription and the worker's sms-voice:SendTextMessage on it.
   */
  smsOrigination?: string;
  /** End User Messaging configuration set; the same value as KEFU_SMS_CONFIGURATION_SET in the secret. */
  smsConfigurationSet?: string;
  /** Non-secret channel settings for the webhook and the worker (see CHANNEL_SETTINGS). */
  channelSettings?: Partial<Record<ChannelSetting, string>>;
  /** The built agents' desk (desk/dist); infra/app.ts passes it, template tests deploy a placeholder. */
  deskAssetsDir?: string;
  /**
   * The desk's rules and alert settings for the worker and the SLA clock (KEFU_ROUTING_RULES,
   * KEFU_SLA_POLICIES, KEFU_REOPEN_WINDOW_HOURS, KEFU_CSAT_WINDOW_HOURS, KEFU_CSAT_TEXTS, KEFU_DESK_URL),
   * refused at synthesis when the functions would refuse them.
   */
  deskSettings?: Partial<Record<(typeof DESK_ENV)[keyof typeof DESK_ENV], string>>;
}

/**
 * Twilio's connection overrides, a URL fragment Twilio reads and strips (it is neither sent nor signed;
 * see twilio.com/docs/usage/webhooks/webhooks-connection-overrides). Without them Twilio retries only a
 * failed connection, once: a 503 (the queue briefly unavailable) or API Gateway's 429 under a burst
 * would lose the message. With them:
 * - `rp=all`: retry on connection and read timeouts, 5xx and 4xx (for 429; a signature or format
 *   refusal fails the same way each time, a few cheap requests within the window);
 * - `rc=5`: Twilio's maximum number of retries; `tt=15000`: all attempts within Twilio's maximum of 15 s;
 * - `ct=2000`, `rt=5000`: give up on one attempt early enough to leave time for the others (a warm
 *   webhook answers in well under a second, a cold start in a few); a retry of an attempt that did get
 *   through is enqueued under the same deduplication id, which the queue drops.
 */
export const TWILIO_CONNECTION_OVERRIDES = "rc=5&rp=all&ct=2000&rt=5000&tt=15000";

/** Kefu in one stack, composed of one construct per feature. */
export class KefuStack extends Stack {
  readonly storage: Storage;
  readonly secret: secretsmanager.Secret;
  readonly pipeline: Pipeline;
  readonly ingress: Ingress;
  readonly knowledgeBase: KnowledgeBase;
  /** Quality-inspection rule sets: their import, the readers, the default rules deployed. */
  readonly inspection: QualityInspection;
  readonly observability: Observability;
  /** The CloudWatch dashboard: latency, errors, queues, outcomes, hand-offs and containment. */
  readonly dashboard: Dashboard;
  readonly handoff: Handoff;
  readonly slaClock: SlaClock;
  readonly channels: Channels;
  readonly egress?: Egress;
  readonly desk: Desk;
  readonly analytics: Analytics;

  constructor(scope: Construct, id: string, props: KefuStackProps = {}) {
    super(scope, id, props);
    // Read by every KefuFunction below (context is inherited), so it need not be passed through each construct.
    if (props.sourceMaps) this.node.setContext(SOURCE_MAPS_CONTEXT, true);
    const embeddingModelId = props.embeddingModelId ?? DEFAULT_EMBEDDING_MODEL_ID;
    const answerModelId = props.answerModelId ?? DEFAULT_ANSWER_MODEL_ID;
    const settings = { ...channelSettings(props.channelSettings), ...deskSettings(props.deskSettings) };
    checkChannelProps(props);

    this.storage = new Storage(this, "Storage", { dataRemovalPolicy: props.dataRemovalPolicy });

    this.secret = new secretsmanager.Secret(this, "ChannelCredentials", {
      description:
        "Kefu channel credentials, one JSON object; a channel is served once its keys are set. " +
        credentialKeysText(),
      // An empty object, not a random string: until an operator fills it, every channel is simply not
      // served, instead of every request failing to parse the secret. No secret material is in the template.
      secretStringValue: SecretValue.unsafePlainText("{}"),
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The values are issued by the channel platforms (WeChat/WeCom/DingTalk tokens, EncodingAESKeys and " +
        "secrets, Twilio's auth token) and must be changed in their consoles first; AWS-driven rotation " +
        "cannot change them, so it is done by hand.",
    });

    this.egress = props.egress ? new Egress(this, "Egress") : undefined;
    this.handoff = new Handoff(this, "Handoff", { agentEmail: props.agentEmail });

    const environment: Record<string, string> = {
      [ENV.mode]: "aws",
      [ENV.serviceName]: METRICS.serviceName,
      [ENV.metricsNamespace]: METRICS.namespace,
      [ENV.logLevel]: "INFO",
      ...this.storage.tableEnvironment(),
      [ENV.faqBucket]: this.storage.faqBucket.bucketName,
      [ENV.secretArn]: this.secret.secretArn,
      // Bedrock settings for every function too: any function that loads the Bedrock config validates
      // all of it (an engine of `bedrock` without an answer model fails at cold start).
      [ENV.engine]: props.engine ?? "bedrock",
      [ENV.embeddingModelId]: embeddingModelId,
      [ENV.answerModelId]: answerModelId,
      // The SLA clock grades with it; the desk API says on the QA queue page whether reviews are on.
      [REVIEW_ENV.grader]: props.qaReview ?? "off",
    };

    this.pipeline = new Pipeline(this, "Pipeline", {
      tables: this.storage.tables,
      secret: this.secret,
      environment: { ...environment, ...settings },
      embeddingModelId,
      answerModelId,
      agentTopicArn: this.handoff.agentTopic.topicArn,
      egress: this.egress && { vpc: this.egress.vpc, subnets: this.egress.subnets },
    });
    this.handoff.grantNotify(this.pipeline.worker.fn);
    // Every function validates the whole config at cold start, so each gets every name; IAM decides access.
    const withQueue = { ...environment, [ENV.queueUrl]: this.pipeline.queue.queueUrl };

    this.ingress = new Ingress(this, "Ingress", {
      tables: this.storage.tables,
      queue: this.pipeline.queue,
      secret: this.secret,
      environment: { ...withQueue, ...settings },
      publicUrl: props.publicUrl,
      egress: this.egress && { vpc: this.egress.vpc, subnets: this.egress.subnets },
    });

    // Bodies an earlier webhook stored in S3 may still be in flight after an upgrade; none are written now.
    this.storage.grantQueueBodyReads(this.pipeline.worker);

    this.analytics = new Analytics(this, "Analytics", {
      eventsBucket: this.storage.faqBucket,
      accessLogsBucket: this.storage.accessLogsBucket,
      removalPolicy: props.dataRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.analytics.grantWriteEvents(this.pipeline.worker, this.storage.faqBucket);

    this.channels = new Channels(this, "Channels", {
      worker: this.pipeline.worker,
      tables: this.storage.tables,
      queueArn: this.pipeline.queue.queueArn,
      secret: this.secret,
      environment: { ...withQueue, ...settings },
      egress: this.egress && { vpc: this.egress.vpc, subnets: this.egress.subnets },
      accessLogsBucket: this.storage.accessLogsBucket,
      dataRemovalPolicy: props.dataRemovalPolicy,
      emailFrom: props.emailFrom,
      emailDomain: props.emailDomain,
      emailConfigurationSet: props.emailConfigurationSet,
      smsOrigination: props.smsOrigination,
      smsConfigurationSet: props.smsConfigurationSet,
    });

    this.slaClock = new SlaClock(this, "SlaClock", {
      tables: this.storage.tables,
      secret: this.secret,
      environment: { ...withQueue, ...settings },
      agentTopicArn: this.handoff.agentTopic.topicArn,
      ...(props.qaReview === "bedrock" ? { reviewModelId: answerModelId } : {}),
    });
    this.handoff.grantNotify(this.slaClock.fn.fn);

    this.knowledgeBase = new KnowledgeBase(this, "KnowledgeBase", {
      bucket: this.storage.faqBucket,
      tables: this.storage.tables,
      environment: withQueue,
      embeddingModelId,
    });

    this.desk = new Desk(this, "Desk", {
      ...(props.engine === "local" ? {} : { answerModelId, embeddingModelId }),
      api: this.ingress.api,
      tables: this.storage.tables,
      faqBucket: this.storage.faqBucket,
      accessLogsBucket: this.storage.accessLogsBucket,
      secret: this.secret,
      environment: { ...withQueue, ...settings },
      assetsDir: props.deskAssetsDir,
      dataRemovalPolicy: props.dataRemovalPolicy,
    });

    this.inspection = new QualityInspection(this, "QualityInspection", {
      bucket: this.storage.faqBucket,
      ingest: this.knowledgeBase.ingest,
      readers: [this.pipeline.worker, this.desk.fn],
    });
    // The functions that record analytics events (the bot's turns, agents' replies and resolves, breaches).
    this.analytics.grantWriteEvents(this.desk.fn, this.storage.faqBucket);
    this.analytics.grantWriteEvents(this.slaClock.fn, this.storage.faqBucket);

    this.observability = new Observability(this, "Observability", {
      queue: this.pipeline.queue,
      deadLetterQueue: this.pipeline.deadLetterQueue,
      webhook: this.ingress.webhook.fn,
      worker: this.pipeline.worker.fn,
      ingest: this.knowledgeBase.ingest.fn,
      stage: this.ingress.stage,
      alarmEmail: props.alarmEmail,
      inboundTopics: { Email: this.channels.emailTopic, Sms: this.channels.smsTopic },
      subscriptionDeadLetterQueues: this.channels.deadLetterQueues,
      snsIngress: { fn: this.channels.snsIngress.fn, failureQueue: this.channels.snsIngressFailures },
    });

    this.dashboard = new Dashboard(this, "Dashboard", {
      webhook: this.ingress.webhook.fn,
      worker: this.pipeline.worker.fn,
      snsIngress: this.channels.snsIngress.fn,
      queue: this.pipeline.queue,
      deadLetterQueues: {
        inbound: this.pipeline.deadLetterQueue,
        "sns-ingress failures": this.channels.snsIngressFailures,
        ...Object.fromEntries(
          Object.entries(this.channels.deadLetterQueues).map(([channel, queue]) => [
            `${channel} subscription`,
            queue,
          ]),
        ),
      },
    });

    new CfnOutput(this, "AnalyticsWorkGroup", {
      description: "npm run report -- --athena-workgroup <this> --athena-database <AnalyticsDatabase>",
      value: this.analytics.workgroup.ref,
    });
    new CfnOutput(this, "AnalyticsDatabase", { value: this.analytics.databaseName });
    new CfnOutput(this, "WebhookBaseUrl", {
      description: "Base URL of the channel webhooks; a channel's URL is <this>/webhooks/<channel>",
      value: this.ingress.baseUrl,
    });
    new CfnOutput(this, "WeChatWebhookUrl", {
      description: "Paste into the WeChat console (Settings → Basic configuration → Server URL)",
      value: this.ingress.webhookUrl("wechat"),
    });
    new CfnOutput(this, "ChannelCredentialsSecretArn", {
      description: `Fill with: aws secretsmanager put-secret-value --secret-id <this> --secret-string '{...}'`,
      value: this.secret.secretArn,
    });
    new CfnOutput(this, "ChannelCredentialKeys", {
      description:
        "Keys of the ChannelCredentials secret, by channel (set all of a channel's keys to turn it on)",
      value: credentialKeysText(),
    });
    new CfnOutput(this, "EmailTopicArn", {
      description: emailTopicHelp(props),
      value: this.channels.emailTopic.topicArn,
    });
    new CfnOutput(this, "SmsTopicArn", {
      description:
        "Put into the secret as KEFU_SMS_TOPIC_ARN, and choose it as the two-way SMS destination of the " +
        "phone number in End User Messaging (Use Amazon SNS topic policies)",
      value: this.channels.smsTopic.topicArn,
    });
    new CfnOutput(this, "TwilioWebhookUrl", {
      description:
        'Twilio console → phone number → Messaging → "A message comes in" (HTTP POST); paste it whole: ' +
        "the part after # makes Twilio retry a failed delivery",
      value: `${this.ingress.webhookUrl("twilio")}#${TWILIO_CONNECTION_OVERRIDES}`,
    });
    if (this.channels.receiptRuleSet) {
      new CfnOutput(this, "EmailReceiptRuleSetName", {
        description: "Activate once: aws ses set-active-receipt-rule-set --rule-set-name <this>",
        value: this.channels.receiptRuleSet.receiptRuleSetName,
      });
    }
    if (this.channels.inboundMailBucket) {
      new CfnOutput(this, "InboundMailBucketName", {
        description: `Received mail (SES S3 action), kept ${INBOUND_MAIL_RETENTION_DAYS} days`,
        value: this.channels.inboundMailBucket.bucketName,
      });
    }
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

function emailTopicHelp(props: KefuStackProps): string {
  return props.emailDomain
    ? "SES publishes received mail here through the receipt rule set EmailReceiptRuleSetName (S3 action)"
    : "Choose as the SNS topic of your SES receipt rule (SNS action, Base64 encoding; mail up to 150 KB)";
}

/**
 * The channel settings as environment variables, refused at synthesis when the functions would refuse them
 * at run time (same validation code); unknown names cannot be given (the type says which).
 */
function channelSettings(given: Partial<Record<ChannelSetting, string>> = {}): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(given).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  );
  for (const name of Object.keys(env)) {
    if (!(CHANNEL_SETTINGS as readonly string[]).includes(name)) {
      throw new Error(`unknown channel setting ${name}; known: ${CHANNEL_SETTINGS.join(", ")}`);
    }
  }
  channelSettingsFromEnv(env);
  return env;
}

/** Values that must match what the channel code accepts are checked with its own schemas, at synthesis. */
function checkChannelProps(props: KefuStackProps): void {
  const problems: string[] = [];
  const check = (name: string, value: string | undefined, ok: (v: string) => boolean, what: string) => {
    if (value !== undefined && !ok(value)) problems.push(`${name} ${JSON.stringify(value)} ${what}`);
  };
  check(
    "emailFrom",
    props.emailFrom,
    (v) => EmailCredentialsSchema.shape.KEFU_EMAIL_FROM.safeParse(v).success,
    "is not an e-mail address",
  );
  check("emailDomain", props.emailDomain, (v) => DOMAIN.test(v), "is not a domain name");
  check(
    "smsOrigination",
    props.smsOrigination,
    (v) => SmsCredentialsSchema.shape.KEFU_SMS_ORIGINATION.safeParse(v).success && !/\s/.test(v),
    "is not an origination identity",
  );
  check(
    "publicUrl",
    props.publicUrl,
    (v) => /^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(v),
    "must be an https:// URL without query",
  );
  if (problems.length > 0) throw new Error(`invalid channel settings: ${problems.join("; ")}`);
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** The desk's settings as environment variables, validated as the functions will read them. */
function deskSettings(given: KefuStackProps["deskSettings"] = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(given).filter((e): e is [string, string] => !!e[1]));
  readFragment(deskRules, env);
  readFragment(alertSettings, env);
  return env;
}
