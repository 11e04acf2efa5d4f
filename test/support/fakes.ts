import type { SQSRecord } from "aws-lambda";
import { FIFO_DEDUPLICATION_WINDOW_MS, fifoIds } from "../../shared/aws/queue";
import type { QueueBodyStore } from "../../shared/aws/queue-bodies";
import type { StoreDeps } from "../../shared/channels/ingress";
import { type DeskDirectory, type DeskMember, UnknownDeskUserError } from "../../shared/core/desk/ports";
import type { AnswerEngine, EngineInput, EngineResult } from "../../shared/core/engine";
import type { FaqEntry } from "../../shared/core/faq";
import type { InboundMessage, InboundMessageInput, OutboundMessage } from "../../shared/core/message";
import { InboundMessageSchema } from "../../shared/core/message";
import { inspectedOnly } from "../../shared/core/outgoing";
import type { PipelineDeps } from "../../shared/core/pipeline/ports";
import type { BlobStore } from "../../shared/kb/import/ports";
import { memoryInspectionAudit } from "../../shared/stores/inspection-audit";
import { memoryConversations, memoryOutbox, memoryTickets } from "../../shared/stores/memory";

/**
 * The test-only fakes: a scripted engine, the pipeline's deps, inbound messages and SQS records, and the
 * AWS services that are not DynamoDB stores (the FIFO queue, the FAQ bucket, old queue bodies in S3,
 * the desk's Cognito directory, the signed-fetch endpoints). The stores' in-memory twins, held to the
 * DynamoDB stores' contract, are in shared/stores/memory.ts (the audit trail's in inspection-audit.ts).
 */

/** An engine that answers from a fixed script and remembers what it was asked. */
export function scriptedEngine(
  decide: (input: EngineInput) => EngineResult,
): AnswerEngine & { calls: EngineInput[] } {
  const calls: EngineInput[] = [];
  return {
    calls,
    async decide(input) {
      calls.push(input);
      return decide(input);
    },
  };
}

export function pipelineDeps(engine: AnswerEngine, overrides: Partial<PipelineDeps> = {}) {
  const sent: OutboundMessage[] = [];
  const notified: string[] = [];
  const keywords: InboundMessage[] = [];
  const conversations = memoryConversations();
  const tickets = memoryTickets();
  const outbox = memoryOutbox();
  const audit = memoryInspectionAudit();
  const deps: PipelineDeps = {
    conversations,
    tickets,
    outbox,
    engine: async () => engine,
    async send(message) {
      sent.push(message);
    },
    async notifyAgents({ ticket }) {
      notified.push(ticket.ticketId);
    },
    async keywordAnswer(message) {
      keywords.push(message);
      return {
        channel: message.channel,
        conversationKey: message.conversationKey,
        to: message.sender.id,
        text: `[keyword ${message.text}]`,
        replyContext: message.replyContext,
        inReplyTo: message.id,
      };
    },
    texts: {
      disclosure: (_c, l) => (l === "zh" ? "[AI助手]" : "[AI assistant]"),
      welcome: (_c, l) => (l === "zh" ? "[欢迎][AI助手]" : "[welcome][AI assistant]"),
      handoff: (id) => `[handoff ${id}]`,
      mediaUnsupported: () => "[text only]",
      say: (name, language, _c, vars) =>
        `[${name}${vars?.topics ? ` ${vars.topics}` : ""}${language === "zh" ? " zh" : ""}]`,
    },
    inspection: { rules: async () => undefined, audit, fallback: "handoff" },
    detectLanguage: (text) => (/[\u4e00-\u9fff]/.test(text) ? "zh" : "en"),
    now: () => new Date("2026-11-21T10:00:00Z"),
    ...overrides,
  };
  // Behind the same door as the worker's senders: a message without its inspection fails the test.
  deps.send = inspectedOnly(deps.send);
  return { deps, sent, notified, keywords, conversations, tickets, outbox, audit };
}

/** An FAQ entry for a test whose answer is beside the point: unless given, it only names the entry (`answer:<id>`). */
export function faqEntry(
  id: string,
  question: string,
  similarQuestions: string[] = [],
  answer = `answer:${id}`,
): FaqEntry {
  return { id, question, similarQuestions, answer };
}

let counter = 0;
export function inbound(overrides: Partial<InboundMessageInput> = {}): InboundMessage {
  counter++;
  return InboundMessageSchema.parse({
    id: `m-${counter}`,
    channel: "wechat",
    conversationKey: "wechat:gh:o-1",
    sender: { id: "o-1" },
    recipient: "gh",
    kind: "text",
    text: "where is my parcel",
    receivedAt: "2026-11-21T10:00:00.000Z",
    ...overrides,
  });
}

/**
 * The inbound FIFO queue in memory, deduplicating as SQS does: a message whose deduplication id
 * (fifoIds) was accepted within the window is accepted again and dropped, concurrent sends included.
 * `messages` is what the worker would receive; `now` moves the window in tests.
 */
export function memoryFifoQueue(now: () => Date = () => new Date()): StoreDeps & {
  messages: InboundMessage[];
} {
  const acceptedAt = new Map<string, number>();
  const messages: InboundMessage[] = [];
  return {
    messages,
    async enqueue(message) {
      const { deduplicationId } = fifoIds(message);
      const at = now().getTime();
      const earlier = acceptedAt.get(deduplicationId);
      if (earlier !== undefined && at - earlier < FIFO_DEDUPLICATION_WINDOW_MS) return;
      acceptedAt.set(deduplicationId, at);
      messages.push(message);
    },
  };
}

export function memoryBlobs(): BlobStore & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    async head(key) {
      const o = objects.get(key);
      return o ? { size: o.byteLength } : undefined;
    },
    async get(key) {
      const o = objects.get(key);
      if (!o) throw new Error(`no object ${key}`);
      // Several small chunks, so decoders see multi-byte characters split across chunk boundaries.
      return (async function* () {
        for (let i = 0; i < o.byteLength; i += 7) yield o.subarray(i, i + 7);
      })();
    },
    async put(key, body) {
      objects.set(key, typeof body === "string" ? new TextEncoder().encode(body) : body);
    },
    async getText(key) {
      const o = objects.get(key);
      return o ? new TextDecoder().decode(o) : undefined;
    },
    async copy(from, to) {
      const o = objects.get(from);
      if (!o) throw new Error(`no object ${from}`);
      objects.set(to, o);
    },
  };
}

/** Queue bodies an earlier webhook stored in the FAQ bucket, in memory (the worker still reads them). */
export function memoryQueueBodies(): QueueBodyStore & { objects: Map<string, string> } {
  const objects = new Map<string, string>();
  return {
    objects,
    async get(key) {
      const body = objects.get(key);
      if (body === undefined) throw new Error(`NoSuchKey ${key}`);
      return body;
    },
  };
}

/** The desk's user directory (Cognito) in memory: the members of the agent and supervisor groups. */
export function memoryDirectory(members: DeskMember[] = []): DeskDirectory & { members: DeskMember[] } {
  return {
    members,
    async agents() {
      return members.map((member) => ({ ...member, groups: [...member.groups] }));
    },
    async setGroups(userId, groups) {
      const member = members.find((m) => m.id === userId);
      if (!member) throw new UnknownDeskUserError();
      member.groups = [...groups];
    },
  };
}

/** One request the fake AWS endpoint received: the service's operation, its JSON input, its headers. */
export interface AwsFetchCall {
  url: string;
  /** `SendMessage`, `PutItem`, `GetSecretValue`… (the `X-Amz-Target` after the dot). */
  operation: string;
  input: Record<string, unknown>;
  headers: Headers;
}

/** What the fake answers an operation: a status and a JSON body, or a thrown error (no answer). */
export type AwsFetchAnswer =
  | { status: number; body?: Record<string, unknown>; headers?: Record<string, string> }
  | { throws: Error };

/**
 * AWS's JSON-protocol endpoints as a `fetch`, for the webhook's signed-fetch clients (shared/aws/fetch),
 * which aws-sdk-client-mock cannot reach: it records each request and answers by operation, `200 {}`
 * unless told otherwise (`answer`, for every call of an operation, or a function of the input).
 */
export function fakeAwsFetch() {
  const calls: AwsFetchCall[] = [];
  const answers = new Map<string, (call: AwsFetchCall) => AwsFetchAnswer>();
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    const call: AwsFetchCall = {
      url: String(url),
      operation: headers.get("x-amz-target")?.split(".")[1] ?? "",
      input: JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>,
      headers,
    };
    calls.push(call);
    const answer = answers.get(call.operation)?.(call) ?? { status: 200, body: {} };
    if ("throws" in answer) throw answer.throws;
    return new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { "content-type": "application/x-amz-json-1.0", ...answer.headers },
    });
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    calls,
    /** Every later call of `operation` gets this answer. */
    answer(operation: string, answer: AwsFetchAnswer | ((call: AwsFetchCall) => AwsFetchAnswer)) {
      answers.set(operation, typeof answer === "function" ? answer : () => answer);
    },
    callsOf: (operation: string) => calls.filter((c) => c.operation === operation),
    reset() {
      calls.length = 0;
      answers.clear();
    },
  };
}

/**
 * A queue record as Lambda's SQS event source hands it to the worker: the message as its body (or the
 * body given), its conversation as the FIFO group, received `receiveCount` times.
 */
export function sqsRecord(
  message: InboundMessage,
  options: { receiveCount?: number; messageId?: string; body?: string } = {},
): SQSRecord {
  return {
    messageId: options.messageId ?? `sqs-${message.id}`,
    receiptHandle: "r",
    body: options.body ?? JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: "0",
      SenderId: "s",
      ApproximateFirstReceiveTimestamp: "0",
      MessageGroupId: message.conversationKey,
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:kefu.fifo",
    awsRegion: "us-east-1",
  };
}
