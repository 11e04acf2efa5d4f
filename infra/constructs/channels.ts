import { Duration, RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import * as s3 from "aws-cdk-lib/aws-s3";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as actions from "aws-cdk-lib/aws-ses-actions";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { CHANNEL_ENV } from "../../shared/config/names";
import type { TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";
import { grantTableAccess, TABLE_ACCESS } from "./table-access";

/** Where SES puts received mail (S3 action) in the inbound-mail bucket. */
export const INBOUND_MAIL_PREFIX = "inbound/";
/** Received mail is kept this long: long enough to replay a failed delivery, no longer. */
export const INBOUND_MAIL_RETENTION_DAYS = 30;
/**
 * Notifications SNS could not deliver to the SNS ingress, and those the function failed on every
 * attempt, wait this long (SQS's maximum) for an operator.
 */
export const SUBSCRIPTION_DLQ_RETENTION_DAYS = 14;
/**
 * Lambda's asynchronous retries of a failed SNS ingress invocation (its maximum, about 1 and 2 minutes
 * after the failure), and how long an event may wait for them before it goes to the failure queue.
 */
export const SNS_INGRESS_RETRY_ATTEMPTS = 2;
export const SNS_INGRESS_MAX_EVENT_AGE = Duration.hours(6);

export interface ChannelsProps {
  worker: KefuFunction;
  /** What the SNS ingress uses, as the webhook: the tokens table (SMS state), the inbound queue. */
  tables: Record<TableName, dynamodb.ITable>;
  queueArn: string;
  secret: secretsmanager.ISecret;
  /** The SNS ingress's environment (queue, tables, secret, channel settings). */
  environment: Record<string, string>;
  egress?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection };
  accessLogsBucket: s3.IBucket;
  dataRemovalPolicy?: RemovalPolicy;
  /**
   * Our address, a verified SES identity (the same as KEFU_EMAIL_FROM in the secret). When set, the
   * topic is subscribed to the SNS ingress and the worker may send from this address (or its domain).
   */
  emailFrom?: string;
  /** Receive mail for this domain: a receipt rule set (to be activated by hand) and an S3 bucket. */
  emailDomain?: string;
  /** SES configuration set the worker sends with (KEFU_EMAIL_CONFIGURATION_SET). */
  emailConfigurationSet?: string;
  /**
   * The origination identity (KEFU_SMS_ORIGINATION in the secret): an E.164 number, phone number or pool
   * id, or their ARN. When set, the topic is subscribed to the SNS ingress and the worker may send from it.
   */
  smsOrigination?: string;
  /** End User Messaging configuration set (KEFU_SMS_CONFIGURATION_SET in the secret). */
  smsConfigurationSet?: string;
}

/**
 * The AWS side of the e-mail and SMS channels. SES (e-mail) and End User Messaging (two-way SMS) publish
 * what customers send to an SNS topic each; SNS invokes the SNS ingress function (a Lambda
 * subscription: no public endpoint, no certificate to fetch, no signature to check; only these topics
 * may invoke it). Both topics exist from the first deploy, so their ARNs can go into the console
 * settings and the secret; a topic is subscribed once its channel is configured (`emailFrom`,
 * `smsOrigination`), until then the function would only refuse what it cannot answer.
 *
 * What can fail, and where it waits for an operator:
 * - SNS cannot invoke the function (throttled past SNS's retries for Lambda, which go on for days; the
 *   permission or the function gone): the notification goes to the subscription's dead-letter queue;
 * - the function fails (the queue or DynamoDB unavailable, a Message it cannot parse): Lambda retries the
 *   event twice, then puts it with the error in the function's failure queue (on-failure destination).
 * Each queue has an alarm; a notification stored before a retry is enqueued again under the same
 * deduplication id, which the inbound queue drops (the worker answers a later one `duplicate`).
 */
export class Channels extends Construct {
  /** Encrypts both topics; a customer-managed key because the publishing services must be let in. */
  readonly key: kms.Key;
  readonly emailTopic: sns.Topic;
  readonly smsTopic: sns.Topic;
  /** Receives both topics' notifications: parse → mask → enqueue, as the webhook does. */
  readonly snsIngress: KefuFunction;
  /** The SNS ingress's on-failure destination: events it failed after Lambda's retries, with the error. */
  readonly snsIngressFailures: sqs.Queue;
  readonly emailSubscription?: sns.Subscription;
  readonly smsSubscription?: sns.Subscription;
  /**
   * Where SNS puts what it could not hand to the SNS ingress, by channel: one queue per subscription, so
   * nothing is dropped and each channel is alarmed apart.
   */
  readonly deadLetterQueues: Record<string, sqs.Queue> = {};
  readonly inboundMailBucket?: s3.Bucket;
  readonly receiptRuleSet?: ses.ReceiptRuleSet;

  constructor(scope: Construct, id: string, props: ChannelsProps) {
    super(scope, id);

    this.key = new kms.Key(this, "InboundTopicKey", {
      description: "Kefu inbound channel topics (SES e-mail, End User Messaging SMS)",
      enableKeyRotation: true,
    });

    this.emailTopic = this.inboundTopic("EmailTopic", "Kefu inbound e-mail (SES)", "ses.amazonaws.com");
    this.smsTopic = this.inboundTopic(
      "SmsTopic",
      "Kefu inbound SMS (End User Messaging)",
      "sms-voice.amazonaws.com",
    );

    this.snsIngressFailures = this.deadLetterQueue(
      "SnsIngressFailureQueue",
      "the SNS ingress function's on-failure destination (Lambda asynchronous invocation)",
    );
    this.snsIngress = this.ingressFunction(props);

    // ---- e-mail ----
    // The function tells the e-mail topic from the SMS one by these ARNs.
    this.snsIngress.fn.addEnvironment(CHANNEL_ENV.emailTopicArns, this.emailTopic.topicArn);
    if (props.emailDomain) {
      this.inboundMailBucket = this.inboundMail(props);
      this.receiptRuleSet = this.receiveMail(props.emailDomain, this.inboundMailBucket);
      this.snsIngress.fn.addEnvironment(CHANNEL_ENV.emailDomains, props.emailDomain);
    }
    if (props.emailFrom) {
      this.emailSubscription = this.subscribe("Email", this.emailTopic);
      this.allowSendEmail(props.worker, props.emailFrom, props.emailConfigurationSet);
    }
    if (props.emailConfigurationSet) {
      props.worker.fn.addEnvironment(CHANNEL_ENV.emailConfigurationSet, props.emailConfigurationSet);
    }

    // ---- SMS ----
    // KEFU_SMS_TOPIC_ARN is read from the secret only (with the rest of the channel's keys), so it is an
    // output to copy there, not an environment variable.
    if (props.smsOrigination) {
      this.smsSubscription = this.subscribe("Sms", this.smsTopic);
      // Only the worker sends, keyword answers (HELP, MORE, STOP confirmations) included: the SNS ingress
      // only parses and enqueues.
      this.allowSendText(props.worker, props.smsOrigination, props.smsConfigurationSet);
    }
  }

  /**
   * The SNS ingress: the webhook's grants for storing (the tokens table as TABLE_ACCESS says,
   * SendMessage on the inbound queue, the secret), invoked asynchronously by SNS with Lambda's retries
   * and an on-failure destination.
   */
  private ingressFunction(props: ChannelsProps): KefuFunction {
    const fn = new KefuFunction(this, "SnsIngress", {
      entry: "sns-ingress",
      description: "Kefu SNS ingress: e-mail (SES) and SMS (End User Messaging) notifications to the queue",
      memorySize: 512,
      // Parsing a 10 MB mail from S3 takes seconds, not minutes; a stuck call must not hold a retry back.
      timeout: Duration.seconds(30),
      environment: props.environment,
      egress: props.egress,
    });
    grantTableAccess(fn, props.tables, TABLE_ACCESS["sns-ingress"]);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [props.queueArn] }),
    );
    fn.allowSecretRead(props.secret);
    fn.fn.configureAsyncInvoke({
      retryAttempts: SNS_INGRESS_RETRY_ATTEMPTS,
      maxEventAge: SNS_INGRESS_MAX_EVENT_AGE,
      onFailure: new SqsDestination(this.snsIngressFailures),
    });
    return fn;
  }

  /**
   * An encrypted (SSE-SQS), TLS-only queue that keeps what could not be delivered for 14 days. SSE-SQS,
   * not the topic's key: SNS and Lambda write to a queue under SQS-managed encryption without a key grant.
   */
  private deadLetterQueue(id: string, what: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(SUBSCRIPTION_DLQ_RETENTION_DAYS),
    });
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        `This queue is itself a dead-letter queue: ${what}, which cdk-nag does not recognise as one (it ` +
        "only follows SQS redrive policies).",
    });
    return queue;
  }

  /**
   * An encrypted, TLS-only topic the given AWS service may publish to, from this account only. The key
   * must let the service encrypt (SNS calls KMS on the publisher's behalf); the AWS-managed SNS key
   * cannot be opened to a service.
   */
  private inboundTopic(id: string, displayName: string, service: string): sns.Topic {
    const principal = new iam.ServicePrincipal(service);
    // Confused deputy: the service acts here only for this account's receipt rules and phone numbers,
    // on the key as on the topic. No aws:SourceArn: it is the receipt rule of whichever rule set the
    // operator uses (ours or their own) or the phone number or pool that received the SMS, neither
    // known at synthesis. Nor the kms:EncryptionContext:aws:sns:topicArn condition, which would make the
    // key policy refer to the topic encrypted with that key: a dependency cycle.
    const thisAccount = { StringEquals: { "aws:SourceAccount": Stack.of(this).account } };
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [principal],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: thisAccount,
      }),
    );
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [principal],
        actions: ["sns:Publish"],
        resources: [topic.topicArn],
        conditions: thisAccount,
      }),
    );
    return topic;
  }

  /**
   * Subscribes the SNS ingress to the topic. LambdaSubscription adds the function's resource policy:
   * sns.amazonaws.com may invoke it with aws:SourceArn = this topic only. SNS retries a Lambda it cannot
   * invoke for days; what it still cannot deliver goes to this subscription's dead-letter queue (CDK adds
   * the queue policy letting this topic, and nothing else, send to it).
   */
  private subscribe(channel: string, topic: sns.Topic): sns.Subscription {
    const deadLetterQueue = this.deadLetterQueue(
      `${topic.node.id}SubscriptionDeadLetterQueue`,
      "the redrive target of an SNS subscription",
    );
    this.deadLetterQueues[channel] = deadLetterQueue;
    return topic.addSubscription(
      new subscriptions.LambdaSubscription(this.snsIngress.fn, { deadLetterQueue }),
    ) as sns.Subscription;
  }

  /**
   * An opt-in receipt rule set for `domain` (receipt rule sets are per account and region, and only one
   * is active, so it is created inactive and activated by hand). Its one rule stores each mail in a
   * private bucket and notifies the topic with the object's key (the S3 action). Not an SNS action:
   * SES bounces mail over 150 KB that an SNS action would carry, and a rule cannot choose by size, so a
   * rule with both actions would bounce large mail or deliver small mail twice.
   */
  private receiveMail(domain: string, bucket: s3.IBucket): ses.ReceiptRuleSet {
    const ruleSet = new ses.ReceiptRuleSet(this, "ReceiptRuleSet", {
      receiptRuleSetName: `${Stack.of(this).stackName}-inbound`,
    });
    // The S3 action adds the bucket policy (ses.amazonaws.com may PutObject under the prefix, for this
    // account only) and makes the rule wait for it: SES test-writes when the rule is created.
    ruleSet.addRule("Support", {
      recipients: [domain],
      // Spam and virus verdicts: the channel never answers mail that fails them.
      scanEnabled: true,
      actions: [new actions.S3({ bucket, objectKeyPrefix: INBOUND_MAIL_PREFIX, topic: this.emailTopic })],
    });
    return ruleSet;
  }

  /** Private, TLS-only, expiring; the SNS ingress may read what SES stored, nothing else. */
  private inboundMail(props: ChannelsProps): s3.Bucket {
    const bucket = new s3.Bucket(this, "InboundMailBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: "inbound-mail/",
      lifecycleRules: [
        { id: "expire-mail", expiration: Duration.days(INBOUND_MAIL_RETENTION_DAYS) },
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Customer mail: kept on `cdk destroy` unless the stack's data policy says otherwise.
      removalPolicy: props.dataRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.snsIngress.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [bucket.arnForObjects(`${INBOUND_MAIL_PREFIX}*`)],
      }),
    );
    const bucketArn = `<${Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>`;
    Validations.of(this.snsIngress.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucketArn}/${INBOUND_MAIL_PREFIX}*]`,
      reason:
        "SES names each stored mail by its own message id; the SNS ingress reads the one a notification names, " +
        "only under the inbound prefix of the inbound-mail bucket.",
    });
    return bucket;
  }

  /**
   * SESv2 SendEmail (one action for simple, raw and templated mail) from our address: authorised on the
   * identity SES sends as, the address itself or its verified domain, and on the configuration set.
   */
  private allowSendEmail(worker: KefuFunction, from: string, configurationSet?: string): void {
    const stack = Stack.of(this);
    const identity = (name: string) =>
      stack.formatArn({ service: "ses", resource: "identity", resourceName: name });
    const domain = from.split("@")[1] ?? from;
    const resources = [identity(from), identity(domain)];
    if (configurationSet) {
      resources.push(
        stack.formatArn({ service: "ses", resource: "configuration-set", resourceName: configurationSet }),
      );
    }
    worker.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["ses:SendEmail"], resources }));
  }

  private allowSendText(sender: KefuFunction, origination: string, configurationSet?: string): void {
    const stack = Stack.of(this);
    const { resources, wildcard } = smsOriginationResources(stack, origination);
    if (configurationSet) {
      resources.push(
        stack.formatArn({
          service: "sms-voice",
          resource: "configuration-set",
          resourceName: configurationSet,
        }),
      );
    }
    sender.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["sms-voice:SendTextMessage"], resources }),
    );
    if (wildcard) {
      Validations.of(sender.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${wildcard}]`,
        reason:
          "Replies go from the number the customer wrote to, given as a phone number (E.164) or sender ID, " +
          "whose resource id cannot be derived from it at synthesis; the grant is limited to the one " +
          "action and this account's origination identities of that type. Configure a pool or phone " +
          "number id (smsOrigination) to narrow it to one resource.",
      });
    }
  }
}

/**
 * The End User Messaging resources SendTextMessage is authorised on for an origination identity. An ARN,
 * a pool id (`pool-…`) or a phone number id (`phone-…`) names one resource; an E.164 number or a sender
 * ID does not (the ARN holds an id we cannot know), so those get their resource type with a wildcard,
 * reported as `wildcard` in cdk-nag's notation.
 */
export function smsOriginationResources(
  stack: Stack,
  origination: string,
): { resources: string[]; wildcard?: string } {
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: "sms-voice", resource, resourceName });
  // How cdk-nag prints the ARN: intrinsic values as `<AWS::…>`.
  const region = Token.isUnresolved(stack.region) ? "<AWS::Region>" : stack.region;
  const account = Token.isUnresolved(stack.account) ? "<AWS::AccountId>" : stack.account;
  const nagArn = (resource: string, resourceName: string) =>
    `arn:<AWS::Partition>:sms-voice:${region}:${account}:${resource}/${resourceName}`;
  if (origination.startsWith("arn:")) return { resources: [origination] };
  if (/^pool-[\w-]+$/.test(origination)) return { resources: [arn("pool", origination)] };
  if (/^phone-[\w-]+$/.test(origination)) return { resources: [arn("phone-number", origination)] };
  if (/^\+\d{4,15}$/.test(origination)) {
    return { resources: [arn("phone-number", "*")], wildcard: nagArn("phone-number", "*") };
  }
  return {
    resources: [arn("sender-id", `${origination}/*`)],
    wildcard: nagArn("sender-id", `${origination}/*`),
  };
}
