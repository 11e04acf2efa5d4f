import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { CfnResource } from "aws-cdk-lib";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  S3Event,
  SNSEvent,
} from "aws-lambda";
import { makeHandler as makeIngestHandler } from "../../functions/ingest/handler";
import { wireIngest } from "../../functions/ingest/wiring";
import { makeHandler as makeSnsIngressHandler } from "../../functions/sns-ingress/handler";
import { wireSnsIngress } from "../../functions/sns-ingress/wiring";
import { makeHandler as makeWebhookHandler } from "../../functions/webhook/handler";
import { wireWebhook } from "../../functions/webhook/wiring";
import { makeHandler as makeWorkerHandler } from "../../functions/worker/handler";
import { wireWorker } from "../../functions/worker/wiring";
import type { KefuStackProps } from "../../infra/kefu-stack";
import { provisionResources, s3Client, sqsClient } from "../../local/emulators";
import { lambdaContext, pollOnce, s3Event } from "../../local/event-source";
import type { PlatformRequest } from "../../local/platforms/wechat";
import { createLocalServer } from "../../local/server";
import { dingtalkSimulator } from "../../local/simulator/dingtalk";
import { emailSimulator } from "../../local/simulator/email";
import { Outbox } from "../../local/simulator/outbox";
import { smsSimulator } from "../../local/simulator/sms";
import { twilioSimulator } from "../../local/simulator/twilio";
import { wechatSimulator } from "../../local/simulator/wechat";
import { wecomSimulator } from "../../local/simulator/wecom";
import { wecomKfSimulator } from "../../local/simulator/wecom-kf";
import { localSns } from "../../local/sns";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioModule } from "../../shared/channels/twilio/module";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { wecomModule } from "../../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import { loadIngestConfig, loadSnsIngressConfig, loadWebhookConfig } from "../../shared/config/load";
import { loadWorkerConfig } from "../../shared/config/load-desk";
import { FAQ_BUCKET, TABLES, type TableName } from "../../shared/resources";
import { synthKefu } from "../infra/synth";
import { type EnforcingEndpoint, startEnforcingEndpoint } from "./enforcing-dynamodb";
import { dynamoStatementsOf, type PolicyStatement } from "./iam-policy";
import { testEnv } from "./local-env";

/**
 * Kefu's four functions, each running its real handler (functions/<name>, wired as its Lambda entry wires it)
 * against DynamoDB Local through its own enforcing endpoint, which allows exactly what the synthesised
 * stack grants that function's role. Around them: the channel simulators on a local HTTP server (the
 * webhook route, the local SNS for e-mail and SMS, the platforms' APIs), the run's SQS/S3 emulator with this harness's own queue, bucket
 * and tables, and the worker fed from the queue as the event source mapping feeds it.
 */
export const FUNCTIONS = ["webhook", "worker", "ingest", "sns-ingress"] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

type ApiHandler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type SqsHandler = Parameters<typeof pollOnce>[0]["handler"];
type SnsHandler = (e: SNSEvent, c: Context) => Promise<void>;
type IngestHandler = (
  e: S3Event | { restore: { kb?: string; version?: string } },
  c: Context,
) => Promise<unknown>;

export interface FunctionsUnderGrants {
  /** The local server: `/webhooks/<channel>`, `/sns/publish` and the simulators under `/sim/`. */
  url: string;
  env: Record<string, string>;
  outbox: Outbox;
  endpoints: Record<FunctionName, EnforcingEndpoint>;
  /** Each function's DynamoDB statements, as synthesised. */
  statements: Record<FunctionName, PolicyStatement[]>;
  /** Local (physical) table name → TABLES key. */
  tables: ReadonlyMap<string, TableName>;
  post(request: PlatformRequest): Promise<Response>;
  /** Runs the worker on the queue until it is empty; returns the ids of records it reported as failed. */
  drainQueue(): Promise<string[]>;
  /** Uploads a file under uploads/ and invokes ingest with its S3 event, as the bucket notification does. */
  upload(name: string, body: string | Uint8Array): Promise<unknown>;
  invokeIngest(event: Parameters<IngestHandler>[0]): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startFunctionsUnderGrants(
  name: string,
  stackProps: KefuStackProps,
): Promise<FunctionsUnderGrants> {
  const run = testEnv();
  const dynamoEndpoint = run.KEFU_DYNAMODB_ENDPOINT ?? "";
  const awsEndpoint = run.KEFU_AWS_ENDPOINT ?? "";
  const env = await provisionResources({ dynamoEndpoint, awsEndpoint }, `grants-${name}-${process.pid}`);
  const tables = new Map((Object.keys(TABLES) as TableName[]).map((t) => [env[TABLES[t].envVar] ?? "", t]));

  // The grants, read from the template the way IAM will see them.
  const { stack, template } = synthKefu(stackProps, { bundle: false });
  const logicalId = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnResource);
  const tableIds = new Map(
    (Object.keys(TABLES) as TableName[]).map((t) => [logicalId(stack.storage.tables[t]), t as string]),
  );
  const roles: Record<FunctionName, string> = {
    webhook: logicalId(stack.ingress.webhook.role),
    worker: logicalId(stack.pipeline.worker.role),
    ingest: logicalId(stack.knowledgeBase.ingest.role),
    "sns-ingress": logicalId(stack.channels.snsIngress.role),
  };
  const resources = template.toJSON() as { Resources: Record<string, Record<string, unknown>> };
  const statements = Object.fromEntries(
    FUNCTIONS.map((fn) => [fn, dynamoStatementsOf(resources, roles[fn], tableIds)]),
  ) as Record<FunctionName, PolicyStatement[]>;

  const endpoints = {} as Record<FunctionName, EnforcingEndpoint>;
  for (const fn of FUNCTIONS) {
    endpoints[fn] = await startEnforcingEndpoint({
      functionName: fn,
      target: dynamoEndpoint,
      statements: statements[fn],
      tables,
    });
  }

  let webhook: ApiHandler = async () => ({ statusCode: 503, body: "starting" });
  let snsIngress: SnsHandler = async () => {
    throw new Error("starting");
  };
  const outbox = new Outbox();
  const raw = { ...demoCredentials() };
  // One attempt: a failure is the test's to see, not to retry.
  const sns = localSns({
    topics: () => [raw.KEFU_EMAIL_TOPIC_ARNS ?? "", raw.KEFU_SMS_TOPIC_ARN ?? ""],
    retries: 0,
    invoke: (event) => snsIngress(event, lambdaContext("sns-ingress")),
  });
  const server = createLocalServer({
    webhook: (event, context) => webhook(event, context),
    simulators: [
      wechatSimulator(credentialsFor(wechatModule, raw) as WeChatCredentials, outbox),
      wecomSimulator(credentialsFor(wecomModule, raw) as WeComCredentials, outbox),
      wecomKfSimulator(credentialsFor(wecomKfModule, raw) as WeComKfCredentials, outbox),
      dingtalkSimulator(credentialsFor(dingtalkModule, raw) as DingTalkCredentials, outbox),
      emailSimulator(outbox),
      smsSimulator(outbox),
      twilioSimulator(credentialsFor(twilioModule, raw) as TwilioCredentials, outbox),
    ],
    dev: async () => undefined,
    // SNS answers a publish at once; here the invocation's failure shows as a 500, for the test.
    sns: async (body) => {
      const { messageId, error } = await sns.publish(JSON.parse(body));
      return { status: error ? 500 : 200, body: { MessageId: messageId } };
    },
    readiness: () => ({ ready: true, stage: "ready" }),
    index: () => ({}),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  Object.assign(env, {
    KEFU_PUBLIC_URL: url,
    KEFU_WECHAT_API_BASE: `${url}/sim/wechat`,
    KEFU_DINGTALK_API_BASE: `${url}/sim/dingtalk`,
    KEFU_WECOM_API_BASE: `${url}/sim/wecom`,
    KEFU_WECOM_KF_API_BASE: `${url}/sim/wecom-kf`,
    KEFU_EMAIL_API_BASE: `${url}/sim/email`,
    KEFU_SMS_API_BASE: `${url}/sim/sms`,
    KEFU_TWILIO_API_BASE: `${url}/sim/twilio`,
    KEFU_KB_REFRESH_MS: "200",
    // Kefu, not the platform, answers STOP/START/HELP: the keyword paths run too.
    KEFU_SMS_KEYWORD_REPLIES: "kefu",
    KEFU_TWILIO_KEYWORD_REPLIES: "kefu",
    POWERTOOLS_LOG_LEVEL: "WARN",
  });
  // Switches the libraries read from the process themselves (not Kefu's configuration).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  process.env.POWERTOOLS_METRICS_DISABLED = "true";
  // Each function is built as its Lambda entry builds it, from its own configuration: the only setting
  // in which the three functions' environments differ here is their DynamoDB endpoint.
  const configured = (fn: FunctionName) => ({ ...env, KEFU_DYNAMODB_ENDPOINT: endpoints[fn].url });
  webhook = makeWebhookHandler(
    wireWebhook(loadWebhookConfig(configured("webhook"))),
  ) as unknown as ApiHandler;
  const worker = makeWorkerHandler(
    wireWorker(loadWorkerConfig(configured("worker"))),
  ) as unknown as SqsHandler;
  snsIngress = makeSnsIngressHandler(
    wireSnsIngress(loadSnsIngressConfig(configured("sns-ingress"))),
  ) as unknown as SnsHandler;
  const ingest = makeIngestHandler(
    wireIngest(loadIngestConfig(configured("ingest"))),
  ) as unknown as IngestHandler;

  const sqs = sqsClient(awsEndpoint);
  const s3 = s3Client(awsEndpoint);
  const bucket = env[FAQ_BUCKET.envVar] ?? "";
  const invokeIngest = (event: Parameters<IngestHandler>[0]) =>
    ingest(event, lambdaContext("ingest", 900_000));

  return {
    url,
    env,
    outbox,
    endpoints,
    statements,
    tables,
    post: (request) =>
      fetch(`${url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      }),
    async drainQueue() {
      const failed: string[] = [];
      const handler: SqsHandler = async (event, context) => {
        const response = await worker(event, context);
        failed.push(...(response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        return response;
      };
      // A failed record comes back after a second; five receives move it to the dead-letter queue.
      while (
        (await pollOnce({
          sqs,
          queueUrl: env.KEFU_QUEUE_URL ?? "",
          batchSize: 5,
          handler,
          retryDelaySeconds: 1,
          onError: (error) => failed.push(`handler threw: ${(error as Error).message}`),
        })) > 0
      );
      return failed;
    },
    async upload(name, body) {
      const key = `${FAQ_BUCKET.uploadsPrefix}${name}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return invokeIngest(s3Event(bucket, key));
    },
    invokeIngest,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const fn of FUNCTIONS) await endpoints[fn].close();
      sqs.destroy();
      s3.destroy();
    },
  };
}

export const readExampleFaq = () => readFile(new URL("../../local/seed/faq.example.jsonl", import.meta.url));
