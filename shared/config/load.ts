import { channelFragments } from "./channels";
import { engine } from "./engine";
import { configSchema, readConfig } from "./errors";
import { faqBucket, queueUrl, runtime, tables } from "./fragments";
import { CDK_ENV, type EnvRecord } from "./names";

/**
 * Each function's configuration, composed of the fragments it uses, validated at cold start: a missing
 * or malformed variable stops the function there, with every problem named. With load-desk.ts and
 * aws-credentials.ts, the only code of shared/, functions/ and infra/ that reads process.env (biome.json
 * says so); everything else is given a configuration object (the local stack and the tests build theirs
 * from a record of their own). The functions that apply the desk's rules (worker, desk API, SLA clock)
 * load theirs in load-desk.ts, so that the webhook's bundle carries none of the desk's schemas.
 */

const WEBHOOK = {
  runtime,
  tables: tables("tokens"),
  queueUrl,
  ...channelFragments,
};
export type WebhookConfig = ReturnType<typeof loadWebhookConfig>;
/** The webhook's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const WebhookConfigSchema = configSchema(WEBHOOK);

/** The webhook: verify, normalise, enqueue. No engine, no conversation tables. */
export function loadWebhookConfig(env: EnvRecord = process.env) {
  return readConfig(WEBHOOK, env);
}

/**
 * The SNS ingress (e-mail and SMS through their topics' Lambda subscriptions): what the webhook reads,
 * for the same path after the adapter (mask, enqueue).
 */
const SNS_INGRESS = WEBHOOK;
export type SnsIngressConfig = ReturnType<typeof loadSnsIngressConfig>;
/** The SNS ingress's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const SnsIngressConfigSchema = configSchema(SNS_INGRESS);

/** The SNS ingress: parse e-mail and SMS notifications, enqueue. */
export function loadSnsIngressConfig(env: EnvRecord = process.env) {
  return readConfig(SNS_INGRESS, env);
}

const INGEST = { runtime, tables: tables("faq"), faqBucket, engine };
export type IngestConfig = ReturnType<typeof loadIngestConfig>;
/** The ingest's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const IngestConfigSchema = configSchema(INGEST);

/** FAQ imports: the FAQ table, the bucket and the embedder. No channels. */
export function loadIngestConfig(env: EnvRecord = process.env) {
  return readConfig(INGEST, env);
}

/** The account and region the CDK CLI deploys to (infra/app.ts): unset when synthesising offline. */
export function loadDeployTarget(env: EnvRecord = process.env): { account?: string; region?: string } {
  return { account: env[CDK_ENV.account], region: env[CDK_ENV.region] };
}
