import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { join, resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { makeHandler as makeDeskApiHandler } from "../functions/desk-api/handler";
import { wireDeskApi } from "../functions/desk-api/wiring";
import { makeHandler as makeIngestHandler } from "../functions/ingest/handler";
import { wireIngest } from "../functions/ingest/wiring";
import { makeHandler as makeSlaHandler } from "../functions/sla/handler";
import { wireSla } from "../functions/sla/wiring";
import { makeHandler as makeSnsIngressHandler } from "../functions/sns-ingress/handler";
import { wireSnsIngress } from "../functions/sns-ingress/wiring";
import { makeHandler as makeWebhookHandler } from "../functions/webhook/handler";
import { wireWebhook } from "../functions/webhook/wiring";
import { makeHandler as makeWorkerHandler } from "../functions/worker/handler";
import { wireWorker } from "../functions/worker/wiring";
import { s3UploadSigner } from "../shared/aws/s3-blobs";
import type { DingTalkCredentials } from "../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../shared/channels/dingtalk/module";
import { emailModule } from "../shared/channels/email/module";
import { credentialsFor, demoCredentials } from "../shared/channels/registry";
import type { SmsCredentials } from "../shared/channels/sms/credentials";
import { smsModule } from "../shared/channels/sms/module";
import type { TwilioCredentials } from "../shared/channels/twilio/credentials";
import { twilioModule } from "../shared/channels/twilio/module";
import { WEBHOOK_MODULES } from "../shared/channels/webhook-modules";
import type { WeChatCredentials } from "../shared/channels/wechat/credentials";
import { wechatModule } from "../shared/channels/wechat/module";
import type { WeComCredentials } from "../shared/channels/wecom/credentials";
import { wecomModule } from "../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../shared/channels/wecom-kf/module";
import { loadIngestConfig, loadSnsIngressConfig, loadWebhookConfig } from "../shared/config/load";
import {
  loadDeskApiConfig,
  loadDeskConfig,
  loadSlaConfig,
  loadWorkerConfig,
} from "../shared/config/load-desk";
import {
  API_BASE_ENV,
  CHANNEL_ENV,
  DESK_AUTH_ENV,
  DESK_ENV,
  ENV,
  type EnvRecord,
  LOCAL_ENV,
  REVIEW_ENV,
} from "../shared/config/names";
import { KefuError, MalformedRequestError } from "../shared/core/errors";
import { CHANNELS } from "../shared/core/message";
import { RULES_KEYS, type RulesReport } from "../shared/kb/inspection-rules";
import { FAQ_BUCKET, INBOUND_QUEUE } from "../shared/resources";
import { type BucketUploads, bucketUploads, ownOrigins, presignedByDesk } from "./bucket-uploads";
import { DEFAULT_DEMO_PASSWORD, type LocalCognito, startLocalCognito } from "./cognito";
import { type DeskServing, deskServing, ensureDeskBuilt } from "./desk";
import { devRoutes, type InboxEntry, inboxEntry } from "./dev-routes";
import { provisionResources, type RunningEmulators, s3Client, sqsClient, startEmulators } from "./emulators";
import { deskDemoPasswordSetting, quietLibraries, shellEnv } from "./env";
import { lambdaContext, type RunningEventSource, s3Event, startEventSource } from "./event-source";
import { FollowedLogger, type FollowedLogRecord } from "./logs";
import { type createLocalServer, type LocalServerOptions, localRequestListener } from "./server";
import { alertsSimulator, DEMO_ALERT_SECRETS, type RecordedAlert } from "./simulator/alerts";
import { dingtalkSimulator } from "./simulator/dingtalk";
import { emailSimulator } from "./simulator/email";
import { Outbox } from "./simulator/outbox";
import { smsSimulator } from "./simulator/sms";
import { twilioSimulator } from "./simulator/twilio";
import { wechatSimulator } from "./simulator/wechat";
import { wecomSimulator } from "./simulator/wecom";
import { wecomKfSimulator } from "./simulator/wecom-kf";
import { localSns, type SnsPublish } from "./sns";
import { liveStacks, removeStackRecord, STATE_DIR, saveStackRecord } from "./state";
import { MessageTracker } from "./trace";
import { startWorkerThread } from "./worker-thread";

// The state files moved to ./state; faq:import and faq:restore read the env file from here.
export { killLeftovers, LOCAL_ENV_FILE, STATE_DIR } from "./state";

/**
 * The whole of Kefu on one machine: emulators, the same handlers AWS runs (built from configuration
 * objects, as their Lambda entries build them from the environment), the worker fed by an SQS
 * event-source loop, S3 upload notifications for FAQ imports, channel simulators and /dev endpoints.
 * Used by `npm start` (local/start.ts) and by the end-to-end tests.
 */

export const EXAMPLE_FAQ = resolve("local/seed/faq.example.jsonl");
/** The default quality-inspection rules: Chinese advertising-law absolute terms, promises, rude words. */
export const DEFAULT_RULES = resolve("local/seed/rules.default.jsonl");
const DEFAULT_RULES_NAME = "default.jsonl";

export interface LocalStackOptions {
  port?: number;
  /** Reuse running emulators (tests); otherwise they are started and stopped with the stack. */
  emulators?: Pick<RunningEmulators, "dynamoEndpoint" | "awsEndpoint">;
  /** Resource name prefix (tables ≥ 3 characters, as in DynamoDB). */
  prefix?: string;
  /** Upload and import the example FAQ at start. */
  seed?: boolean;
  /** Seconds before a failed queue message is retried (AWS: the visibility timeout). */
  retryDelaySeconds?: number;
  /** Worker invocations at once (Lambda's concurrency; 1 by default). */
  workerConcurrency?: number;
  /** The worker's time limit per invocation (the Lambda timeout, 60 s by default): its deadline. */
  workerTimeoutMs?: number;
  /**
   * Where the worker runs: `inline` (the default) on the stack's event loop, beside the webhook, where
   * every message it answers delays the acks queued behind it; `thread` in a thread of its own, as in
   * AWS where the worker is a Lambda of its own (local/worker-thread.ts; bench/ack.ts compares the
   * two); `off` not at all (messages stay on the queue).
   */
  worker?: "thread" | "inline" | "off";
  /**
   * The URL platforms and the channel senders reach this stack by (its own URL by default): webhooks
   * are signed for it and the channel APIs are called under it. A test puts a proxy there.
   */
  publicUrl?: string;
  /**
   * Serve the agents' desk: start cognito-local with the demo users, build the web app if its build is
   * missing or stale, serve it at /desk/ with its API at /desk/api (`npm start` does; off by default).
   */
  desk?:
    | boolean
    | {
        password?: string /** Build the web app if stale (default true; API tests skip it). */;
        build?: boolean;
      };
  /** How often the SLA clock ticks (AWS: every minute); 5 s by default. */
  slaTickMs?: number;
  /** Write the env file that CLI tools (`npm run chat`, `faq:import`) read. */
  writeEnvFile?: boolean;
  /**
   * Settings over the shell's environment and the stack's own (`KEFU_SMS_KEYWORD_REPLIES`, a channel's
   * credentials…), as the functions' environment would carry them in AWS.
   */
  settings?: EnvRecord;
  log?: (line: string) => void;
  /**
   * A server already listening on `port` that the stack takes over: `npm start` opens the port before
   * it loads this module (seconds of imports), answering 503 "starting" meanwhile (local/start.ts).
   */
  server?: Server;
  /** Told of every record the functions log (codes and ids), whatever the log level: tests count them. */
  onLog?: (record: FollowedLogRecord) => void;
}

export type { InboxEntry } from "./dev-routes";

export interface LocalStack {
  url: string;
  /** The environment of this stack's functions and CLIs: table names, queue URLs, endpoints, public URL. */
  env: Record<string, string>;
  outbox: Outbox;
  inbox: InboxEntry[];
  /** The desk, when served: its URL, the local Cognito and the demo users' password. */
  desk?: { url: string; cognito: Omit<LocalCognito, "stop">; password: string };
  /** What the WeCom and DingTalk group robots received (`GET /dev/alerts`). */
  alerts: RecordedAlert[];
  /** Runs the SLA clock once now (the timer runs it every `slaTickMs`). */
  tickSla(): Promise<unknown>;
  /** Resolves when the report of an upload key (uploads/…) exists, with the parsed report. */
  waitForReport(uploadKey: string, timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The stack, started step by step (each step a function below): emulators → resources → functions →
 * server routes → event sources → upload watcher → seed → ready. The server listens first, so a port in
 * use fails at once and /ready answers (503, with the current step) while the rest starts.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  quietLibraries({ metrics: false });
  const log = options.log ?? (() => {});
  const progress: Progress = { ready: false, stage: "starting the emulators", url: "" };
  const server = createLocalServerWithPlaceholder(
    {
      readiness: () => ({ ready: progress.ready, stage: progress.stage }),
      index: () => describeServer({ ...progress, channels: [] }),
    },
    options.server,
  );
  const listening = options.server
    ? (options.server.address() as AddressInfo).port
    : await listen(server.server, options.port ?? 3000);
  const url = `http://127.0.0.1:${listening}`;
  progress.url = url;
  const emulators = ownedEmulators(options, listening);
  const deskOptions = options.desk === true ? {} : options.desk || undefined;
  const password = deskOptions?.password ?? deskDemoPasswordSetting() ?? DEFAULT_DEMO_PASSWORD;
  let cognito: LocalCognito | undefined;

  try {
    // cognito-local starts beside the emulators (its own process, a few seconds).
    const cognitoStarting = deskOptions
      ? startLocalCognito({ dataDir: join(STATE_DIR, `cognito-${listening}`), password }).then((c) => {
          cognito = c;
          return c;
        })
      : undefined;
    cognitoStarting?.catch(() => {});
    const running = await emulators.start();

    progress.stage = "creating the tables, queues and bucket";
    const env = {
      ...(await stackEnvironment(running, options.prefix ?? "kefu-local", options.publicUrl ?? url)),
      ...(cognitoStarting ? deskEnvironment(await cognitoStarting) : {}),
    };
    // The group robots' demo secrets unless the shell has real ones: alerts reach the simulated robots.
    // The QA queue works here with the heuristic grader (no Bedrock), unless the shell chooses another.
    const settings: EnvRecord = {
      ...DEMO_ALERT_SECRETS,
      [REVIEW_ENV.grader]: "heuristic",
      ...shellEnv(),
      ...env,
      ...options.settings,
    };

    progress.stage = "loading the functions";
    const tracker = new MessageTracker(INBOUND_QUEUE.maxReceiveCount);
    const functions = localFunctions(settings, tracker, options.onLog);
    const sqs = sqsClient(running.awsEndpoint);
    const s3 = s3Client(running.awsEndpoint);

    const desk = cognito ? localDesk(settings, cognito, url, options.onLog) : undefined;
    const { outbox, inbox, sns, alerts } = serveRoutes(server, {
      ...(desk ? { desk, uploads: deskUploads(settings, running.awsEndpoint, url) } : {}),
      settings,
      env,
      functions,
      tracker,
      sqs,
      progress,
      retryDelayMs: (options.retryDelaySeconds ?? 1) * 1000,
    });
    const eventSource = await startWorkerEventSource(options, {
      env,
      settings: functionSettings(settings),
      awsEndpoint: running.awsEndpoint,
      sqs,
      functions,
      tracker,
      inbox,
      log,
    });
    const bucket = env[ENV.faqBucket] ?? "";
    const ingestUpload = (key: string, size: number) =>
      functions.ingest(s3Event(bucket, key, size), lambdaContext("ingest", 900_000));
    const uploads = startUploadNotifications(s3, bucket, FAQ_BUCKET.uploadsPrefix, ingestUpload, log);
    // Rule files have their own notification in AWS (infra/constructs/inspection.ts): so here.
    const ruleUploads = startUploadNotifications(s3, bucket, RULES_KEYS.uploads, ingestUpload, log);
    // The SLA clock: the same handler the EventBridge schedule runs in AWS, on a timer.
    const tickSla = () => functions.sla({}, lambdaContext("sla", 50_000));
    const slaTimer = setInterval(() => {
      tickSla().catch((error: unknown) => log(`sla clock: ${(error as Error).message}`));
    }, options.slaTickMs ?? 5_000);
    slaTimer.unref();
    const waitForReport = (uploadKey: string, timeoutMs = 60_000) =>
      reportOf(s3, bucket, uploadKey, timeoutMs);

    // The desk builds (if it must) while the example FAQ is imported.
    const deskBuilt = deskOptions && deskOptions.build !== false ? ensureDeskBuilt(log) : undefined;
    deskBuilt?.catch(() => {});
    if (options.seed ?? true) {
      progress.stage = "importing the example FAQ";
      await seedExampleFaq(s3, bucket, waitForReport);
    }
    progress.stage = "loading the default inspection rules";
    await seedDefaultRules(s3, bucket);
    if (deskBuilt) {
      progress.stage = "building the desk";
      await deskBuilt;
    }
    if (options.writeEnvFile) await saveStackRecord(listening, { env });
    progress.ready = true;
    progress.stage = "ready";

    return {
      url,
      env,
      outbox,
      inbox,
      ...(cognito ? { desk: { url: `${url}/desk/`, cognito: publicCognito(cognito), password } } : {}),
      alerts,
      tickSla,
      waitForReport,
      async stop() {
        // Each step is bounded and the emulators stop whatever happened before: no orphaned Java.
        progress.ready = false;
        progress.stage = "stopping";
        clearInterval(slaTimer);
        try {
          sns.stop();
          await withinMs(5000, Promise.all([uploads.stop(), ruleUploads.stop(), eventSource.stop()]));
          await closeServer(server.server);
        } finally {
          await Promise.all([emulators.stop(), cognito?.stop()]);
        }
      },
    };
  } catch (error) {
    await closeServer(server.server);
    await Promise.all([emulators.stop(), cognito?.stop()]);
    throw error;
  }
}

/** How far the stack is in starting, for /ready and GET /. */
interface Progress {
  ready: boolean;
  stage: string;
  url: string;
}

type LocalFunctions = ReturnType<typeof localFunctions>;

/**
 * The emulators: the ones given (tests share the run's), or DynamoDB Local and fauxqs started for this
 * stack and stopped with it. A stack that owns a DynamoDB Local or writes the CLIs' env file leaves a
 * record on disk (its port, its Java process), so a later start can clean up after a crash.
 */
function ownedEmulators(options: LocalStackOptions, port: number) {
  const recorded = !options.emulators || options.writeEnvFile === true;
  let owned: RunningEmulators | undefined;
  return {
    async start(): Promise<Pick<RunningEmulators, "dynamoEndpoint" | "awsEndpoint">> {
      if (recorded) await saveStackRecord(port, {});
      if (options.emulators) return options.emulators;
      owned = await startEmulators({ onSpawn: (java) => saveStackRecord(port, { java }) });
      return owned;
    },
    async stop(): Promise<void> {
      await owned?.stop();
      if (recorded) await removeStackRecord(port);
    },
  };
}

/**
 * The server's routes once the functions exist: the webhook, the simulators of the configured channels,
 * /dev and the traces. Returns the outbox the simulators fill and the inbox the worker's feed fills.
 */
function serveRoutes(
  server: ReturnType<typeof createLocalServerWithPlaceholder>,
  parts: {
    /** The agents' desk (/desk/, its config and /desk/api), when served. */
    desk?: DeskServing;
    /** The desk's FAQ uploads, forwarded to the emulator, when the desk is served. */
    uploads?: BucketUploads;
    settings: EnvRecord;
    env: Record<string, string>;
    functions: LocalFunctions;
    tracker: MessageTracker;
    sqs: ReturnType<typeof sqsClient>;
    progress: Progress;
    /** Before Lambda's async retries of a failed SNS invocation (a minute or more in AWS). */
    retryDelayMs: number;
  },
): { outbox: Outbox; inbox: InboxEntry[]; sns: ReturnType<typeof localSns>; alerts: RecordedAlert[] } {
  const { settings, env, functions, tracker, progress } = parts;
  const outbox = new Outbox();
  const inbox: InboxEntry[] = [];
  const raw = { ...demoCredentials(), ...settings };
  const simulators = localSimulators(raw, outbox);
  // The WeCom and DingTalk group robots the alerts go to (GET /dev/alerts lists what they received).
  const alerts: RecordedAlert[] = [];
  simulators.push(
    alertsSimulator(
      {
        wecomKey: settings.KEFU_ALERT_WECOM_KEY,
        dingtalkToken: settings.KEFU_ALERT_DINGTALK_TOKEN,
        dingtalkSecret: settings.KEFU_ALERT_DINGTALK_SECRET,
      },
      alerts,
    ),
  );
  const topics = snsTopics(raw);
  const sns = localSns({
    topics: () => [...topics.keys()],
    retryDelayMs: parts.retryDelayMs,
    invoke: (event) => functions.snsIngress(event, lambdaContext("sns-ingress")),
  });
  const channels = CHANNELS.filter(
    (c) => simulators.some((s) => s.channel === c) || [...topics.values()].includes(c),
  );
  const dev = devRoutes({
    desk: loadDeskConfig(settings),
    outbox,
    inbox,
    tracker,
    sqs: parts.sqs,
    dlqUrl: env[LOCAL_ENV.dlqUrl],
  });
  server.setOptions({
    ...(parts.desk ? { desk: parts.desk } : {}),
    ...(parts.uploads ? { uploads: parts.uploads } : {}),
    webhook: functions.webhook as never,
    simulators,
    dev: async (request) => {
      if (request.method === "GET" && request.path === "/dev/sns-failures") {
        return { status: 200, body: sns.failures };
      }
      if (request.method === "GET" && request.path === "/dev/alerts") return { status: 200, body: alerts };
      return dev(request);
    },
    trace: (channel, invoke) => tracker.traceRequest(channel, invoke),
    sns: async (body) => {
      const publish = parsePublish(body);
      const { traceId, result } = await tracker.traceRequest(
        topics.get(publish.TopicArn) ?? "sns",
        async () => {
          const published = await sns.publish(publish);
          const { error } = published;
          return { messageId: published.messageId, statusCode: error ? statusOf(error) : 200 };
        },
      );
      return { status: 200, body: { MessageId: result.messageId }, traceId };
    },
    index: () => describeServer({ ...progress, channels }),
  });
  return { outbox, inbox, sns, alerts };
}

/** The topics the SNS ingress is subscribed to, and whose channel each is: the configured ones. */
function snsTopics(raw: Record<string, string | undefined>): Map<string, string> {
  const topics = new Map<string, string>();
  const email = credentialsFor(emailModule, raw);
  for (const arn of (email?.[CHANNEL_ENV.emailTopicArns] ?? "").split(",")) {
    if (arn.trim()) topics.set(arn.trim(), "email");
  }
  const sms = credentialsFor(smsModule, raw) as SmsCredentials | undefined;
  if (sms) topics.set(sms.KEFU_SMS_TOPIC_ARN, "sms");
  return topics;
}

/** The body of a local SNS Publish: JSON with TopicArn and Message (and Subject, MessageId). */
function parsePublish(body: string): SnsPublish {
  let json: Partial<SnsPublish>;
  try {
    json = JSON.parse(body) as Partial<SnsPublish>;
  } catch (cause) {
    throw new MalformedRequestError("the publish is not JSON", { cause });
  }
  if (typeof json.TopicArn !== "string" || typeof json.Message !== "string") {
    throw new MalformedRequestError("a publish needs TopicArn and Message");
  }
  return json as SnsPublish;
}

/** The status a failed invocation's trace shows: the error's, or 500. */
const statusOf = (error: unknown) => (error instanceof KefuError ? error.status : 500);

/**
 * The worker fed from the inbound queue as the SQS event source mapping feeds it in AWS: batches,
 * concurrency, the visibility timeout as the retry delay, failures back to the queue and on to the DLQ.
 * Inline by default; in a thread of its own (local/worker-thread.ts) when asked, so that answering never
 * delays an ack.
 */
async function startWorkerEventSource(
  options: LocalStackOptions,
  parts: {
    env: Record<string, string>;
    settings: EnvRecord;
    awsEndpoint: string;
    sqs: ReturnType<typeof sqsClient>;
    functions: LocalFunctions;
    tracker: MessageTracker;
    inbox: InboxEntry[];
    log: (line: string) => void;
  },
): Promise<RunningEventSource> {
  const { functions, tracker, inbox, log } = parts;
  const where = options.worker ?? "inline";
  if (where === "off") return { stop: async () => {} };
  const source = {
    queueUrl: parts.env[ENV.queueUrl] ?? "",
    batchSize: INBOUND_QUEUE.batchSize,
    retryDelaySeconds: options.retryDelaySeconds ?? 1,
    ...(options.workerConcurrency ? { concurrency: options.workerConcurrency } : {}),
    ...(options.workerTimeoutMs ? { timeoutMs: options.workerTimeoutMs } : {}),
  };
  const listener = {
    onError: (message: string) => log(`worker error: ${message}`),
    onFailed: (record: SQSRecord) => tracker.onFailure(record),
    onRecord: (record: SQSRecord) => {
      tracker.onReceive(record);
      const entry = inboxEntry(record.body);
      if (entry) inbox.push(entry);
    },
  };
  if (where === "thread") {
    return startWorkerThread(
      { ...source, settings: parts.settings, awsEndpoint: parts.awsEndpoint },
      { ...listener, onLog: functions.followLog },
    );
  }
  const worker = functions.worker();
  return startEventSource({
    ...source,
    sqs: parts.sqs,
    handler: (event: SQSEvent, context) => worker(event, context),
    onError: (error) => listener.onError((error as Error).message),
    onFailed: listener.onFailed,
    onRecord: listener.onRecord,
  });
}

/**
 * The tables, queues and bucket of this stack, and the environment its functions and CLIs get: their
 * names, the emulators' endpoints, the channel simulators as the platforms' APIs, the public URL.
 */
async function stackEnvironment(
  emulators: Pick<RunningEmulators, "dynamoEndpoint" | "awsEndpoint">,
  prefix: string,
  url: string,
): Promise<Record<string, string>> {
  const env = await provisionResources(emulators, prefix);
  const simulatorOf = (channel: string) => `${url}/sim/${channel}`;
  return {
    ...env,
    [ENV.publicUrl]: url,
    ...Object.fromEntries(
      Object.entries(API_BASE_ENV).map(([channel, name]) => [name, simulatorOf(channel)]),
    ),
    // A new FAQ is answered within half a second.
    [ENV.kbRefreshMs]: "500",
    // Alerts go to the simulated group robots (GET /dev/alerts lists what they received).
    [DESK_ENV.alertWecomApiBase]: `${url}/sim/alerts/wecom`,
    [DESK_ENV.alertDingtalkApiBase]: `${url}/sim/alerts/dingtalk`,
    [DESK_ENV.deskUrl]: `${url}/desk/`,
  };
}

/** The functions' log level here: warnings and errors, unless the shell asks for more. */
const LOCAL_LOG_LEVEL = "WARN";

/** The functions' configuration source: the stack's settings, at the local log level unless set. */
function functionSettings(settings: EnvRecord): EnvRecord {
  return { [ENV.logLevel]: LOCAL_LOG_LEVEL, ...settings };
}

/**
 * The functions, each built exactly as its Lambda entry builds it but from a configuration made of
 * `settings`, and with a logger the stack follows (what became of each message, for /dev/traces). The
 * worker is built here only when it runs inline; its thread builds its own from the same settings.
 */
function localFunctions(
  settings: EnvRecord,
  tracker: MessageTracker,
  onLog: (record: FollowedLogRecord) => void = () => {},
) {
  const withLevel = functionSettings(settings);
  const followLog = (record: FollowedLogRecord) => {
    tracker.onLog(record);
    onLog(record);
  };
  const logger = () =>
    new FollowedLogger(followLog, {
      serviceName: "kefu",
      logLevel: (withLevel[ENV.logLevel] ?? LOCAL_LOG_LEVEL) as "WARN",
    });
  const webhook = makeWebhookHandler(wireWebhook(loadWebhookConfig(withLevel), { logger: logger() }));
  const worker = () => makeWorkerHandler(wireWorker(loadWorkerConfig(withLevel), { logger: logger() }));
  const ingest = makeIngestHandler(wireIngest(loadIngestConfig(withLevel), { logger: logger() }));
  const snsIngress = makeSnsIngressHandler(
    wireSnsIngress(loadSnsIngressConfig(withLevel), { logger: logger() }),
  );
  const sla = makeSlaHandler(wireSla(loadSlaConfig(withLevel), { logger: logger() }));
  return { webhook, worker, ingest, snsIngress, sla, followLog };
}

/** The report of an upload once the import is done (a long one reports `partial` while it continues). */
async function reportOf(
  s3: ReturnType<typeof s3Client>,
  bucket: string,
  uploadKey: string,
  timeoutMs: number,
): Promise<unknown> {
  const name = uploadKey.slice(FAQ_BUCKET.uploadsPrefix.length);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: `${FAQ_BUCKET.reportsPrefix}${name}.json` }),
      );
      const report = JSON.parse((await object.Body?.transformToString()) ?? "null");
      // A long import reports `partial` with done:false while it continues; a queued one waits its turn.
      if (report && report.done !== false && report.status !== "queued") return report;
      throw new Error(`import of ${uploadKey} still running`);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no report for ${uploadKey}`, { cause: error });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Uploads the example FAQ and waits until it is imported: customers can be answered from then on. */
async function seedExampleFaq(
  s3: ReturnType<typeof s3Client>,
  bucket: string,
  waitForReport: (uploadKey: string) => Promise<unknown>,
): Promise<void> {
  const key = `${FAQ_BUCKET.uploadsPrefix}faq.example.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(EXAMPLE_FAQ) }));
  const report = (await waitForReport(key)) as { status?: string };
  if (report.status !== "applied") {
    throw new Error(`the example FAQ was not imported (${report.status}): see the report for ${key}`);
  }
}

/**
 * Uploads the default quality-inspection rules (local/seed/rules.default.jsonl) the way an admin uploads
 * a rule file, unless a rule set is already in force (kept in the state directory from an earlier run),
 * and waits until the ingest has put them in force.
 */
async function seedDefaultRules(s3: ReturnType<typeof s3Client>, bucket: string): Promise<void> {
  const exists = await s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: RULES_KEYS.active }))
    .then(() => true)
    .catch(() => false);
  if (exists) return;
  const key = `${RULES_KEYS.uploads}${DEFAULT_RULES_NAME}`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(DEFAULT_RULES) }));
  const reportKey = `${RULES_KEYS.reports}${DEFAULT_RULES_NAME}.json`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const report = await s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: reportKey }))
      .then(async (object) => JSON.parse((await object.Body?.transformToString()) ?? "null") as RulesReport)
      .catch(() => undefined);
    if (report?.status === "applied") return;
    if (report) throw new Error(`the default inspection rules were refused: see ${reportKey}`);
    if (Date.now() > deadline) throw new Error(`no report for ${key}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One simulator per configured channel, with the same credentials the handlers use. */
function localSimulators(raw: Record<string, string | undefined>, outbox: Outbox) {
  const simulators = [];
  const wechat = credentialsFor(wechatModule, raw) as WeChatCredentials | undefined;
  if (wechat) simulators.push(wechatSimulator(wechat, outbox));
  const dingtalk = credentialsFor(dingtalkModule, raw) as DingTalkCredentials | undefined;
  if (dingtalk) simulators.push(dingtalkSimulator(dingtalk, outbox));
  const wecom = credentialsFor(wecomModule, raw) as WeComCredentials | undefined;
  if (wecom) simulators.push(wecomSimulator(wecom, outbox));
  const wecomKf = credentialsFor(wecomKfModule, raw) as WeComKfCredentials | undefined;
  if (wecomKf) simulators.push(wecomKfSimulator(wecomKf, outbox));
  if (credentialsFor(emailModule, raw)) simulators.push(emailSimulator(outbox));
  if (credentialsFor(smsModule, raw)) simulators.push(smsSimulator(outbox));
  const twilio = credentialsFor(twilioModule, raw) as TwilioCredentials | undefined;
  if (twilio) simulators.push(twilioSimulator(twilio, outbox));
  return simulators;
}

/**
 * The server listens before the emulators and the functions are up, so its handlers are filled in
 * afterwards; until then webhooks and /dev answer 503 "starting" (see readiness).
 */
function createLocalServerWithPlaceholder(
  early: Pick<LocalServerOptions, "readiness" | "index">,
  opened?: Server,
) {
  type Late = Pick<
    LocalServerOptions,
    "webhook" | "simulators" | "dev" | "trace" | "index" | "sns" | "desk" | "uploads"
  >;
  let current: Late = {
    webhook: async () => ({ statusCode: 503, body: "starting" }),
    simulators: [],
    dev: async () => undefined,
    index: early.index,
  };
  const listener = localRequestListener({
    webhook: (event, context) => current.webhook(event, context),
    get simulators() {
      return current.simulators;
    },
    get desk() {
      return current.desk;
    },
    get uploads() {
      return current.uploads;
    },
    dev: (request) => current.dev(request),
    readiness: early.readiness,
    index: () => current.index(),
    trace: (channel, invoke) =>
      current.trace ? current.trace(channel, invoke) : invoke().then((result) => ({ traceId: "", result })),
    // Before the functions are up the server answers 503 (not ready) without calling this.
    sns: (body) => (current.sns ? current.sns(body) : Promise.resolve({ status: 503, body: "starting" })),
  });
  // A server opened early answered "starting" on its own until now: from here this listener answers.
  const server = opened ?? createServer();
  server.removeAllListeners("request");
  server.on("request", listener);
  return {
    server,
    setOptions(options: Late) {
      current = options;
    },
  };
}

export class PortInUseError extends Error {
  readonly code = "port_in_use";
  constructor(message: string) {
    super(message);
    this.name = "PortInUseError";
  }
}

async function listen(server: ReturnType<typeof createLocalServer>, port: number): Promise<number> {
  try {
    return await new Promise((resolvePort, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolvePort((server.address() as AddressInfo).port));
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    const kefu = (await liveStacks()).find((s) => s.port === port);
    const holder = kefu ? `another Kefu (pid ${kefu.owner}) serves it` : "another program listens there";
    const free = await nextFreePort(port + 1);
    throw new PortInUseError(
      `port ${port} is in use: ${holder}. Start this one on a free port, e.g. KEFU_PORT=${free} npm start`,
    );
  }
}

/** The first port from `from` that nothing listens on (loopback), to suggest one that works. */
async function nextFreePort(from: number): Promise<number> {
  for (let port = from; port < from + 100 && port < 65536; port++) {
    const free = await new Promise<boolean>((resolveFree) => {
      const probe = createNetServer();
      probe.once("error", () => resolveFree(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolveFree(true)));
    });
    if (free) return port;
  }
  return 0;
}

async function closeServer(server: ReturnType<typeof createLocalServer>): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections?.();
  await withinMs(2000, new Promise<void>((r) => server.close(() => r())));
}

/** GET /: what this server serves, and how far it is in starting. */
function describeServer(state: { url: string; ready: boolean; stage: string; channels: readonly string[] }) {
  const { url } = state;
  return {
    service: "Kefu, local stack (npm start)",
    ready: state.ready,
    stage: state.stage,
    // How each configured channel arrives: the HTTPS ones at their webhook, e-mail and SMS through their
    // SNS topics (POST /sns/publish here), as in AWS, where the public webhook does not serve them.
    webhooks: Object.fromEntries(
      state.channels.map((c) => [
        c,
        WEBHOOK_MODULES.some((m) => m.channel === c)
          ? `${url}/webhooks/${c}`
          : `SNS topic: POST ${url}/sns/publish`,
      ]),
    ),
    routes: {
      "GET /ready": "200 once customers can be served (the FAQ is imported), 503 with Retry-After before",
      "GET /health": "200 while the process runs",
      "POST /webhooks/<channel>": "the platforms' webhooks, exactly as in AWS",
      "POST /sns/publish":
        'SNS for the e-mail and SMS topics: {"TopicArn": "…", "Message": "…"} invokes the SNS ingress as Lambda does',
      "GET /dev/outbox": "what the bot sent, per channel",
      "GET /dev/inbox": "what the worker received",
      "GET /dev/tickets": "hand-off tickets; GET /dev/tickets/<id> for one",
      "POST /dev/tickets/<id>/reply":
        'answer as an agent: {"text": "…"}; 409 quality_findings if it breaks a blocking rule, sent anyway with "findingsOverride": {"reason": "…"}',
      "POST /dev/tickets/<id>/resolve": "give the conversation back to the bot",
      "GET /dev/traces/<id>": "what became of a webhook delivery (its x-kefu-trace header)",
      "GET /dev/dlq": "messages in the dead-letter queue",
      "GET /dev/sns-failures": "SNS notifications the SNS ingress failed on every attempt (ids and codes)",
      "GET /dev/alerts":
        "what the WeCom and DingTalk group robots received (new tickets, SLA breaches, reopens)",
      "POST /dev/faults":
        'make a channel\'s next sends fail: {"channel": "wechat", "count": 3, "errcode": -1}; count 0 clears them, a negative count takes that many back',
      "/sim/<platform>/…": "the platforms' APIs, simulated",
    },
    try: 'npm run chat -- --channel wechat --say "怎么申请退货？"',
  };
}

/**
 * S3 event notifications for `uploads/`, which the emulator does not send: poll the prefix and invoke
 * the ingest handler once per new object version (key + ETag), like the bucket notification in AWS.
 */
function startUploadNotifications(
  s3: ReturnType<typeof s3Client>,
  bucket: string,
  prefix: string,
  onUpload: (key: string, size: number) => Promise<unknown>,
  log: (line: string) => void,
) {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        for (const object of Contents) {
          if (!running) break;
          const id = `${object.Key}@${object.ETag}@${object.LastModified?.toISOString()}`;
          if (!object.Key || seen.has(id)) continue;
          seen.add(id);
          await onUpload(object.Key, object.Size ?? 0).catch((error) =>
            log(`ingest of ${object.Key} failed: ${(error as Error).message}`),
          );
        }
      } catch (error) {
        log(`upload watcher: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function withinMs<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the desk API is told of the local user pool: the same settings as in AWS, plus the issuer and
 * the endpoint (the agents page lists the pool's groups there).
 */
function deskEnvironment(cognito: LocalCognito): Record<string, string> {
  return {
    [DESK_AUTH_ENV.userPoolId]: cognito.userPoolId,
    [DESK_AUTH_ENV.clientId]: cognito.clientId,
    [DESK_AUTH_ENV.issuer]: cognito.issuer,
    [DESK_AUTH_ENV.jwksUri]: `${cognito.issuer}/.well-known/jwks.json`,
    [DESK_AUTH_ENV.cognitoEndpoint]: cognito.endpoint,
  };
}

/**
 * The desk's web app, config and API, its handler built like the Lambda's from the stack's settings; it
 * presigns FAQ uploads for this server's own origin (`url`), which forwards them to the emulator.
 */
function localDesk(
  settings: EnvRecord,
  cognito: LocalCognito,
  url: string,
  onLog: (record: FollowedLogRecord) => void = () => {},
): DeskServing {
  const withLevel = { [ENV.logLevel]: LOCAL_LOG_LEVEL, ...settings };
  const logger = new FollowedLogger(onLog, {
    serviceName: "kefu",
    logLevel: (withLevel[ENV.logLevel] ?? LOCAL_LOG_LEVEL) as "WARN",
  });
  const api = makeDeskApiHandler(wireDeskApi(loadDeskApiConfig(withLevel), { logger, uploadEndpoint: url }));
  return deskServing({
    config: {
      region: "us-east-1",
      cognito: { endpoint: cognito.endpoint, userPoolId: cognito.userPoolId, clientId: cognito.clientId },
      apiBase: "/desk/api",
      pollMs: 2000,
      locale: "auto",
    },
    api: api as never,
  });
}

/** The FAQ bucket's uploads/ on the server's origin, forwarded to the emulator (local/bucket-uploads.ts). */
function deskUploads(settings: EnvRecord, emulator: string, url: string): BucketUploads {
  const bucket = settings[ENV.faqBucket] ?? "";
  // The desk API's signer (localDesk: presigned for this server's origin), to check its URLs again.
  const signer = s3UploadSigner(
    loadDeskApiConfig({ [ENV.logLevel]: LOCAL_LOG_LEVEL, ...settings }).runtime,
    url,
  );
  return bucketUploads({
    bucket,
    prefix: FAQ_BUCKET.uploadsPrefix,
    emulator,
    origins: ownOrigins(url),
    presigned: presignedByDesk(signer, bucket),
  });
}

function publicCognito(cognito: LocalCognito): Omit<LocalCognito, "stop"> {
  const { stop: _stop, ...rest } = cognito;
  return rest;
}
