import { readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { sqsClient } from "../../local/emulators";
import type { FollowedLogRecord } from "../../local/logs";
import { dingtalkRobotMessage } from "../../local/platforms/dingtalk";
import { sesDelivery, simpleMail } from "../../local/platforms/email";
import { smsInbound } from "../../local/platforms/sms";
import { twilioInbound } from "../../local/platforms/twilio";
import { type PlatformRequest, wechatPush } from "../../local/platforms/wechat";
import { wecomPush } from "../../local/platforms/wecom";
import { kfCallback, kfCustomerText } from "../../local/platforms/wecom-kf";
import { seededRandom } from "../../local/random";
import type { LocalStack } from "../../local/stack";
import { buildHybridEngine, type EntryWithVectors } from "../../shared/ai/hybrid-build";
import { hashEmbed } from "../../shared/ai/local-embedder";
import { looksLikeFollowUp } from "../../shared/ai/rewrite";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioModule } from "../../shared/channels/twilio/module";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { wecomModule } from "../../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import { thresholdsFromEnv } from "../../shared/config/thresholds";
import { type FaqEntry, phrasings } from "../../shared/core/faq";
import type { Channel } from "../../shared/core/message";
import { CHANNELS } from "../../shared/core/message";
import { ticketIdFor } from "../../shared/core/ticket";
import { startBedrockSimulator } from "./bedrock-simulator";
import {
  bedrockThrottling,
  describeAws,
  describeBedrock,
  describeDynamoDb,
  describeLocalStack,
  dynamoDbError,
  type FaultProxy,
  type FaultRule,
  gatewayError,
  type InjectedFaults,
  type ProxiedCall,
  sqsError,
  startFaultProxy,
} from "./fault-proxy";

/**
 * The fault-injection suite (test/e2e/faults.test.ts, bench/faults.ts): the whole local stack with the
 * Bedrock engine, every remote dependency behind a fault-injecting proxy, and customers on all seven
 * channels talking through the platforms' own signed requests while the platforms retry, deliver twice
 * and deliver concurrently. Every message carries a unique reference; at the end each reference's fate
 * is read from what the customer actually received (the simulators' outbox), the tickets and the
 * dead-letter queue — not from what the code believes it did.
 */

export interface FaultSuiteOptions {
  seed: number;
  /** Distinct customer messages (each delivered once or more). */
  messages: number;
  /** The DynamoDB Local and fauxqs endpoints the proxies sit in front of. */
  emulators: { dynamoEndpoint: string; awsEndpoint: string };
  /** Resource name prefix of this run's tables, queues and bucket. */
  prefix: string;
  /** Customers writing at the same time. */
  customersAtOnce?: number;
  /** Worker invocations at once (Lambda's concurrency). */
  workerConcurrency?: number;
  /**
   * Scales every rate and cap of the fault plan (1 = the plan below). 0 runs the same traffic without
   * faults.
   */
  faultScale?: number;
  /** Longest wait for the queue to drain after the last delivery. */
  drainTimeoutMs?: number;
  /**
   * Where to write what the functions logged, one JSON record a line (codes and ids, never message text):
   * the trail to follow when a figure is not what it should be.
   */
  logFile?: string;
  log?: (line: string) => void;
}

/** A message that ended in the dead-letter queue, and why (from the worker's own log). */
export interface DeadLettered {
  channel: string;
  messageId: string;
  reference?: string;
  cause: string;
}

export interface FaultSuiteReport {
  seed: number;
  wallSeconds: number;
  channels: Record<string, number>;
  customers: number;
  /** Distinct customer messages. */
  sent: number;
  /** HTTP deliveries by the platforms: first attempts, retries and duplicate deliveries. */
  deliveries: number;
  /** Deliveries the platform repeated on purpose: after an acknowledgement, or concurrently. */
  duplicateDeliveries: { afterAck: number; concurrent: number };
  /** Webhook answers by status (what the platforms saw). */
  webhookStatuses: Record<string, number>;
  /** Messages the webhook acknowledged (2xx) at least once. */
  acknowledged: number;
  /** Messages the platform gave up on, never acknowledged (its retries exhausted). */
  unacknowledged: number;
  /** Replies the customers received (outbox entries of this run). */
  replies: number;
  /**
   * Messages answered exactly once: by the model, with the approved FAQ answer (the model failed), by a
   * hand-off notice, or by a clarifying question.
   */
  answered: Record<Answer, number>;
  /** Replies the platform refused for good (recorded on the conversation, not retried), with its words. */
  undeliverable: { reference: string; cause: string }[];
  /** Messages left to a person by design: after a hand-off, appended to the ticket. */
  silent: number;
  /**
   * Messages the bot could not handle on any receive, handed to a person on a ticket before they went
   * to the dead-letter queue (functions/worker/queue-worker.ts). One in the dead-letter queue on no
   * ticket, without an answer, is lost: the customer got neither an answer nor a person.
   */
  escalated: number;
  /** Messages not answered by design (a DingTalk group message without an @-mention). */
  ignored: number;
  /**
   * Messages that got more than one reply, and the extra replies: a defect, unless the worker logged that
   * it sent a part again because the platform never answered the first send (below).
   */
  duplicated: number;
  /**
   * Messages answered twice because a send got no answer from a platform without an idempotency key
   * (WeChat OA, DingTalk, Twilio, SES, End User Messaging) and the redelivery sent that part again, as
   * logged (`resentUnknownPart`): at least once by design, since no answer is worse than a repeated one.
   */
  resentAfterUnknown: number;
  extraReplies: number;
  /**
   * Acknowledged, and neither answered, silent, ignored, refused by the platform nor escalated to a
   * person: whether or not the dead-letter queue holds it.
   */
  lost: number;
  deadLettered: DeadLettered[];
  /** Replies no message of this run explains (another customer's answer, a clarification…). */
  unexplainedReplies: number;
  /** A sample of the problem cases, by reference. */
  examples: {
    lost: string[];
    duplicated: string[];
    resentAfterUnknown: string[];
    unexplained: string[];
    unacknowledged: string[];
  };
  /** What the worker logged it did, by outcome; and how often the engine degraded, by stage. */
  outcomes: Record<string, number>;
  engineDegraded: Record<string, number>;
  /** Failures the worker retried through the queue, by code. */
  queueRetries: Record<string, number>;
  /** Faults injected, by kind: requests failed and the calls they belonged to. */
  injected: Record<string, InjectedFaults>;
}

/** A customer's message: its reference, and how the platform posts it. */
interface PlannedMessage {
  reference: string;
  channel: Channel;
  customer: Customer;
  /** The platform's message id (the dedup key's second half). */
  platformId: string;
  kind: "question" | "handoff" | "ignored";
  /** The FAQ entry a question is about. */
  faqId?: string;
  text: string;
  build(): Promise<PlatformRequest>;
  /** Set once the request is built (retries repeat it byte for byte, as platforms do). */
  request?: PlatformRequest;
  acknowledged: boolean;
  deliveries: number;
  /** The webhook's answers to its deliveries (0: no answer), in order. */
  statuses: number[];
  /** When the platform held the message (built its first delivery). */
  storedAt?: number;
}

type Answer = "model" | "faqFallback" | "handoff" | "clarified";

interface Customer {
  channel: Channel;
  /** Who replies are addressed to, as the outbox shows it. */
  address: string;
  language: "zh" | "en";
  messages: PlannedMessage[];
  poison: boolean;
}

/** The platforms' retry behaviour, with time compressed (WeChat: 3 retries within 15 s; SNS: many). */
const PLATFORM_ATTEMPTS: Record<Channel, number> = {
  wechat: 4,
  wecom: 4,
  "wecom-kf": 4,
  dingtalk: 4,
  email: 8,
  sms: 8,
  twilio: 6,
};

const EXAMPLE_FAQ = "local/seed/faq.example.jsonl";
const REFERENCE = /FX-\d+-\d+/g;
const TICKET = /KF-[0-9A-Z]{8}/g;

export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteReport> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const scale = options.faultScale ?? 1;
  const started = performance.now();
  const logs: (FollowedLogRecord & { atMs: number })[] = [];
  const onLog = (record: FollowedLogRecord) =>
    logs.push({ ...record, atMs: Math.round(performance.now() - started) });

  const bedrock = await startBedrockSimulator({ marker: /FX-\d+-\d+/ });
  const dynamo = await startFaultProxy({
    seed: options.seed * 7 + 1,
    target: options.emulators.dynamoEndpoint,
    describe: describeDynamoDb,
  });
  const aws = await startFaultProxy({
    seed: options.seed * 7 + 2,
    target: options.emulators.awsEndpoint,
    describe: describeAws,
  });
  const model = await startFaultProxy({
    seed: options.seed * 7 + 3,
    target: bedrock.url,
    describe: describeBedrock,
    // The engine's adapters retry with calls of their own (the client's SDK retries are off).
    sameCall: "body",
    // The Bedrock Runtime client speaks HTTP/2.
    http2: true,
  });
  const front = await startFaultProxy({
    seed: options.seed * 7 + 4,
    describe: describeLocalStack,
    sameCall: "body",
  });
  const proxies = [dynamo, aws, model, front];

  // The worker runs the Bedrock engine against the simulator, through the SDK's standard endpoint setting.
  const previousEnv = { ...process.env };
  Object.assign(process.env, {
    KEFU_ENGINE: "bedrock",
    KEFU_ANSWER_MODEL_ID: "anthropic.claude-3-haiku-20240307-v1:0",
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: model.url,
    // The Bedrock client takes the default credential chain (real Bedrock from a local stack works so);
    // the simulator accepts any signature.
    AWS_ACCESS_KEY_ID: previousEnv.AWS_ACCESS_KEY_ID ?? "local",
    AWS_SECRET_ACCESS_KEY: previousEnv.AWS_SECRET_ACCESS_KEY ?? "local",
    // The generation's whole budget, retries included (8 s in production): a hang costs this much.
    KEFU_ANSWER_TIMEOUT_MS: "3000",
    // Titan V2 at 256 dimensions (a production setting): a quarter of the JSON to move on this shared machine.
    KEFU_EMBEDDING_DIMENSIONS: "256",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
  });

  let stack: LocalStack | undefined;
  try {
    const { startLocalStack } = await import("../../local/stack");
    stack = await startLocalStack({
      port: 0,
      emulators: { dynamoEndpoint: dynamo.url, awsEndpoint: aws.url },
      prefix: options.prefix,
      seed: true,
      publicUrl: front.url,
      workerConcurrency: options.workerConcurrency ?? 8,
      // A time limit a hung call can exhaust, so that the deadline logic is exercised too.
      workerTimeoutMs: 20_000,
      retryDelaySeconds: 1,
      onLog,
    });
    front.target = stack.url;
    const ready = stack;
    log(`stack ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const questions = await answerableQuestions();
    const customers = planTraffic(options, random, questions, ready, front.url);
    const planned = customers.flatMap((c) => c.messages);
    const outboxBefore = ready.outbox.entries.length;

    burstTargets.dynamo = dynamo;
    burstTargets.aws = aws;
    burstTargets.front = front;
    const plan = faultPlan(scale, customers);
    dynamo.rules = plan.dynamo;
    aws.rules = plan.aws;
    model.rules = plan.model;
    front.rules = plan.front;
    for (const proxy of proxies) proxy.enabled = true;

    const statuses: Record<string, number> = {};
    const duplicates = { afterAck: 0, concurrent: 0 };
    const background: Promise<unknown>[] = [];
    /** When each 微信客服 callback that was acknowledged had started. */
    const kfAcknowledged: number[] = [];
    const post = async (request: PlatformRequest): Promise<number> => {
      const startedAt = performance.now();
      try {
        const response = await fetch(`${front.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.ok && request.path.startsWith("/webhooks/wecom-kf")) kfAcknowledged.push(startedAt);
        return response.status;
      } catch {
        statuses.network = (statuses.network ?? 0) + 1;
        return 0;
      }
    };

    /** One message, as its platform delivers it: retried until acknowledged or its retries run out. */
    const deliver = async (message: PlannedMessage) => {
      message.request ??= await message.build();
      message.storedAt ??= performance.now();
      const request = message.request;
      const attempts = PLATFORM_ATTEMPTS[message.channel];
      for (let attempt = 0; attempt < attempts && !message.acknowledged; attempt++) {
        if (attempt > 0) await sleep(150 + 150 * attempt + random() * 200);
        // Now and then the platform delivers one message 2–4 times at once (a retry crossing the first).
        const copies =
          attempt === 0 && random() < 0.08 * Math.max(scale, 0.5) ? 2 + Math.floor(random() * 3) : 1;
        if (copies > 1) duplicates.concurrent += copies - 1;
        message.deliveries += copies;
        const answers = await Promise.all(Array.from({ length: copies }, () => post(request)));
        message.statuses.push(...answers);
        if (answers.some((status) => status >= 200 && status < 300)) message.acknowledged = true;
      }
      // A platform that did not hear the acknowledgement in time delivers again later (WeChat after 5 s,
      // DingTalk after a minute: compressed here), even though the message was stored.
      if (message.acknowledged && random() < 0.08 * Math.max(scale, 0.5)) {
        duplicates.afterAck++;
        message.deliveries++;
        background.push(sleep(300 + random() * 2000).then(() => post(request)));
      }
    };

    // Customers write concurrently; each one's messages in order, the next after the previous is acknowledged.
    const queue = [...customers];
    const customerLoop = async () => {
      for (let customer = queue.shift(); customer; customer = queue.shift()) {
        for (const message of customer.messages) {
          await sleep(random() * 150);
          await deliver(message);
        }
      }
    };
    const faultTimers = plan.scheduled.map(({ atMs, run }) => setTimeout(() => run(ready), atMs));
    await Promise.all(Array.from({ length: options.customersAtOnce ?? 64 }, customerLoop));
    await Promise.all(background);
    for (const timer of faultTimers) clearTimeout(timer);
    // A 微信客服 callback only says "pull": any acknowledged pull that started after the platform held the
    // message has stored it (a pull reads everything from the stored cursor on).
    for (const message of planned) {
      if (message.channel !== "wecom-kf" || message.acknowledged) continue;
      const storedAt = message.storedAt ?? Number.POSITIVE_INFINITY;
      message.acknowledged = kfAcknowledged.some((startedAt) => startedAt > storedAt);
    }
    log(`traffic done at ${((performance.now() - started) / 1000).toFixed(1)} s; draining the queue`);

    await drain(ready, options.emulators.awsEndpoint, options.drainTimeoutMs ?? 120_000, log);
    log(`queue drained at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // Late duplicates would show up now: a redelivered message answered again after the queue drained.
    await sleep(1500);
    for (const proxy of proxies) proxy.enabled = false;

    const report = await account({
      seed: options.seed,
      stack: ready,
      awsEndpoint: options.emulators.awsEndpoint,
      customers,
      planned,
      replies: ready.outbox.entries.slice(outboxBefore),
      logs,
      statuses,
      duplicates,
      injected: mergeInjected(proxies, plan.injectedByOutbox(ready)),
    });
    report.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
    if (options.logFile) writeLogs(options.logFile, logs);
    return report;
  } finally {
    await stack?.stop();
    for (const proxy of proxies) await proxy.close();
    await bedrock.close();
    // The shell's environment as it was: later tests in this process see no trace of the suite.
    for (const name of Object.keys(process.env)) if (!(name in previousEnv)) delete process.env[name];
    Object.assign(process.env, previousEnv);
  }
}

// ---- traffic ----

interface Question {
  faqId: string;
  text: string;
  answer: string;
}

/**
 * FAQ phrasings the engine answers with their own entry when a reference is appended: a question
 * answered from another entry, or clarified, would be a correct reply this suite could not attribute.
 * Decided with the worker's own engine (lexical + dense over the simulator's vectors).
 */
async function answerableQuestions(): Promise<Record<"zh" | "en", Question[]>> {
  const entries: FaqEntry[] = readFileSync(EXAMPLE_FAQ, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((row) => ({
      id: String(row.id),
      question: String(row.question),
      answer: String(row.answer),
      similarQuestions: (row.similar_questions as string[] | undefined) ?? [],
    }));
  const dimensions = 1024;
  const embedder = {
    modelId: "faults-hash",
    dimensions,
    embed: async (texts: string[]) => texts.map((text) => hashEmbed(text, dimensions)),
  };
  const stored: EntryWithVectors[] = entries.map((entry) => ({
    ...entry,
    vectors: { modelId: embedder.modelId, values: phrasings(entry).map((t) => hashEmbed(t, dimensions)) },
  }));
  const engine = buildHybridEngine(stored, { embedder, thresholds: thresholdsFromEnv({}) });
  const found: Record<"zh" | "en", Question[]> = { zh: [], en: [] };
  for (const entry of entries) {
    const language = /[\u4e00-\u9fff]/.test(entry.question) ? "zh" : "en";
    for (const phrasing of phrasings(entry)) {
      // A message read as a follow-up is retrieved together with the one before: whether it is answered
      // then depends on the conversation, which a single probe cannot tell.
      if (looksLikeFollowUp(phrasing, [{ role: "customer", text: "你好 hello", at: "" }])) continue;
      const text = language === "zh" ? `${phrasing}（编号 FX-1-1）` : `${phrasing} (ref FX-1-1)`;
      const { decision } = await engine.decide({ text, history: [], language });
      if (decision.kind === "answer" && decision.faqIds[0] === entry.id) {
        found[language].push({ faqId: entry.id, text: phrasing, answer: entry.answer });
      }
    }
  }
  return found;
}

/** Customers on every channel, each asking about distinct FAQ entries; some ask for a person. */
function planTraffic(
  options: FaultSuiteOptions,
  random: () => number,
  questions: Record<"zh" | "en", Question[]>,
  stack: LocalStack,
  publicUrl: string,
): Customer[] {
  const raw = demoCredentials();
  const wechat = credentialsFor(wechatModule, raw) as WeChatCredentials;
  const wecom = credentialsFor(wecomModule, raw) as WeComCredentials;
  const kf = credentialsFor(wecomKfModule, raw) as WeComKfCredentials;
  const dingtalk = credentialsFor(dingtalkModule, raw) as DingTalkCredentials;
  const sms = credentialsFor(smsModule, raw) as SmsCredentials;
  const twilio = credentialsFor(twilioModule, raw) as TwilioCredentials;
  const ourAddress = stack.env.KEFU_EMAIL_FROM ?? "support@kefu.example";
  const seed = options.seed;

  const customers: Customer[] = [];
  let count = 0;
  for (let c = 0; count < options.messages; c++) {
    const channel = CHANNELS[c % CHANNELS.length] as Channel;
    const language: "zh" | "en" = channel === "twilio" || (channel === "email" && c % 2 === 0) ? "en" : "zh";
    // 微信客服 lets a business send 5 messages per customer message: a customer writing 6 before any answer
    // would meet that rule, which is the platform's and no fault.
    const most = channel === "wecom-kf" ? 5 : 6;
    // The first (WeChat) customer's replies the platform always refuses: the message must end in the
    // dead-letter queue with its cause, not vanish, and not hold up anyone else. One message: each one
    // takes all its receives, in its conversation's order.
    const poison = c === 0 && options.messages > 1;
    const n = poison ? 1 : Math.min(2 + Math.floor(random() * (most - 1)), options.messages - count);
    const pool = shuffle([...questions[language]], random);
    const asked = new Set<string>();
    const picks = pool.filter((q) => !asked.has(q.faqId) && asked.add(q.faqId)).slice(0, n);
    const handoffAt = random() < 0.12 ? Math.floor(random() * n) : -1;
    const number = String(1_000_000 + c).slice(-7);
    const address = {
      wechat: `o-fx${seed}-${c}`,
      wecom: `fx${seed}-staff-${c}`,
      "wecom-kf": `wm-fx${seed}-${c}`,
      dingtalk: `fx${seed}-user-${c}`,
      email: `c${c}-s${seed}@customer.example`,
      sms: `+1415${number}`,
      twilio: `+1628${number}`,
    }[channel];
    const customer: Customer = { channel, address, language, messages: [], poison };
    const thread: string[] = [];
    picks.forEach((question, i) => {
      const reference = `FX-${seed}-${count}`;
      const kind: PlannedMessage["kind"] =
        i === handoffAt ? "handoff" : channel === "dingtalk" && random() < 0.1 ? "ignored" : "question";
      const body =
        kind === "handoff"
          ? language === "zh"
            ? "转人工"
            : "I want to talk to a human agent"
          : question.text;
      const text = language === "zh" ? `${body}（编号 ${reference}）` : `${body} (ref ${reference})`;
      const platformId = platformIdFor(channel, seed, count);
      const build = async (): Promise<PlatformRequest> => {
        switch (channel) {
          case "wechat":
            return wechatPush(wechat, { openId: address, text, msgId: platformId });
          case "wecom":
            return wecomPush(wecom, { userId: address, text, msgId: platformId });
          case "wecom-kf": {
            // The platform keeps the message, then calls back; Kefu pulls it.
            const stored = await fetch(`${stack.url}/sim/wecom-kf/_platform/messages`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ messages: [kfCustomerText(address, text, { msgId: platformId })] }),
            });
            const { token } = (await stored.json()) as { token: string };
            return kfCallback(kf, { token });
          }
          case "dingtalk":
            return dingtalkRobotMessage(dingtalk, publicUrl, {
              userId: address,
              text,
              msgId: platformId,
              ...(kind === "ignored"
                ? { group: { conversationId: `cidFxGroup${seed}`, mention: false } }
                : {}),
            });
          case "email": {
            const messageId = `<${platformId}@customer.example>`;
            const raw = simpleMail({
              from: address,
              to: ourAddress,
              subject: language === "zh" ? "咨询" : "Question",
              text,
              messageId,
              ...(thread.length ? { inReplyTo: thread.at(-1), references: [...thread] } : {}),
            });
            thread.push(messageId);
            return sesDelivery({ raw, recipient: ourAddress, sesMessageId: platformId });
          }
          case "sms":
            return smsInbound(sms, { from: address, text, inboundMessageId: platformId });
          case "twilio":
            return twilioInbound(twilio, publicUrl, { from: address, text, messageSid: platformId });
        }
      };
      customer.messages.push({
        reference,
        channel,
        customer,
        platformId,
        kind,
        ...(kind === "question" ? { faqId: question.faqId } : {}),
        text,
        build,
        acknowledged: false,
        deliveries: 0,
        statuses: [],
      });
      count++;
    });
    customers.push(customer);
  }
  return shuffle(customers, random);
}

/** Ids as each platform issues them: WeChat/WeCom MsgIds are 64-bit numbers, the others strings. */
function platformIdFor(channel: Channel, seed: number, index: number): string {
  const unique = `${seed}`.padStart(6, "0") + `${index}`.padStart(9, "0");
  switch (channel) {
    case "wechat":
    case "wecom":
      return `2${unique}${String(Date.now() % 1000).padStart(3, "0")}`;
    case "wecom-kf":
      return `kfmsg_fx${unique}`;
    case "dingtalk":
      return `msgfx${unique}`;
    case "email":
      return `fx${unique}`;
    case "sms":
      return `fx-${unique}`;
    case "twilio":
      return `SMfx${unique}`;
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

// ---- faults ----

/**
 * Every attempt of an SDK call (its invocation id is unique): the SDK gives up after its own maximum
 * (DynamoDB 4 attempts, SQS 3) and the error reaches the application.
 */
const EVERY_ATTEMPT = Number.POSITIVE_INFINITY;

interface FaultPlan {
  dynamo: FaultRule[];
  aws: FaultRule[];
  model: FaultRule[];
  front: FaultRule[];
  /** Faults started at a moment of the run: bursts, and platform errors through the simulators. */
  scheduled: { atMs: number; run(stack: LocalStack): void }[];
  /** Platform errors the simulators returned (injected minus left over at the end). */
  injectedByOutbox(stack: LocalStack): Record<string, InjectedFaults>;
}

const operation =
  (...names: string[]) =>
  (call: ProxiedCall) =>
    names.includes(call.operation);
const channelApi = (call: ProxiedCall) =>
  call.operation.startsWith("api ") && !call.operation.startsWith("api /_platform");

/**
 * The faults of one run. Rates are per call; "past the retries" faults fail every attempt of a call, so
 * the error reaches the application code; the others fail one attempt, which the caller's own retry
 * absorbs. Timeouts are capped in number: each one costs the time of a real timeout.
 */
function faultPlan(scale: number, customers: Customer[]): FaultPlan {
  const r = (rate: number) => rate * scale;
  const cap = (n: number) => Math.round(n * scale);
  const table = (fragment: string) => (call: ProxiedCall) => call.resource.includes(fragment);
  const poisoned = new Set(customers.filter((c) => c.poison).map((c) => c.address));
  const poisonRule: FaultRule = {
    name: "channel API refuses one customer's every reply (to the DLQ by design)",
    match: (call) =>
      call.resource === "wechat" &&
      call.operation === "api /cgi-bin/message/custom/send" &&
      [...poisoned].some((address) => call.body.includes(`"${address}"`)),
    rate: scale > 0 ? 1 : 0,
    fault: gatewayError(503),
    attempts: Number.POSITIVE_INFINITY,
  };

  const dynamo: FaultRule[] = [
    {
      name: "DynamoDB ThrottlingException, one attempt",
      match: () => true,
      rate: r(0.03),
      fault: dynamoDbError("ThrottlingException"),
    },
    {
      name: "DynamoDB ProvisionedThroughputExceeded past the SDK's retries",
      match: () => true,
      rate: r(0.004),
      fault: dynamoDbError("ProvisionedThroughputExceededException"),
      attempts: EVERY_ATTEMPT,
    },
  ];
  const aws: FaultRule[] = [
    {
      name: "SQS SendMessage HTTP 500, one attempt",
      match: operation("SendMessage"),
      rate: r(0.03),
      fault: sqsError(500),
    },
    {
      name: "SQS SendMessage connection reset, one attempt",
      match: operation("SendMessage"),
      rate: r(0.02),
      fault: { kind: "reset" },
    },
    {
      name: "SQS SendMessage answer lost after the enqueue",
      match: operation("SendMessage"),
      rate: r(0.02),
      fault: { kind: "lose-answer" },
    },
    {
      name: "SQS SendMessage throttled past the SDK's retries",
      match: operation("SendMessage"),
      rate: r(0.01),
      fault: sqsError(400),
      attempts: EVERY_ATTEMPT,
    },
    {
      name: "SQS SendMessage HTTP 503 past the SDK's retries",
      match: operation("SendMessage"),
      rate: r(0.01),
      fault: sqsError(503),
      attempts: EVERY_ATTEMPT,
    },
  ];
  const model: FaultRule[] = [
    {
      name: "Bedrock InvokeModel (Titan) throttled, one attempt",
      match: operation("invoke"),
      rate: r(0.05),
      fault: bedrockThrottling(),
    },
    {
      name: "Bedrock InvokeModel (Titan) throttled past the retries",
      match: operation("invoke"),
      rate: r(0.02),
      fault: bedrockThrottling(),
      attempts: 3,
    },
    {
      name: "Bedrock InvokeModel (Titan) timeout",
      match: operation("invoke"),
      rate: r(0.01),
      fault: { kind: "hang", ms: 30_000 },
      limit: cap(3),
    },
    {
      name: "Bedrock connection reset, one attempt",
      match: operation("invoke", "converse"),
      rate: r(0.02),
      fault: { kind: "reset" },
    },
    {
      name: "Bedrock Converse throttled, one attempt",
      match: operation("converse"),
      rate: r(0.05),
      fault: bedrockThrottling(),
    },
    {
      name: "Bedrock Converse throttled past the retries",
      match: operation("converse"),
      rate: r(0.03),
      fault: bedrockThrottling(),
      attempts: 3,
    },
    {
      name: "Bedrock Converse timeout",
      match: operation("converse"),
      rate: r(0.015),
      fault: { kind: "hang", ms: 30_000 },
      limit: cap(6),
    },
  ];
  const front: FaultRule[] = [
    poisonRule,
    {
      name: "channel API HTTP 503",
      match: channelApi,
      rate: r(0.03),
      fault: gatewayError(503),
    },
    {
      name: "channel API connection reset",
      match: channelApi,
      rate: r(0.01),
      fault: { kind: "reset" },
    },
    {
      name: "channel API timeout (no answer within the 10 s call timeout)",
      match: channelApi,
      rate: r(0.01),
      fault: { kind: "hang", ms: 30_000 },
      limit: cap(4),
    },
    {
      name: "webhook acknowledgement lost (the platform delivers again)",
      match: operation("webhook"),
      rate: r(0.02),
      fault: { kind: "lose-answer" },
    },
  ];

  // Platform errors in each platform's own words, "fail the next N sends" (POST /dev/faults), and
  // bursts of failures on the calls that matter most: SQS and DynamoDB failing past the SDK's retries,
  // and the ack path's repeats that only the queue's deduplication absorbs (a SendMessage stored but
  // its every answer lost, so the webhook answers 503 and the platform delivers again; acknowledgements
  // lost on the way back to the platform).
  const outboxFaults: { channel: string; count: number; status?: number; errcode?: number }[] = [];
  const scheduled: FaultPlan["scheduled"] = [];
  if (scale > 0) {
    CHANNELS.forEach((channel, i) => {
      const fault = {
        channel,
        count: 3,
        ...(channel === "email" ? { status: 429 } : {}),
        ...(channel === "sms" ? { status: 500 } : {}),
      };
      outboxFaults.push(fault);
      scheduled.push({ atMs: 1500 + i * 1700, run: (stack) => stack.outbox.injectFault({ ...fault }) });
    });
    const kfPull = { channel: "wecom-kf:sync_msg", count: 2 };
    outboxFaults.push(kfPull);
    scheduled.push({ atMs: 4000, run: (stack) => stack.outbox.injectFault({ ...kfPull }) });
  }
  const bursts: [number, Omit<FaultRule, "rate" | "limit">, number, FaultProxyName][] = [
    [
      3000,
      {
        name: "burst: SQS SendMessage stored, every attempt's answer lost (503, the platform delivers again)",
        match: operation("SendMessage"),
        fault: { kind: "lose-answer" },
        attempts: EVERY_ATTEMPT,
      },
      3,
      "aws",
    ],
    [
      5000,
      {
        name: "burst: webhook acknowledgements lost in a row (the platform delivers again)",
        match: operation("webhook"),
        fault: { kind: "lose-answer" },
      },
      6,
      "front",
    ],
    [
      7000,
      {
        name: "burst: DynamoDB throttles recording a sent reply past the SDK's retries",
        match: (call) => table("-outbox")(call) && call.operation === "PutItem",
        fault: dynamoDbError("ProvisionedThroughputExceededException"),
        attempts: EVERY_ATTEMPT,
      },
      3,
      "dynamo",
    ],
    [
      9000,
      {
        name: "burst: DynamoDB throttles saving a conversation past the SDK's retries",
        match: (call) => table("-conversations")(call) && call.operation === "PutItem",
        fault: dynamoDbError("ThrottlingException"),
        attempts: EVERY_ATTEMPT,
      },
      3,
      "dynamo",
    ],
    [
      11000,
      {
        name: "burst: SQS refuses SendMessage past the SDK's retries",
        match: operation("SendMessage"),
        fault: sqsError(503),
        attempts: EVERY_ATTEMPT,
      },
      4,
      "aws",
    ],
  ];

  return {
    dynamo,
    aws,
    model,
    front,
    scheduled: [
      ...scheduled,
      ...(scale > 0
        ? bursts.map(([atMs, rule, calls, proxy]) => ({
            atMs,
            run: () => burstTargets[proxy]?.failNext(rule, calls),
          }))
        : []),
    ],
    injectedByOutbox(stack) {
      const counted: Record<string, InjectedFaults> = {};
      for (const fault of outboxFaults) {
        let left = 0;
        while (stack.outbox.takeFault(fault.channel)) left++;
        const used = fault.count - left;
        const name = `platform error (POST /dev/faults) on ${fault.channel}`;
        counted[name] = { requests: used, calls: used };
      }
      return counted;
    },
  };
}

type FaultProxyName = "dynamo" | "aws" | "front";
/** Set by runFaultSuite before the scheduled bursts fire. */
const burstTargets: Partial<Record<FaultProxyName, FaultProxy>> = {};

function mergeInjected(
  proxies: FaultProxy[],
  outbox: Record<string, InjectedFaults>,
): Record<string, InjectedFaults> {
  return Object.assign({}, ...proxies.map((p) => p.injected()), outbox);
}

// ---- waiting and accounting ----

/** Until the queue has been empty (nothing waiting, nothing in flight) for a moment. */
async function drain(
  stack: LocalStack,
  awsEndpoint: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const sqs = sqsClient(awsEndpoint);
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let polls = 0;
  try {
    while (quiet < 4) {
      if (Date.now() > deadline) throw new Error(`the queue did not drain within ${timeoutMs} ms`);
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: stack.env.KEFU_QUEUE_URL, AttributeNames: ["All"] }),
      );
      const left =
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
      quiet = left === 0 ? quiet + 1 : 0;
      if (++polls % 10 === 0) log(`${left} messages still queued or in flight`);
      await sleep(500);
    }
  } finally {
    sqs.destroy();
  }
}

interface AccountInput {
  seed: number;
  stack: LocalStack;
  awsEndpoint: string;
  customers: Customer[];
  planned: PlannedMessage[];
  replies: { channel: string; to: string; text: string }[];
  logs: FollowedLogRecord[];
  statuses: Record<string, number>;
  duplicates: { afterAck: number; concurrent: number };
  injected: Record<string, InjectedFaults>;
}

async function account(input: AccountInput): Promise<FaultSuiteReport> {
  const { planned, stack } = input;
  const byReference = new Map(planned.map((m) => [m.reference, m]));
  const byTicket = new Map(planned.map((m) => [ticketIdFor({ channel: m.channel, id: m.platformId }), m]));
  const byAddress = new Map(input.customers.map((c) => [`${c.channel}|${c.address}`, c]));
  const answers = new Map<string, Record<Answer, number>>();
  const unexplained: string[] = [];
  const ambiguous: { reply: (typeof input.replies)[number]; options: Customer["messages"] }[] = [];
  // The replies each message was credited with, so a duplicate's example shows what was sent.
  const credited = new Map<string, string[]>();
  const note = (reference: string, how: Answer, reply?: { text: string }) => {
    if (reply) credited.set(reference, [...(credited.get(reference) ?? []), reply.text.slice(0, 40)]);
    const entry = answers.get(reference) ?? { model: 0, faqFallback: 0, handoff: 0, clarified: 0 };
    entry[how]++;
    answers.set(reference, entry);
  };

  // Each reply: by the reference the model repeated, else the ticket number of a hand-off notice, else
  // the approved answer of the entry one of that customer's messages asked about.
  for (const reply of input.replies) {
    const references = [...new Set(reply.text.match(REFERENCE) ?? [])].filter((r) => byReference.has(r));
    if (references.length === 1) {
      note(references[0] as string, "model", reply);
      continue;
    }
    const tickets = [...new Set(reply.text.match(TICKET) ?? [])];
    const opener = tickets.length === 1 ? byTicket.get(tickets[0] as string) : undefined;
    if (opener) {
      note(opener.reference, "handoff", reply);
      continue;
    }
    const customer = byAddress.get(`${reply.channel}|${reply.to}`);
    const flat = letters(reply.text);
    const asked = customer?.messages.filter(
      (m) => m.faqId && mentions(flat, letters(faqEntry(m.faqId).answer).slice(0, 16)),
    );
    if (asked?.length === 1 && asked[0]) {
      note(asked[0].reference, "faqFallback", reply);
      continue;
    }
    // A clarifying question lists entries' questions; the one this customer asked about is among them.
    const options = customer?.messages.filter(
      (m) => m.faqId && mentions(flat, letters(faqEntry(m.faqId).question)),
    );
    if (options?.length === 1 && options[0]) {
      note(options[0].reference, "clarified", reply);
      continue;
    }
    if (options && options.length > 1) {
      // A clarifying question may list the entries of two of the customer's questions (a message read
      // with the one before it): decided below, once every other reply is attributed.
      ambiguous.push({ reply, options });
      continue;
    }
    unexplained.push(`${reply.channel} → ${reply.to}: ${reply.text.slice(0, 60)}`);
  }
  // Such a clarification answers the one listed message that no other reply answered; if none or
  // several are left, it stays unexplained (and a message without a reply stays lost).
  for (const { reply, options } of ambiguous) {
    const open = options.filter((m) => !answers.has(m.reference));
    if (open.length === 1 && open[0]) note(open[0].reference, "clarified", reply);
    else unexplained.push(`${reply.channel} → ${reply.to}: ${reply.text.slice(0, 60)}`);
  }

  // Tickets: the messages a person was given instead of the bot answering.
  const tickets = (await (await fetch(`${stack.url}/dev/tickets`)).json()) as {
    transcript: { role: string; text: string }[];
  }[];
  const onTickets = new Set<string>();
  for (const ticket of tickets) {
    for (const turn of ticket.transcript) {
      if (turn.role === "customer") for (const r of turn.text.match(REFERENCE) ?? []) onTickets.add(r);
    }
  }

  // The dead-letter queue, each message with the cause the worker logged on its last receive.
  const dead = await readDeadLetters(stack, input.awsEndpoint, input.logs, byReference);
  const deadReferences = new Set(dead.map((d) => d.reference).filter((r): r is string => !!r));

  // Replies the platform refused for good: the worker records them on the conversation (its log says so).
  const byKey = new Map(planned.map((m) => [`${m.channel}#${m.platformId}`, m]));
  const undeliverable: FaultSuiteReport["undeliverable"] = [];
  for (const record of input.logs) {
    const a = record.attributes;
    if (record.message !== "message processed" || a.action !== "undeliverable") continue;
    const message = byKey.get(`${a.channel}#${a.messageId}`);
    if (message) undeliverable.push({ reference: message.reference, cause: String(a.error) });
  }
  const refused = new Set(undeliverable.map((u) => u.reference));
  // Messages whose reply the worker sent again after a send that got no answer, as it logged.
  const resent = new Set<string>();
  for (const record of input.logs) {
    const a = record.attributes;
    if (record.message !== "message processed" || a.resentUnknownPart === undefined) continue;
    const message = byKey.get(`${a.channel}#${a.messageId}`);
    if (message) resent.add(message.reference);
  }

  let silent = 0;
  let escalated = 0;
  let ignored = 0;
  let duplicated = 0;
  const resentExamples: string[] = [];
  let extraReplies = 0;
  const lost: string[] = [];
  const duplicatedExamples: string[] = [];
  const answered: Record<Answer, number> = { model: 0, faqFallback: 0, handoff: 0, clarified: 0 };
  for (const message of planned) {
    const got = answers.get(message.reference);
    const total = got ? got.model + got.faqFallback + got.handoff + got.clarified : 0;
    if (got && total === 1) {
      for (const how of Object.keys(answered) as Answer[]) answered[how] += got[how];
    }
    if (total === 2 && resent.has(message.reference)) {
      resentExamples.push(`${message.reference} (${message.channel})`);
      continue;
    }
    if (total > 1) {
      duplicated++;
      extraReplies += total - 1;
      // What the customer asked, in order, and what each of this message's replies began with.
      const asked = message.customer.messages.map((m) => `${m.reference}=${m.faqId ?? m.kind}`).join(" ");
      duplicatedExamples.push(
        `${message.reference} (${message.channel}): ${JSON.stringify(got)} replies ${JSON.stringify(credited.get(message.reference))}; customer asked ${asked}`,
      );
      continue;
    }
    if (total === 1) continue;
    if (message.kind === "ignored") {
      ignored++;
      continue;
    }
    const dead = deadReferences.has(message.reference);
    if (onTickets.has(message.reference)) {
      // Escalated ones are counted below, told of their ticket or not.
      if (!dead) silent++;
      continue;
    }
    if (refused.has(message.reference) || !message.acknowledged) continue;
    // The dead-letter queue keeps it for an operator, but the customer got neither an answer nor a person.
    lost.push(
      `${message.reference} (${message.channel}, ${message.kind}, ${message.deliveries} deliveries${dead ? ", in the dead-letter queue on no ticket" : ""})`,
    );
  }

  // In the dead-letter queue, and with a person: the customer's message is on a ticket.
  escalated = [...deadReferences].filter((reference) => onTickets.has(reference)).length;

  const outcomes: Record<string, number> = {};
  const engineDegraded: Record<string, number> = {};
  const queueRetries: Record<string, number> = {};
  for (const record of input.logs) {
    const a = record.attributes;
    if (record.message === "message processed") tally(outcomes, String(a.action));
    if (record.message === "answer engine degraded") tally(engineDegraded, `${a.stage}: ${a.code}`);
    if (record.message === "message failed; it returns to the queue") tally(queueRetries, String(a.code));
  }

  const channels: Record<string, number> = {};
  for (const m of planned) tally(channels, m.channel);
  return {
    seed: input.seed,
    wallSeconds: 0,
    channels,
    customers: input.customers.length,
    sent: planned.length,
    deliveries: planned.reduce((n, m) => n + m.deliveries, 0),
    duplicateDeliveries: input.duplicates,
    webhookStatuses: input.statuses,
    acknowledged: planned.filter((m) => m.acknowledged).length,
    unacknowledged: planned.filter((m) => !m.acknowledged).length,
    replies: input.replies.length,
    answered,
    undeliverable,
    silent,
    escalated,
    ignored,
    duplicated,
    resentAfterUnknown: resentExamples.length,
    extraReplies,
    lost: lost.length,
    deadLettered: dead,
    unexplainedReplies: unexplained.length,
    examples: {
      lost: lost.slice(0, 20),
      duplicated: duplicatedExamples.slice(0, 20),
      resentAfterUnknown: resentExamples.slice(0, 20),
      unexplained: unexplained.slice(0, 20),
      unacknowledged: planned
        .filter((m) => !m.acknowledged)
        .slice(0, 20)
        .map((m) => `${m.reference} (${m.channel}): webhook answered ${m.statuses.join(", ")}`),
    },
    outcomes,
    engineDegraded,
    queueRetries,
    injected: input.injected,
  };
}

async function readDeadLetters(
  stack: LocalStack,
  awsEndpoint: string,
  logs: FollowedLogRecord[],
  byReference: Map<string, PlannedMessage>,
): Promise<DeadLettered[]> {
  const sqs = sqsClient(awsEndpoint);
  const found: DeadLettered[] = [];
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.env.KEFU_DLQ_URL,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 600,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) break;
      // Deleted once read: a FIFO queue hands out a group's next message only when the one before is gone.
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: stack.env.KEFU_DLQ_URL,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body ?? "{}") as { channel?: string; id?: string; text?: string };
        const reference = (body.text ?? "").match(REFERENCE)?.find((r) => byReference.has(r));
        const last = logs.findLast(
          (r) =>
            r.message === "message failed on its last receive; it goes to the dead-letter queue" &&
            r.attributes.channel === body.channel &&
            r.attributes.messageId === body.id,
        );
        const a = last?.attributes ?? {};
        found.push({
          channel: String(body.channel),
          messageId: String(body.id),
          ...(reference ? { reference } : {}),
          cause: last ? [a.code, a.detail, a.cause ? `cause ${a.cause}` : ""].filter(Boolean).join(": ") : "",
        });
      }
    }
  } finally {
    sqs.destroy();
  }
  return found;
}

const faqEntries = new Map<string, { question: string; answer: string }>();
function faqEntry(faqId: string): { question: string; answer: string } {
  if (faqEntries.size === 0) {
    for (const line of readFileSync(EXAMPLE_FAQ, "utf8").trim().split("\n")) {
      const row = JSON.parse(line) as { id: string; question: string; answer: string };
      faqEntries.set(row.id, row);
    }
  }
  return faqEntries.get(faqId) ?? { question: "", answer: "" };
}

function mentions(text: string, fragment: string): boolean {
  return fragment.length > 0 && text.includes(fragment);
}

function writeLogs(path: string, logs: object[]): void {
  // Errors are kept by name, message and cause: their own JSON form is empty.
  const plain = (_key: string, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message, cause: String(value.cause) } : value;
  writeFileSync(path, `${logs.map((record) => JSON.stringify(record, plain)).join("\n")}\n`);
}

/** Letters and digits only: replies are re-rendered per channel (markdown, whitespace, SMS cuts). */
function letters(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, "");
}

function tally(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** One table of the figures, for the test's output and the bench. */
export function formatReport(report: FaultSuiteReport): string {
  const rows: [string, string | number][] = [
    ["seed", report.seed],
    ["wall time", `${report.wallSeconds} s`],
    [
      "customers / channels",
      `${report.customers} / ${Object.entries(report.channels)
        .map(([c, n]) => `${c} ${n}`)
        .join(", ")}`,
    ],
    ["messages sent", report.sent],
    [
      "deliveries (retries, duplicates)",
      `${report.deliveries} (after ack ${report.duplicateDeliveries.afterAck}, concurrent ${report.duplicateDeliveries.concurrent})`,
    ],
    [
      "webhook answers",
      Object.entries(report.webhookStatuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(", "),
    ],
    ["acknowledged / never acknowledged", `${report.acknowledged} / ${report.unacknowledged}`],
    ["replies received", report.replies],
    [
      "answered once: model / FAQ fallback / hand-off / clarified",
      `${report.answered.model} / ${report.answered.faqFallback} / ${report.answered.handoff} / ${report.answered.clarified}`,
    ],
    [
      "refused by the platform for good",
      report.undeliverable.map((u) => `${u.reference}: ${u.cause}`).join("; ") || 0,
    ],
    [
      "silent (on a ticket) / escalated to a person, then the DLQ / ignored by design",
      `${report.silent} / ${report.escalated} / ${report.ignored}`,
    ],
    ["duplicated messages (extra replies)", `${report.duplicated} (${report.extraReplies})`],
    [
      "answered again after a send got no answer (logged, by design)",
      report.examples.resentAfterUnknown.join("; ") || 0,
    ],
    ["lost", report.lost],
    [
      "in DLQ",
      report.deadLettered
        .map((d) => `${d.reference ?? d.messageId}: ${d.cause || "no cause logged"}`)
        .join("; ") || 0,
    ],
    ["unexplained replies", report.unexplainedReplies],
    [
      "worker outcomes",
      Object.entries(report.outcomes)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ],
    [
      "engine degraded",
      Object.entries(report.engineDegraded)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ],
    [
      "retried through the queue",
      Object.entries(report.queueRetries)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ],
  ];
  const faults = Object.entries(report.injected).map(([name, n]): [string, string] => [
    `  fault: ${name}`,
    `${n.requests} requests, ${n.calls} calls`,
  ]);
  const examples = Object.entries(report.examples).flatMap(([kind, list]) =>
    list.map((line): [string, string] => [`  ${kind}`, line]),
  );
  const all = [...rows, ["faults injected", ""] as [string, string], ...faults, ...examples];
  const width = Math.max(...all.map(([k]) => k.length));
  return all.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
}
