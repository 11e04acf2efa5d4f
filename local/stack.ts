import { readFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { S3Event, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { z } from "zod";
import { documentClient } from "../shared/aws";
import type { DingTalkCredentials } from "../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../shared/channels/dingtalk/module";
import { emailModule } from "../shared/channels/email/module";
import { credentialsFor, demoCredentials } from "../shared/channels/registry";
import { smsModule } from "../shared/channels/sms/module";
import type { TwilioCredentials } from "../shared/channels/twilio/credentials";
import { twilioModule } from "../shared/channels/twilio/module";
import { wechatModule } from "../shared/channels/wechat/module";
import type { WeComCredentials } from "../shared/channels/wecom/credentials";
import { wecomModule } from "../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../shared/channels/wecom-kf/module";
import { loadConfig } from "../shared/config";
import { replyAsAgent, resolveTicket, TicketClosedError } from "../shared/core/desk";
import { ChannelApiError, KefuError, MalformedRequestError, NotFoundError } from "../shared/core/errors";
import { CHANNELS } from "../shared/core/message";
import type { WeChatCredentials } from "../shared/credentials";
import { FAQ_BUCKET, INBOUND_QUEUE } from "../shared/resources";
import { channelSender, createRuntime, followLocalLogs } from "../shared/runtime";
import { createTicketStore } from "../shared/stores/tickets";
import { provisionResources, type RunningEmulators, s3Client, sqsClient, startEmulators } from "./emulators";
import { lambdaContext, startEventSource } from "./event-source";
import { createLocalServer, type DevRoute, type LocalServerOptions } from "./server";
import { dingtalkSimulator } from "./simulator/dingtalk";
import { emailSimulator } from "./simulator/email";
import { Outbox } from "./simulator/outbox";
import { smsSimulator } from "./simulator/sms";
import { snsCertificateSimulator } from "./simulator/sns-signer";
import { twilioSimulator } from "./simulator/twilio";
import { wechatSimulator } from "./simulator/wechat";
import { wecomSimulator } from "./simulator/wecom";
import { wecomKfSimulator } from "./simulator/wecom-kf";
import { liveStacks, removeStackRecord, saveStackRecord } from "./state";
import { normalizeTicketId } from "./ticket-id";
import { MessageTracker } from "./trace";

// The state files moved to ./state; faq:import and faq:restore read the env file from here.
export { killLeftovers, LOCAL_ENV_FILE, STATE_DIR } from "./state";

/**
 * The whole of Kefu on one machine: emulators, the same handlers AWS runs, the worker fed by an SQS
 * event-source loop, S3 upload notifications for FAQ imports, channel simulators and /dev endpoints.
 * Used by `npm start` (local/start.ts) and by the end-to-end tests.
 */

export const EXAMPLE_FAQ = resolve("local/seed/faq.example.jsonl");

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
   * The URL platforms and the channel senders reach this stack by (its own URL by default): webhooks
   * are signed for it and the channel APIs are called under it. A test puts a proxy there.
   */
  publicUrl?: string;
  /** Write the env file that CLI tools (`npm run chat`, `faq:import`) read. */
  writeEnvFile?: boolean;
  log?: (line: string) => void;
}

export interface InboxEntry {
  channel: string;
  conversation: string;
  sender: string;
  text: string;
  attachments: unknown[];
  receivedAt: string;
}

export interface LocalStack {
  url: string;
  env: Record<string, string>;
  outbox: Outbox;
  inbox: InboxEntry[];
  /** Resolves when the report of an upload key (uploads/…) exists, with the parsed report. */
  waitForReport(uploadKey: string, timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  // Listen first: a port in use fails at once, and /ready answers while the rest starts.
  let stage = "starting the emulators";
  let ready = false;
  let url = "";
  const server = createLocalServerWithPlaceholder({
    readiness: () => ({ ready, stage }),
    index: () => describeServer({ url, ready, stage, channels: [] }),
  });
  const listening = await listen(server.server, options.port ?? 3000);
  url = `http://127.0.0.1:${listening}`;
  // A record on disk for a stack that owns a DynamoDB Local or writes the CLIs' env file.
  const recorded = !options.emulators || options.writeEnvFile === true;
  let owned: RunningEmulators | undefined;
  const stopOwned = async () => {
    await owned?.stop();
    if (recorded) await removeStackRecord(listening);
  };

  try {
    if (recorded) await saveStackRecord(listening, {});
    owned = options.emulators
      ? undefined
      : await startEmulators({ onSpawn: (java) => saveStackRecord(listening, { java }) });
    const emulators = options.emulators ?? owned;
    if (!emulators) throw new Error("no emulators");
    stage = "creating the tables, queues and bucket";
    const prefix = options.prefix ?? "kefu-local";
    const env = await provisionResources(emulators, prefix);
    const publicUrl = options.publicUrl ?? url;
    Object.assign(env, {
      KEFU_PUBLIC_URL: publicUrl,
      KEFU_WECHAT_API_BASE: `${publicUrl}/sim/wechat`,
      KEFU_DINGTALK_API_BASE: `${publicUrl}/sim/dingtalk`,
      KEFU_WECOM_API_BASE: `${publicUrl}/sim/wecom`,
      KEFU_WECOM_KF_API_BASE: `${publicUrl}/sim/wecom-kf`,
      KEFU_EMAIL_API_BASE: `${publicUrl}/sim/email`,
      KEFU_SMS_API_BASE: `${publicUrl}/sim/sms`,
      KEFU_TWILIO_API_BASE: `${publicUrl}/sim/twilio`,
      KEFU_KB_REFRESH_MS: "500",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    // The handlers read their configuration from the environment at import, exactly as in Lambda.
    Object.assign(process.env, env);
    const config = loadConfig(process.env);
    const raw = { ...demoCredentials(), ...process.env };

    stage = "loading the functions";
    const tracker = new MessageTracker(INBOUND_QUEUE.maxReceiveCount);
    const unfollow = followLocalLogs((record) => tracker.onLog(record));
    const [{ handler: webhook }, { handler: worker }, { handler: ingest }] = await Promise.all([
      import("../functions/webhook"),
      import("../functions/worker"),
      import("../functions/ingest"),
    ]);

    const outbox = new Outbox();
    const inbox: InboxEntry[] = [];
    const doc = documentClient(config);
    const tickets = createTicketStore(doc, config.KEFU_TICKETS_TABLE, config.KEFU_TICKET_TURNS_TABLE);
    // The agents' desk, as `npm run desk` offers it: replies go out through the channel's real sender.
    const desk = { tickets, now: () => new Date(), send: channelSender(createRuntime(process.env)) };
    const sqs = sqsClient(emulators.awsEndpoint);
    const s3 = s3Client(emulators.awsEndpoint);
    const simulators = localSimulators(raw, outbox);
    const channels = CHANNELS.filter((c) => simulators.some((s) => s.channel === c));

    const dev: DevRoute = async ({ method, path, body }) => {
      if (method === "GET" && path === "/dev/outbox") return { status: 200, body: outbox.entries };
      if (method === "GET" && path === "/dev/inbox") return { status: 200, body: inbox };
      if (method === "GET" && path === "/dev/tickets") {
        const { Items = [] } = await doc.send(new ScanCommand({ TableName: config.KEFU_TICKETS_TABLE }));
        // Each with its whole transcript: the turns after the hand-off are items of their own table.
        const all = await Promise.all(Items.map((item) => tickets.get(String(item.ticketId))));
        return {
          status: 200,
          body: all.filter((t) => t !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
        };
      }
      const ticketRoute = /^\/dev\/tickets\/([^/]+)(?:\/(resolve|reply))?$/.exec(path);
      if (ticketRoute?.[1]) {
        const ticketId = normalizeTicketId(decodePathSegment(ticketRoute[1]));
        const action = ticketRoute[2];
        if (method === "GET" && !action) {
          const ticket = await tickets.get(ticketId);
          if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
          return { status: 200, body: ticket };
        }
        if (method !== "POST" || !action) return undefined;
        try {
          if (action === "resolve") await resolveTicket(ticketId, desk);
          else await replyAsAgent(ticketId, agentReplyText(body), desk);
        } catch (error) {
          if (error instanceof TicketClosedError) return { status: 409, body: { error: "ticket_resolved" } };
          if (error instanceof ChannelApiError) return { status: 502, body: { error: "channel_refused" } };
          throw error;
        }
        return { status: 200, body: { ticketId, action } };
      }
      const trace = /^\/dev\/traces\/([\w-]+)$/.exec(path);
      if (method === "GET" && trace?.[1]) {
        const found = tracker.request(trace[1]);
        if (!found) throw new NotFoundError(`no trace ${trace[1]}`);
        return { status: 200, body: found };
      }
      if (method === "POST" && path === "/dev/faults") {
        const fault = FaultSchema.safeParse(parseJson(body));
        if (!fault.success) throw new MalformedRequestError(`not a fault: ${z.prettifyError(fault.error)}`);
        outbox.injectFault(fault.data);
        return { status: 200, body: { ok: true } };
      }
      if (method === "GET" && path === "/dev/dlq") {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: env.KEFU_DLQ_URL, AttributeNames: ["All"] }),
        );
        return { status: 200, body: { messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0) } };
      }
      return undefined;
    };
    server.setOptions({
      webhook: webhook as never,
      simulators,
      dev,
      trace: (channel, invoke) => tracker.traceRequest(channel, invoke),
      index: () => describeServer({ url, ready, stage, channels }),
    });

    const eventSource = startEventSource({
      sqs,
      queueUrl: config.KEFU_QUEUE_URL,
      batchSize: INBOUND_QUEUE.batchSize,
      handler: (event: SQSEvent, context) => worker(event, context) as Promise<SQSBatchResponse>,
      retryDelaySeconds: options.retryDelaySeconds ?? 1,
      ...(options.workerConcurrency ? { concurrency: options.workerConcurrency } : {}),
      ...(options.workerTimeoutMs ? { timeoutMs: options.workerTimeoutMs } : {}),
      onError: (error) => log(`worker error: ${(error as Error).message}`),
      onFailed: (record) => tracker.onFailure(record),
      onRecord: (record) => {
        tracker.onReceive(record);
        try {
          const m = JSON.parse(record.body);
          inbox.push({
            channel: m.channel,
            conversation: m.conversationKey,
            sender: m.sender?.id,
            text: m.text,
            attachments: m.attachments ?? [],
            receivedAt: m.receivedAt,
          });
        } catch {
          // A malformed body is the worker's to report; the inbox only shows what parsed.
        }
      },
    });

    const uploads = startUploadNotifications(
      s3,
      config.KEFU_FAQ_BUCKET,
      async (key, size) => {
        const event: S3Event = {
          Records: [
            {
              eventVersion: "2.1",
              eventSource: "aws:s3",
              awsRegion: config.AWS_REGION,
              eventTime: new Date().toISOString(),
              eventName: "ObjectCreated:Put",
              userIdentity: { principalId: "local" },
              requestParameters: { sourceIPAddress: "127.0.0.1" },
              responseElements: { "x-amz-request-id": "local", "x-amz-id-2": "local" },
              s3: {
                s3SchemaVersion: "1.0",
                configurationId: "uploads",
                bucket: { name: config.KEFU_FAQ_BUCKET, ownerIdentity: { principalId: "local" }, arn: "" },
                object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), size, eTag: "", sequencer: "" },
              },
            },
          ],
        };
        await (ingest as (e: S3Event, c: unknown) => Promise<unknown>)(
          event,
          lambdaContext("ingest", 900_000),
        );
      },
      log,
    );

    const waitForReport = async (uploadKey: string, timeoutMs = 60_000) => {
      const name = uploadKey.slice(FAQ_BUCKET.uploadsPrefix.length);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          const object = await s3.send(
            new GetObjectCommand({
              Bucket: config.KEFU_FAQ_BUCKET,
              Key: `${FAQ_BUCKET.reportsPrefix}${name}.json`,
            }),
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
    };

    if (options.seed ?? true) {
      stage = "importing the example FAQ";
      const key = `${FAQ_BUCKET.uploadsPrefix}faq.example.jsonl`;
      await s3.send(
        new PutObjectCommand({ Bucket: config.KEFU_FAQ_BUCKET, Key: key, Body: await readFile(EXAMPLE_FAQ) }),
      );
      const report = (await waitForReport(key)) as { status?: string };
      if (report.status !== "applied") {
        throw new Error(`the example FAQ was not imported (${report.status}): see the report for ${key}`);
      }
    }
    if (options.writeEnvFile) await saveStackRecord(listening, { env });
    ready = true;
    stage = "ready";

    return {
      url,
      env,
      outbox,
      inbox,
      waitForReport,
      async stop() {
        // Each step is bounded and the emulators stop whatever happened before: no orphaned Java.
        ready = false;
        stage = "stopping";
        try {
          await withinMs(5000, Promise.all([uploads.stop(), eventSource.stop()]));
          unfollow();
          await closeServer(server.server);
        } finally {
          await stopOwned();
        }
      },
    };
  } catch (error) {
    await closeServer(server.server);
    await stopOwned();
    throw error;
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
  // The SNS certificate the simulated SES notifications are signed with (e-mail, SMS).
  simulators.push(snsCertificateSimulator());
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
function createLocalServerWithPlaceholder(early: Pick<LocalServerOptions, "readiness" | "index">) {
  type Late = Pick<LocalServerOptions, "webhook" | "simulators" | "dev" | "trace" | "index">;
  let current: Late = {
    webhook: async () => ({ statusCode: 503, body: "starting" }),
    simulators: [],
    dev: async () => undefined,
    index: early.index,
  };
  const server = createLocalServer({
    webhook: (event, context) => current.webhook(event, context),
    get simulators() {
      return current.simulators;
    },
    dev: (request) => current.dev(request),
    readiness: early.readiness,
    index: () => current.index(),
    trace: (channel, invoke) =>
      current.trace ? current.trace(channel, invoke) : invoke().then((result) => ({ traceId: "", result })),
  });
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
      const probe = createServer();
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
    webhooks: Object.fromEntries(state.channels.map((c) => [c, `${url}/webhooks/${c}`])),
    routes: {
      "GET /ready": "200 once customers can be served (the FAQ is imported), 503 with Retry-After before",
      "GET /health": "200 while the process runs",
      "POST /webhooks/<channel>": "the platforms' webhooks, exactly as in AWS",
      "GET /dev/outbox": "what the bot sent, per channel",
      "GET /dev/inbox": "what the worker received",
      "GET /dev/tickets": "hand-off tickets; GET /dev/tickets/<id> for one",
      "POST /dev/tickets/<id>/reply": 'answer as an agent: {"text": "…"}',
      "POST /dev/tickets/<id>/resolve": "give the conversation back to the bot",
      "GET /dev/traces/<id>": "what became of a webhook delivery (its x-kefu-trace header)",
      "GET /dev/dlq": "messages in the dead-letter queue",
      "POST /dev/faults":
        'make a channel\'s next sends fail: {"channel": "wechat", "count": 3, "errcode": -1}',
      "/sim/<platform>/…": "the platforms' APIs, simulated",
    },
    try: 'npm run chat -- --channel wechat --say "怎么申请退货？"',
  };
}

/** POST /dev/faults: the next `count` sends on `channel` fail (a negative count takes faults back). */
const FaultSchema = z.object({
  channel: z.string().min(1),
  count: z.number().int(),
  errcode: z.number().int().optional(),
  status: z.number().int().optional(),
});

export class EmptyReplyError extends KefuError {
  constructor() {
    super(400, "empty_reply", 'an agent reply needs a non-empty "text"');
  }
}

/** The text of POST /dev/tickets/<id>/reply: a JSON object with a non-blank "text". */
function agentReplyText(body: string): string {
  const { text } = (parseJson(body || "{}") ?? {}) as { text?: unknown };
  if (typeof text !== "string" || !text.trim()) throw new EmptyReplyError();
  return text;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedRequestError(`not a valid path segment: ${segment}`);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new MalformedRequestError(`the body is not JSON: ${(error as Error).message}`);
  }
}

/**
 * S3 event notifications for `uploads/`, which the emulator does not send: poll the prefix and invoke
 * the ingest handler once per new object version (key + ETag), like the bucket notification in AWS.
 */
function startUploadNotifications(
  s3: ReturnType<typeof s3Client>,
  bucket: string,
  onUpload: (key: string, size: number) => Promise<void>,
  log: (line: string) => void,
) {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { Contents = [] } = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: FAQ_BUCKET.uploadsPrefix }),
        );
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
