import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { CHANNEL_SETTINGS, KefuStack } from "./kefu-stack";

/**
 * `npx cdk synth` / `npx cdk deploy`. Options come from CDK context (cdk.json or `-c key=value`):
 * embeddingModelId, answerModelId, engine (bedrock|local), egress (true/false), alarmEmail, agentEmail,
 * publicUrl, emailFrom, emailDomain, emailConfigurationSet, smsOrigination, smsConfigurationSet, and the
 * channel settings by their environment names (e.g. `-c KEFU_SMS_MAX_SEGMENTS=2`, see CHANNEL_SETTINGS).
 */
const app = new App();

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === "" ? undefined : String(value);
};

new KefuStack(app, "KefuStack", {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: "Kefu: serverless omnichannel customer-service bot",
  embeddingModelId: context("embeddingModelId"),
  answerModelId: context("answerModelId"),
  egress: context("egress") === "true",
  engine: context("engine") === "local" ? "local" : "bedrock",
  alarmEmail: context("alarmEmail"),
  agentEmail: context("agentEmail"),
  publicUrl: context("publicUrl"),
  emailFrom: context("emailFrom"),
  emailDomain: context("emailDomain"),
  emailConfigurationSet: context("emailConfigurationSet"),
  smsOrigination: context("smsOrigination"),
  smsConfigurationSet: context("smsConfigurationSet"),
  channelSettings: Object.fromEntries(CHANNEL_SETTINGS.map((name) => [name, context(name)])),
});

// cdk-nag v3 is a policy-validation plugin: any unacknowledged AwsSolutions finding, error or warning,
// fails `cdk synth`. Acknowledgements live next to the resource they concern, each with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
