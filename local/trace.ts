import { AsyncLocalStorage } from "node:async_hooks";
import type { SQSRecord } from "aws-lambda";
import type { FollowedLogRecord } from "./logs";

/**
 * What became of each webhook delivery in the local stack, for `npm run chat` and GET /dev/traces/<id>:
 * which messages the webhook queued (or took as duplicates, or handled itself), how often the worker
 * tried each, and the worker's outcome (answered, handed off, silent, ignored, undeliverable…) or its
 * move to the dead-letter queue. Built from what the functions log and what the local event source
 * sees, never from message text. In memory, bounded.
 */

export type MessageStatus = "queued" | "processing" | "retrying" | "done" | "dead-lettered";

export interface MessageTrace {
  /** `channel#platform message id`, as the webhook logs it. */
  key: string;
  status: MessageStatus;
  /** Deliveries to the worker so far. */
  attempts: number;
  /** The worker's outcome: `action` plus its details (faqIds, ticketId, reason, why, error). */
  outcome?: Record<string, unknown>;
  /** The last failure the worker logged for it, by code. */
  lastError?: string;
  /**
   * On its last attempt, before the dead-letter queue, the worker hands the conversation to a person:
   * what that did (`action`, `ticketId`), or `{action: "failed", code}` when it could not.
   */
  escalation?: Record<string, unknown>;
}

export interface RequestTrace {
  id: string;
  channel: string;
  /** The webhook's HTTP status, and its error code when it refused or failed. */
  status?: number;
  error?: string;
  /** What the webhook did with each message it found: queued it, or knew it already (a redelivery). */
  messages: { key: string; result: "enqueued" | "duplicate" }[];
}

export type RequestTraceView = Omit<RequestTrace, "messages"> & {
  messages: ({ result: "enqueued" | "duplicate" } & Partial<MessageTrace> & { key: string })[];
};

const KEEP = 2000;

/** What the worker logs when it hands a message to a person on its last attempt (queue-worker.ts). */
const ESCALATED = "message handed to a person before the dead-letter queue";
const NOT_ESCALATED = "message could not be handed to a person; only the dead-letter queue has it";

export class MessageTracker {
  private readonly requests = new Map<string, RequestTrace>();
  private readonly messages = new Map<string, MessageTrace>();
  private readonly current = new AsyncLocalStorage<RequestTrace>();

  constructor(private readonly maxReceiveCount: number) {}

  /** Runs one webhook invocation, attributing what it logs to a new trace id. */
  async traceRequest<T extends { statusCode?: number }>(
    channel: string,
    invoke: () => Promise<T>,
  ): Promise<{ traceId: string; result: T }> {
    const trace: RequestTrace = { id: crypto.randomUUID(), channel, messages: [] };
    remember(this.requests, trace.id, trace);
    const result = await this.current.run(trace, invoke);
    trace.status = result.statusCode ?? 200;
    return { traceId: trace.id, result };
  }

  /** A delivery and the current state of each of its messages. */
  request(id: string): RequestTraceView | undefined {
    const request = this.requests.get(id);
    if (!request) return undefined;
    return { ...request, messages: request.messages.map((m) => ({ ...this.messages.get(m.key), ...m })) };
  }

  /** A log record of the webhook or the worker. */
  onLog(record: FollowedLogRecord): void {
    const a = record.attributes;
    const request = this.current.getStore();
    // The webhook's and the SNS ingress's: each message a delivery stored, or knew already.
    const stored = record.message === "webhook message" || record.message === "notification message";
    if (stored && typeof a.messageKey === "string") {
      const result = a.result === "duplicate" ? "duplicate" : "enqueued";
      if (result === "enqueued")
        remember(this.messages, a.messageKey, { key: a.messageKey, status: "queued", attempts: 0 });
      request?.messages.push({ key: a.messageKey, result });
      return;
    }
    if (request) {
      if (record.level !== "info") request.error = String(a.code ?? "internal_error");
      return;
    }
    const trace =
      typeof a.channel === "string" && typeof a.messageId === "string"
        ? this.messages.get(`${a.channel}#${a.messageId}`)
        : undefined;
    if (!trace) return;
    const { channel: _channel, messageId: _id, receiveCount: _count, ...outcome } = a;
    if (record.message === "message processed") {
      trace.outcome = outcome;
      trace.status = "done";
    } else if (record.message === ESCALATED) {
      // Not a failure of its own: the failure is the one logged before it (lastError).
      trace.escalation = outcome;
    } else if (record.message === NOT_ESCALATED) {
      trace.escalation = { action: "failed", code: a.code ?? "internal_error" };
    } else if (record.level !== "info") {
      trace.lastError = String(a.code ?? record.message);
    }
  }

  /** The event source hands a queued record to the worker. */
  onReceive(record: SQSRecord): void {
    const trace = this.traceOf(record);
    if (!trace) return;
    trace.status = "processing";
    trace.attempts = Number(record.attributes.ApproximateReceiveCount) || trace.attempts + 1;
  }

  /** The worker reported the record failed: it comes back, or past maxReceiveCount goes to the DLQ. */
  onFailure(record: SQSRecord): void {
    const trace = this.traceOf(record);
    if (!trace) return;
    trace.status = trace.attempts >= this.maxReceiveCount ? "dead-lettered" : "retrying";
  }

  private traceOf(record: SQSRecord): MessageTrace | undefined {
    try {
      const body = JSON.parse(record.body) as { channel?: string; id?: string };
      return this.messages.get(`${body.channel}#${body.id}`);
    } catch {
      return undefined;
    }
  }
}

/** Inserts, forgetting the oldest entry past KEEP (Maps iterate in insertion order). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > KEEP) map.delete(map.keys().next().value as string);
}
