import { type CfnResource, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  INBOUND_MAIL_PREFIX,
  SNS_INGRESS_MAX_EVENT_AGE,
  SNS_INGRESS_RETRY_ATTEMPTS,
  SUBSCRIPTION_DLQ_RETENTION_DAYS,
  smsOriginationResources,
} from "../../infra/constructs/channels";
import {
  CHANNEL_CREDENTIAL_KEYS,
  type KefuStackProps,
  TWILIO_CONNECTION_OVERRIDES,
} from "../../infra/kefu-stack";
import { SnsIngressConfigSchema, WebhookConfigSchema } from "../../shared/config/load";
import { WorkerConfigSchema } from "../../shared/config/load-desk";
import { SYNTH_TIMEOUT_MS, synthKefu, testApp } from "./synth";

type Json = Record<string, unknown>;

/** A synthesized stack with helpers to read it (the handlers are not bundled: only the shape matters). */
function synth(props: KefuStackProps = {}) {
  const { stack, template } = synthKefu(props, { bundle: false });
  const logicalId = (c: IConstruct) => stack.getLogicalId(c.node.defaultChild as CfnResource);
  const resources = template.toJSON().Resources as Record<string, Json>;
  const props_ = (c: IConstruct) => resources[logicalId(c)]?.Properties as Json;
  const env = (f: { fn: IConstruct }) => (props_(f.fn).Environment as { Variables: Json }).Variables;
  const statements = (f: { role: IConstruct }): Json[] =>
    Object.values(
      template.findResources("AWS::IAM::Policy", {
        Properties: { Roles: Match.arrayWith([{ Ref: logicalId(f.role) }]) },
      }),
    ).flatMap(
      (p) => ((p as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement,
    );
  /** Resources (as JSON text) the role may call `action` on. */
  const grantsOf = (f: { role: IConstruct }, action: string): string[] =>
    statements(f)
      .filter((s) => [s.Action].flat().includes(action))
      .flatMap((s) => [s.Resource].flat().map((r) => (typeof r === "string" ? r : JSON.stringify(r))));
  return { stack, template, logicalId, props: props_, env, grantsOf, resources };
}
type Synth = ReturnType<typeof synth>;

const topicPolicyOf = (s: Synth, topic: IConstruct) =>
  Object.values(
    s.template.findResources("AWS::SNS::TopicPolicy", {
      Properties: { Topics: [{ Ref: s.logicalId(topic) }] },
    }),
  ).map(
    (p) => ((p as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement,
  )[0];

const apiEndpoint = (s: Synth) => ({ "Fn::GetAtt": [s.logicalId(s.stack.ingress.api), "ApiEndpoint"] });

let plain: Synth;
let full: Synth;
const FULL: KefuStackProps = {
  emailFrom: "support@example.com",
  emailDomain: "example.com",
  emailConfigurationSet: "kefu-replies",
  smsOrigination: "pool-0123456789abcdef",
  smsConfigurationSet: "kefu-sms",
  channelSettings: { KEFU_SMS_MAX_SEGMENTS: "2", KEFU_WECOM_KF_SERVICER_USERID: "zhangsan" },
};
beforeAll(() => {
  plain = synth();
  full = synth(FULL);
}, SYNTH_TIMEOUT_MS);

describe("inbound topics", () => {
  it("let only SES (e-mail) and End User Messaging (SMS) of this account publish, besides TLS-only", () => {
    const cases = [
      [plain.stack.channels.emailTopic, "ses.amazonaws.com"],
      [plain.stack.channels.smsTopic, "sms-voice.amazonaws.com"],
    ] as const;
    for (const [topic, service] of cases) {
      const statements = topicPolicyOf(plain, topic) ?? [];
      const allows = statements.filter((s) => s.Effect === "Allow");
      expect(allows, service).toEqual([
        expect.objectContaining({
          Principal: { Service: service },
          Action: "sns:Publish",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        }),
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });

  it("are encrypted with a rotated customer-managed key that both publishing services may use", () => {
    const key = plain.logicalId(plain.stack.channels.key);
    for (const topic of [plain.stack.channels.emailTopic, plain.stack.channels.smsTopic]) {
      expect(plain.props(topic).KmsMasterKeyId).toEqual({ "Fn::GetAtt": [key, "Arn"] });
    }
    const keyProps = plain.resources[key]?.Properties as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: Json[] };
    };
    expect(keyProps.EnableKeyRotation).toBe(true);
    for (const service of ["ses.amazonaws.com", "sms-voice.amazonaws.com"]) {
      expect(keyProps.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Principal: { Service: service },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          // Confused deputy: the services use the key only on behalf of this account.
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        }),
      );
    }
  });

  it("every KMS key lets AWS services in only on behalf of this account (aws:SourceAccount)", () => {
    for (const s of [plain, full]) {
      const statements = Object.values(s.template.findResources("AWS::KMS::Key")).flatMap(
        (k) => ((k as Json).Properties as { KeyPolicy: { Statement: Json[] } }).KeyPolicy.Statement,
      );
      const forServices = statements.filter((st) => (st.Principal as Json | undefined)?.Service);
      expect(forServices.length).toBeGreaterThanOrEqual(3);
      for (const st of forServices) {
        expect(st.Condition, JSON.stringify(st.Principal)).toMatchObject({
          StringEquals: { "aws:SourceAccount": "123456789012" },
        });
      }
    }
  });

  it("are output for the console settings and the secret; e-mail and SMS have no webhook URL any more", () => {
    const t = plain.template;
    t.hasOutput("EmailTopicArn", { Value: { Ref: plain.logicalId(plain.stack.channels.emailTopic) } });
    t.hasOutput("SmsTopicArn", { Value: { Ref: plain.logicalId(plain.stack.channels.smsTopic) } });
    expect(Object.keys(t.findOutputs("*"))).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^(Email|Sms)WebhookUrl$/)]),
    );
    t.hasOutput("TwilioWebhookUrl", {
      Value: { "Fn::Join": ["", [apiEndpoint(plain), `/webhooks/twilio#${TWILIO_CONNECTION_OVERRIDES}`]] },
    });
    t.hasOutput("ChannelCredentialKeys", {
      Value: Match.stringLikeRegexp("sms: KEFU_SMS_ORIGINATION, KEFU_SMS_TOPIC_ARN"),
    });
  });
});

describe("subscriptions", () => {
  it("are not made before the channel is configured (until then the function could only refuse)", () => {
    plain.template.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  it("invoke the SNS ingress function (protocol lambda), once configured; no HTTPS subscription is left", () => {
    full.template.resourceCountIs("AWS::SNS::Subscription", 2);
    const fn = { "Fn::GetAtt": [full.logicalId(full.stack.channels.snsIngress.fn), "Arn"] };
    for (const topic of [full.stack.channels.emailTopic, full.stack.channels.smsTopic]) {
      full.template.hasResourceProperties("AWS::SNS::Subscription", {
        TopicArn: { Ref: full.logicalId(topic) },
        Protocol: "lambda",
        Endpoint: fn,
      });
    }
    expect(
      Object.values(full.template.findResources("AWS::SNS::Subscription")).map(
        (r) => ((r as Json).Properties as Json).Protocol,
      ),
    ).toEqual(["lambda", "lambda"]);
  });

  it("let SNS invoke the function only on behalf of our two topics (a permission per topic, by SourceArn)", () => {
    const fn = { "Fn::GetAtt": [full.logicalId(full.stack.channels.snsIngress.fn), "Arn"] };
    const permissions = Object.values(
      full.template.findResources("AWS::Lambda::Permission", { Properties: { FunctionName: fn } }),
    ).map((p) => (p as Json).Properties as Json);
    expect(permissions).toEqual(
      expect.arrayContaining(
        [full.stack.channels.emailTopic, full.stack.channels.smsTopic].map((topic) => ({
          Action: "lambda:InvokeFunction",
          FunctionName: fn,
          Principal: "sns.amazonaws.com",
          SourceArn: { Ref: full.logicalId(topic) },
        })),
      ),
    );
    // Nothing else may invoke it: no permission without a SourceArn, none for another principal.
    expect(permissions).toHaveLength(2);
    // And no public route reaches it.
    expect(JSON.stringify(full.template.findResources("AWS::ApiGatewayV2::Integration"))).not.toContain(
      full.logicalId(full.stack.channels.snsIngress.fn),
    );
  });

  it("each have an encrypted, TLS-only dead-letter queue that only their topic may send to, alarmed", () => {
    // The failure queue of the SNS ingress and the inbound queue's two; plus one per subscription.
    plain.template.resourceCountIs("AWS::SQS::Queue", 3);
    full.template.resourceCountIs("AWS::SQS::Queue", 5);
    const alarmTopic = { Ref: full.logicalId(full.stack.observability.topic) };
    const alarms = Object.values(full.template.findResources("AWS::CloudWatch::Alarm")).map(
      (a) => (a as Json).Properties as Json,
    );
    for (const [channel, topic] of [
      ["Email", full.stack.channels.emailTopic],
      ["Sms", full.stack.channels.smsTopic],
    ] as const) {
      const queue = full.stack.channels.deadLetterQueues[channel] as IConstruct;
      const queueId = full.logicalId(queue);
      full.template.hasResourceProperties("AWS::SNS::Subscription", {
        TopicArn: { Ref: full.logicalId(topic) },
        Protocol: "lambda",
        RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [queueId, "Arn"] } },
      });
      expect(full.props(queue)).toEqual({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: SUBSCRIPTION_DLQ_RETENTION_DAYS * 86_400,
      });
      const [policy] = Object.values(
        full.template.findResources("AWS::SQS::QueuePolicy", {
          Properties: { Queues: [{ Ref: queueId }] },
        }),
      ).map((p) => ((p as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument);
      expect(policy?.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
      expect(policy?.Statement.filter((st) => st.Effect === "Allow")).toEqual([
        expect.objectContaining({
          Principal: { Service: "sns.amazonaws.com" },
          Action: "sqs:SendMessage",
          Condition: { ArnEquals: { "aws:SourceArn": { Ref: full.logicalId(topic) } } },
        }),
      ]);
      const alarm = alarms.find(
        (a) =>
          a.MetricName === "ApproximateNumberOfMessagesVisible" &&
          JSON.stringify(a.Dimensions).includes(queueId),
      );
      expect(alarm, channel).toMatchObject({
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [alarmTopic],
      });
    }
  });
});

describe("the SNS ingress function", () => {
  it("is retried twice by Lambda, then its event goes with the error to an encrypted failure queue, alarmed", () => {
    const { snsIngress, snsIngressFailures } = full.stack.channels;
    const queueId = full.logicalId(snsIngressFailures);
    full.template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: full.logicalId(snsIngress.fn) },
      MaximumRetryAttempts: SNS_INGRESS_RETRY_ATTEMPTS,
      MaximumEventAgeInSeconds: SNS_INGRESS_MAX_EVENT_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
    });
    expect(SNS_INGRESS_RETRY_ATTEMPTS).toBe(2);
    expect(full.props(snsIngressFailures)).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: SUBSCRIPTION_DLQ_RETENTION_DAYS * 86_400,
    });
    expect(full.grantsOf(snsIngress, "sqs:SendMessage")).toContain(
      JSON.stringify({ "Fn::GetAtt": [queueId, "Arn"] }),
    );
    const alarms = Object.values(full.template.findResources("AWS::CloudWatch::Alarm")).map(
      (a) => (a as Json).Properties as Json,
    );
    expect(
      alarms.find(
        (a) =>
          a.MetricName === "ApproximateNumberOfMessagesVisible" &&
          JSON.stringify(a.Dimensions).includes(queueId),
      ),
    ).toMatchObject({ Threshold: 1 });
    expect(
      alarms.find(
        (a) =>
          a.MetricName === "Errors" && JSON.stringify(a.Dimensions).includes(full.logicalId(snsIngress.fn)),
      ),
    ).toMatchObject({ Threshold: 1 });
  });

  it("stores as the webhook does: SendMessage on the inbound queue, the secret, no queue bodies in S3", () => {
    const { snsIngress } = full.stack.channels;
    const queue = JSON.stringify({ "Fn::GetAtt": [full.logicalId(full.stack.pipeline.queue), "Arn"] });
    expect(full.grantsOf(snsIngress, "sqs:SendMessage")).toContain(queue);
    expect(full.grantsOf(snsIngress, "secretsmanager:GetSecretValue")).toEqual([
      JSON.stringify({ Ref: full.logicalId(full.stack.secret) }),
    ]);
    expect(full.grantsOf(snsIngress, "s3:PutObject")).toEqual([]);
  });
});

describe("the Twilio webhook URL's connection overrides", () => {
  // Twilio's documented bounds (webhooks-connection-overrides); a value outside them is refused by Twilio.
  const overrides = Object.fromEntries(new URLSearchParams(TWILIO_CONNECTION_OVERRIDES));

  it("turn on retries of timeouts, 5xx and 4xx (API Gateway's 429), within Twilio's limits", () => {
    expect(Object.keys(overrides).sort()).toEqual(["ct", "rc", "rp", "rt", "tt"]);
    expect(overrides.rp?.split(",")).toEqual(["all"]);
    expect(Number(overrides.rc)).toBeGreaterThanOrEqual(3);
    expect(Number(overrides.rc)).toBeLessThanOrEqual(5);
    expect(Number(overrides.ct)).toBeGreaterThanOrEqual(100);
    expect(Number(overrides.ct)).toBeLessThanOrEqual(10_000);
    expect(Number(overrides.rt)).toBeGreaterThanOrEqual(100);
    expect(Number(overrides.tt)).toBeLessThanOrEqual(15_000);
    // At least two attempts that time out fit in the total time.
    expect(2 * (Number(overrides.ct) + Number(overrides.rt))).toBeLessThanOrEqual(Number(overrides.tt));
  });
});

describe("function environment", () => {
  it("tells the webhook its public URL (Twilio signatures) and the SNS ingress the e-mail topic", () => {
    const webhook = plain.env(plain.stack.ingress.webhook);
    expect(webhook.KEFU_PUBLIC_URL).toEqual(apiEndpoint(plain));
    expect(webhook.KEFU_EMAIL_TOPIC_ARNS).toBeUndefined();
    const snsIngress = plain.env(plain.stack.channels.snsIngress);
    expect(snsIngress.KEFU_EMAIL_TOPIC_ARNS).toEqual({
      Ref: plain.logicalId(plain.stack.channels.emailTopic),
    });
    const worker = plain.env(plain.stack.pipeline.worker);
    expect(worker.KEFU_PUBLIC_URL).toBeUndefined();
    expect(worker.KEFU_EMAIL_TOPIC_ARNS).toBeUndefined();
  });

  it("never carries a channel's credential that lives in the secret", () => {
    // The e-mail topic ARN is the one key with a deliberate environment fallback (the channel reads the
    // secret first); everything else a channel module treats as a credential stays out of the environment.
    const allowed = new Set(["KEFU_EMAIL_TOPIC_ARNS", "KEFU_EMAIL_DOMAINS"]);
    const credentialKeys = Object.values(CHANNEL_CREDENTIAL_KEYS).flat();
    for (const f of [
      full.stack.ingress.webhook,
      full.stack.pipeline.worker,
      full.stack.knowledgeBase.ingest,
      full.stack.channels.snsIngress,
    ]) {
      const names = Object.keys(full.env(f)).filter((k) => credentialKeys.includes(k) && !allowed.has(k));
      expect(names).toEqual([]);
    }
  });

  it("passes e-mail, SMS and WeCom KF settings to the functions that read them", () => {
    const webhook = full.env(full.stack.ingress.webhook);
    const snsIngress = full.env(full.stack.channels.snsIngress);
    const worker = full.env(full.stack.pipeline.worker);
    const ingest = full.env(full.stack.knowledgeBase.ingest);
    expect(snsIngress.KEFU_EMAIL_DOMAINS).toBe("example.com");
    expect(worker.KEFU_EMAIL_CONFIGURATION_SET).toBe("kefu-replies");
    for (const env of [webhook, snsIngress, worker]) {
      expect(env).toMatchObject({ KEFU_SMS_MAX_SEGMENTS: "2", KEFU_WECOM_KF_SERVICER_USERID: "zhangsan" });
    }
    expect(ingest.KEFU_SMS_MAX_SEGMENTS).toBeUndefined();
  });

  it("still satisfies ConfigSchema and stays under Lambda's 4 KB environment limit with every option", () => {
    for (const f of [
      full.stack.ingress.webhook,
      full.stack.channels.snsIngress,
      full.stack.pipeline.worker,
    ]) {
      // A reference (token) becomes a long physical name or ARN: count it as 120 characters.
      const resolved = Object.fromEntries(
        Object.entries(full.env(f)).map(([k, v]) => [
          k,
          typeof v === "string" ? v : `https://x/${"n".repeat(110)}`,
        ]),
      );
      const ConfigSchema =
        f === full.stack.ingress.webhook
          ? WebhookConfigSchema
          : f === full.stack.channels.snsIngress
            ? SnsIngressConfigSchema
            : WorkerConfigSchema;
      expect(ConfigSchema.safeParse({ ...resolved, AWS_REGION: "us-west-2" }).error?.issues ?? []).toEqual(
        [],
      );
      const size = Object.entries(resolved).reduce((n, [k, v]) => n + k.length + v.length, 0);
      expect(size).toBeLessThan(4096);
    }
  });
});

describe("send permissions", () => {
  it("are the worker's alone, and only once the channel is configured", () => {
    for (const s of [plain, full]) {
      for (const f of [s.stack.ingress.webhook, s.stack.knowledgeBase.ingest]) {
        expect(s.grantsOf(f, "sms-voice:SendTextMessage")).toEqual([]);
        expect(s.grantsOf(f, "ses:SendEmail")).toEqual([]);
      }
    }
    expect(plain.grantsOf(plain.stack.pipeline.worker, "ses:SendEmail")).toEqual([]);
    expect(plain.grantsOf(plain.stack.pipeline.worker, "sms-voice:SendTextMessage")).toEqual([]);
  });

  it("worker: ses:SendEmail on our address, its domain and the configuration set, nothing wider", () => {
    const grants = full.grantsOf(full.stack.pipeline.worker, "ses:SendEmail").join("\n");
    expect(grants).toContain(":ses:us-west-2:123456789012:identity/support@example.com");
    expect(grants).toContain(":ses:us-west-2:123456789012:identity/example.com");
    expect(grants).toContain(":ses:us-west-2:123456789012:configuration-set/kefu-replies");
    expect(grants).not.toContain("*");
  });

  it("worker: sms-voice:SendTextMessage on the configured pool and configuration set", () => {
    const grants = full.grantsOf(full.stack.pipeline.worker, "sms-voice:SendTextMessage").join("\n");
    expect(grants).toContain(":sms-voice:us-west-2:123456789012:pool/pool-0123456789abcdef");
    expect(grants).toContain(":sms-voice:us-west-2:123456789012:configuration-set/kefu-sms");
    expect(grants).not.toContain("*");
  });
});

describe("smsOriginationResources", () => {
  const stack = new Stack(testApp(), "S", { env: { account: "123456789012", region: "eu-west-1" } });
  const resolve = (r: string[]) => r.map((x) => stack.resolve(x)).map((x) => JSON.stringify(x));

  it("names one resource for an ARN, a pool id or a phone number id", () => {
    const arn = "arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-abc";
    expect(smsOriginationResources(stack, arn)).toEqual({ resources: [arn] });
    for (const [id, type] of [
      ["pool-abc123", "pool"],
      ["phone-0123abcd", "phone-number"],
    ]) {
      const { resources, wildcard } = smsOriginationResources(stack, id as string);
      expect(wildcard).toBeUndefined();
      expect(resolve(resources).join()).toContain(`:sms-voice:eu-west-1:123456789012:${type}/${id}`);
    }
  });

  it("falls back to the identity type with a wildcard for an E.164 number or a sender ID", () => {
    const number = smsOriginationResources(stack, "+8613800138000");
    expect(resolve(number.resources).join()).toContain(":sms-voice:eu-west-1:123456789012:phone-number/*");
    expect(number.wildcard).toBe("arn:<AWS::Partition>:sms-voice:eu-west-1:123456789012:phone-number/*");
    const sender = smsOriginationResources(stack, "KEFU");
    expect(sender.wildcard).toBe("arn:<AWS::Partition>:sms-voice:eu-west-1:123456789012:sender-id/KEFU/*");
  });
});

describe("SES receipt rule set (emailDomain)", () => {
  it("is not created unless asked for: rule sets are account-wide and only one is active", () => {
    plain.template.resourceCountIs("AWS::SES::ReceiptRuleSet", 0);
    plain.template.resourceCountIs("AWS::SES::ReceiptRule", 0);
    expect(plain.stack.channels.inboundMailBucket).toBeUndefined();
  });

  it("stores each mail for the domain in the inbound bucket and notifies the e-mail topic, spam-scanned", () => {
    const ruleSet = full.stack.channels.receiptRuleSet as IConstruct;
    full.template.hasResourceProperties("AWS::SES::ReceiptRuleSet", { RuleSetName: "KefuStack-inbound" });
    full.template.resourceCountIs("AWS::SES::ReceiptRule", 1);
    const [rule] = Object.values(full.template.findResources("AWS::SES::ReceiptRule")) as {
      Properties: Json;
      DependsOn: string[];
    }[];
    expect(rule?.Properties).toEqual({
      RuleSetName: { Ref: full.logicalId(ruleSet) },
      Rule: {
        Enabled: true,
        Recipients: ["example.com"],
        ScanEnabled: true,
        Actions: [
          {
            S3Action: {
              BucketName: { Ref: full.logicalId(full.stack.channels.inboundMailBucket as IConstruct) },
              ObjectKeyPrefix: INBOUND_MAIL_PREFIX,
              TopicArn: { Ref: full.logicalId(full.stack.channels.emailTopic) },
            },
          },
        ],
      },
    });
    // SES test-writes into the bucket when the rule is created: the bucket policy must exist first.
    const bucketPolicy = Object.keys(
      full.template.findResources("AWS::S3::BucketPolicy", {
        Properties: { Bucket: { Ref: full.logicalId(full.stack.channels.inboundMailBucket as IConstruct) } },
      }),
    )[0];
    expect(rule?.DependsOn).toContain(bucketPolicy);
    full.template.hasOutput("EmailReceiptRuleSetName", { Value: { Ref: full.logicalId(ruleSet) } });
  });

  it("keeps mail in a private, TLS-only bucket that expires it and lets only SES of this account write", () => {
    const bucket = full.stack.channels.inboundMailBucket as IConstruct;
    expect(full.props(bucket)).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: full.logicalId(full.stack.storage.accessLogsBucket) },
      },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 30, Status: "Enabled" })]),
      },
    });
    full.template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: full.logicalId(bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "ses.amazonaws.com" },
            Action: "s3:PutObject",
            Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
  });

  it("lets the SNS ingress (only) read mail under the inbound prefix", () => {
    const bucket = full.logicalId(full.stack.channels.inboundMailBucket as IConstruct);
    const reads = full.grantsOf(full.stack.channels.snsIngress, "s3:GetObject");
    expect(reads).toEqual([
      JSON.stringify({ "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, `/${INBOUND_MAIL_PREFIX}*`]] }),
    ]);
    for (const f of [
      full.stack.ingress.webhook,
      full.stack.pipeline.worker,
      full.stack.knowledgeBase.ingest,
    ]) {
      expect(full.grantsOf(f, "s3:GetObject").filter((r) => r.includes(bucket))).toEqual([]);
    }
  });
});

describe("bad channel settings fail the synthesis, naming the setting", () => {
  const cases: [string, KefuStackProps, RegExp][] = [
    ["emailFrom", { emailFrom: "support" }, /emailFrom "support" is not an e-mail address/],
    ["emailDomain", { emailDomain: "http://example.com" }, /emailDomain/],
    ["smsOrigination", { smsOrigination: "+1 555" }, /smsOrigination/],
    ["publicUrl", { publicUrl: "http://kefu.example.com" }, /publicUrl/],
    ["segments", { channelSettings: { KEFU_SMS_MAX_SEGMENTS: "0" } }, /KEFU_SMS_MAX_SEGMENTS/],
    ["keywords", { channelSettings: { KEFU_TWILIO_KEYWORD_REPLIES: "both" } }, /KEFU_TWILIO_KEYWORD_REPLIES/],
    [
      "unknown",
      { channelSettings: { KEFU_TWILIO_AUTH_TOKEN: "x" } as KefuStackProps["channelSettings"] },
      /unknown channel setting KEFU_TWILIO_AUTH_TOKEN/,
    ],
  ];
  it.each(cases)("%s", (_name, props, message) => {
    expect(() => synthKefu(props, { bundle: false })).toThrow(message);
  });
});
