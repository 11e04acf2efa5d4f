import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { S3Event, SQSBatchResponse, SQSEvent } from "aws-lambda";
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
import { ChannelApiError, KefuError } from "../shared/core/errors";
import type { WeChatCredentials } from "../shared/credentials";
import { FAQ_BUCKET, INBOUND_QUEUE } from "../shared/resources";
import { channelSender, createRuntime } from "../shared/runtime";
import { createTicketStore } from "../shared/stores/tickets";
import { provisionResources, type RunningEmulators, s3Client, sqsClient, startEmulators } from "./emulators";
import { lambdaContext, startEventSource } from "./event-source";
import { createLocalServer, type DevRoute } from "./server";
import { dingtalkSimulator } from "./simulator/dingtalk";
import { emailSimulator } from "./simulator/email";
import { Outbox } from "./simulator/outbox";
import { smsSimulator } from "./simulator/sms";
import { snsCertificateSimulator } from "./simulator/sns-signer";
import { twilioSimulator } from "./simulator/twilio";
import { wechatSimulator } from "./simulator/wechat";
import { wecomSimulator } from "./simulator/wecom";
import { wecomKfSimulator } from "./simulator/wecom-kf";

/**
 * The whole of Kefu on one machine: emulators, the same handlers AWS runs, the worker fed by an SQS
 * event-source loop, S3 upload notifications for FAQ imports, channel simulators and /dev endpoints.
 * Used by `npm start` (local/start.ts) and by the end-to-end tests.
 */

/** Where `npm start` keeps its env file and pid file (KEFU_STATE_DIR lets tests use their own). */
export const STATE_DIR = resolve(process.env.KEFU_STATE_DIR ?? ".kefu");
export const LOCAL_ENV_FILE = join(STATE_DIR, "local-env.json");
const PID_FILE = join(STATE_DIR, "pids.json");
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
  const owned = options.emulators ? undefined : await startEmulators();
  const emulators = options.emulators ?? owned;
  if (!emulators) throw new Error("no emulators");
  const stopOwned = async () => {
    await owned?.stop();
    await rm(PID_FILE, { force: true });
  };
  if (owned?.dynamoPid) {
    await mkdir(STATE_DIR, { recursive: true });
    await writeFile(PID_FILE, JSON.stringify({ java: owned.dynamoPid }));
  }

  try {
    const port = options.port ?? 3000;
    const prefix = options.prefix ?? "kefu-local";
    const env = await provisionResources(emulators, prefix);
    const server = createLocalServerWithPlaceholder();
    const listening = await listen(server.server, port);
    const url = `http://127.0.0.1:${listening}`;
    Object.assign(env, {
      KEFU_PUBLIC_URL: url,
      KEFU_WECHAT_API_BASE: `${url}/sim/wechat`,
      KEFU_DINGTALK_API_BASE: `${url}/sim/dingtalk`,
      KEFU_WECOM_API_BASE: `${url}/sim/wecom`,
      KEFU_WECOM_KF_API_BASE: `${url}/sim/wecom-kf`,
      KEFU_EMAIL_API_BASE: `${url}/sim/email`,
      KEFU_SMS_API_BASE: `${url}/sim/sms`,
      KEFU_TWILIO_API_BASE: `${url}/sim/twilio`,
      KEFU_KB_REFRESH_MS: "500",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    // The handlers read their configuration from the environment at import, exactly as in Lambda.
    Object.assign(process.env, env);
    const config = loadConfig(process.env);
    const raw = { ...demoCredentials(), ...process.env };

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
      const ticketAction = /^\/dev\/tickets\/([\w-]+)\/(resolve|reply)$/.exec(path);
      if (method === "POST" && ticketAction?.[1]) {
        const [, ticketId = "", action] = ticketAction;
        try {
          if (action === "resolve") await resolveTicket(ticketId, desk);
          else await replyAsAgent(ticketId, String(JSON.parse(body || "{}").text ?? ""), desk);
        } catch (error) {
          if (error instanceof KefuError) return { status: error.status, body: { error: error.code } };
          if (error instanceof TicketClosedError) return { status: 409, body: { error: "ticket_resolved" } };
          if (error instanceof ChannelApiError) return { status: 502, body: { error: "channel_refused" } };
          throw error;
        }
        return { status: 200, body: { ticketId, action } };
      }
      if (method === "POST" && path === "/dev/faults") {
        outbox.injectFault(JSON.parse(body));
        return { status: 200, body: { ok: true } };
      }
      if (method === "GET" && path === "/dev/dlq") {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: env.KEFU_DLQ_URL, AttributeNames: ["All"] }),
        );
        return { status: 200, body: { messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0) } };
      }
      if (method === "GET" && path === "/health") return { status: 200, body: { ok: true } };
      return undefined;
    };
    server.setOptions({
      webhook: webhook as never,
      simulators: localSimulators(raw, outbox),
      dev,
    });

    const eventSource = startEventSource({
      sqs,
      queueUrl: config.KEFU_QUEUE_URL,
      batchSize: INBOUND_QUEUE.batchSize,
      handler: (event: SQSEvent, context) => worker(event, context) as Promise<SQSBatchResponse>,
      retryDelaySeconds: options.retryDelaySeconds ?? 1,
      onError: (error) => log(`worker error: ${(error as Error).message}`),
      onRecord: (record) => {
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
      const key = `${FAQ_BUCKET.uploadsPrefix}faq.example.jsonl`;
      await s3.send(
        new PutObjectCommand({ Bucket: config.KEFU_FAQ_BUCKET, Key: key, Body: await readFile(EXAMPLE_FAQ) }),
      );
      await waitForReport(key);
    }
    if (options.writeEnvFile) {
      await mkdir(STATE_DIR, { recursive: true });
      await writeFile(LOCAL_ENV_FILE, JSON.stringify(env, null, 2));
    }

    return {
      url,
      env,
      outbox,
      inbox,
      waitForReport,
      async stop() {
        // Each step is bounded and the emulators stop whatever happened before: no orphaned Java.
        try {
          await withinMs(5000, Promise.all([uploads.stop(), eventSource.stop()]));
          server.server.closeAllConnections?.();
          await withinMs(2000, new Promise<void>((r) => server.server.close(() => r())));
        } finally {
          if (options.writeEnvFile) await rm(LOCAL_ENV_FILE, { force: true });
          await stopOwned();
        }
      },
    };
  } catch (error) {
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

/** The server starts listening before the handlers load, so its options are filled in afterwards. */
function createLocalServerWithPlaceholder() {
  let current: Parameters<typeof createLocalServer>[0] = {
    webhook: async () => ({ statusCode: 503, body: "starting" }),
    simulators: [],
    dev: async () => ({ status: 503, body: { error: "starting" } }),
  };
  const server = createLocalServer({
    webhook: (event, context) => current.webhook(event, context),
    get simulators() {
      return current.simulators;
    },
    dev: (request) => current.dev(request),
  });
  return {
    server,
    setOptions(options: typeof current) {
      current = options;
    },
  };
}

async function listen(server: ReturnType<typeof createLocalServer>, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} is in use: set KEFU_PORT to another port, e.g. KEFU_PORT=3100 npm start`)
          : error,
      ),
    );
    server.listen(port, "127.0.0.1", () => resolvePort((server.address() as AddressInfo).port));
  });
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

/** Kills a DynamoDB Local left behind by a previous run that was killed hard (kill -9, a closed terminal). */
export async function killLeftovers(): Promise<void> {
  if (!existsSync(PID_FILE)) return;
  try {
    const { java } = JSON.parse(await readFile(PID_FILE, "utf8")) as { java?: number };
    // Only if that pid is still DynamoDB Local: pids are reused.
    const cmdline = java ? await readFile(`/proc/${java}/cmdline`, "utf8").catch(() => "") : "";
    if (java && cmdline.includes("DynamoDBLocal")) process.kill(java, "SIGKILL");
  } catch {
    // Already gone.
  }
  await rm(PID_FILE, { force: true });
}
