import { mapWithConcurrency } from "../core/concurrency";
import { KefuError, MalformedRequestError, MethodNotAllowedError, NotFoundError } from "../core/errors";
import {
  type InboundMessage,
  InboundMessageSchema,
  MESSAGE_LIMITS as L,
  maskedText,
  messageKey,
  QueuedMessageSchema,
  truncateText,
} from "../core/message";
import type {
  HttpResponse,
  IgnoredDelivery,
  InboundAdapter,
  NotificationAdapter,
  SnsNotification,
  WebhookOutcome,
  WebhookRequest,
} from "./ports";

/**
 * The one ack path every channel shares: adapter (verify → decrypt → parse → normalise) → mask and bound
 * → enqueue → acknowledge. A message is acknowledged only once it is on the queue; if the enqueue fails
 * the platform gets a 5xx, so it retries. What goes on the queue is masked and bounded first
 * (`forQueue`): the queue and its 14-day dead-letter queue never hold an unmasked ID or phone number,
 * nor an unbounded field.
 *
 * Repeated deliveries of one message (WeChat and WeCom retry three times within 15 s, DingTalk after a
 * minute, SNS as Lambda retries an event, a SendMessage whose answer was lost) are absorbed without a
 * store of our own here: every one is enqueued with the same FIFO deduplication id (the message's key,
 * `fifoIds` in shared/aws/queue.ts), and SQS keeps one per id within five minutes, concurrent sends
 * included. A delivery later than that is answered `duplicate` by the worker, whose memory of handled
 * messages is on the conversation (its processed ids) and in the outbox of replies, both in DynamoDB.
 */

/** Where accepted messages go: the FIFO queue, deduplicated by the message's key. */
export interface StoreDeps {
  enqueue(message: InboundMessage): Promise<void>;
}

export interface IngressDeps extends StoreDeps {
  adapterFor(channel: string): Promise<InboundAdapter | undefined>;
}

export interface NotificationIngressDeps extends StoreDeps {
  /** The adapter of the channel whose topic this is, or undefined when no configured channel owns it. */
  notificationAdapterFor(topicArn: string): Promise<NotificationAdapter | undefined>;
}

export type IngressResult = {
  response: HttpResponse;
  /**
   * Each message handed to the queue, for logs and metrics (never the text). A repeated delivery is
   * enqueued too: SQS drops it by its deduplication id without telling the sender, so the webhook cannot
   * count duplicates; the worker does (its `duplicate` outcome) for those later than SQS's window.
   */
  messages: { key: string; channel: string; result: "enqueued" }[];
  /** Set when the adapter acknowledged the request without a message to store, and said why. */
  ignored?: IgnoredDelivery;
};

/** One request to the public webhook: the channel's adapter verifies it, then `acceptOutcome`. */
export async function acceptWebhook(
  channel: string,
  request: WebhookRequest,
  deps: IngressDeps,
): Promise<IngressResult> {
  const adapter = await deps.adapterFor(channel);
  if (!adapter) throw new NotFoundError(`channel "${channel}" is not configured`);
  return acceptOutcome(await adapter.handle(request), deps);
}

/**
 * One SNS notification delivered to a Lambda subscription: the adapter of the channel that owns the
 * topic parses it, then `acceptOutcome`, exactly as for a webhook request. A topic no configured
 * channel owns is refused (UnknownTopicError): retrying cannot help until the channel's settings name
 * it, and the notification waits in the dead-letter queue meanwhile.
 */
export async function acceptNotification(
  notification: SnsNotification,
  deps: NotificationIngressDeps,
): Promise<IngressResult & { channel: string }> {
  const adapter = await deps.notificationAdapterFor(notification.topicArn);
  if (!adapter) throw new UnknownTopicError();
  const result = await acceptOutcome(await adapter.handle(notification), deps);
  return { ...result, channel: adapter.channel };
}

/**
 * What every channel's delivery becomes once its adapter has made messages of it, whatever carried it
 * (the public webhook, an SNS subscription): validated, masked and bounded, enqueued, and only then
 * acknowledged.
 */
export async function acceptOutcome(outcome: WebhookOutcome, deps: StoreDeps): Promise<IngressResult> {
  if (outcome.kind === "respond") {
    return {
      response: outcome.response,
      messages: [],
      ...(outcome.ignored ? { ignored: outcome.ignored } : {}),
    };
  }

  // Validate every message before enqueueing any, so a malformed batch leaves nothing half stored.
  const messages = outcome.messages.map((raw) => {
    const parsed = InboundMessageSchema.safeParse(raw);
    // zod's issues name fields and rules, never values: safe to keep as the cause.
    if (!parsed.success)
      throw new MalformedRequestError("the message does not normalise", { cause: parsed.error });
    return forQueue(parsed.data);
  });
  // A burst (a WeCom 微信客服 pull) must be stored within the platform's deadline: conversations are
  // stored concurrently, each one's messages in order, because FIFO order is the order of sending.
  const byConversation = new Map<string, InboundMessage[]>();
  for (const m of messages)
    byConversation.set(m.conversationKey, [...(byConversation.get(m.conversationKey) ?? []), m]);
  const conversations = [...byConversation.values()];
  const stored = await mapWithConcurrency(conversations, INGRESS_CONCURRENCY, async (conversation) => {
    const results: IngressResult["messages"] = [];
    for (const message of conversation) results.push(await store(message, deps));
    return results;
  });
  await outcome.afterEnqueue?.();
  return { response: outcome.ack, messages: stored.flat() };
}

/**
 * The message as it may leave the webhook: personal data (ID, bank card and phone numbers, e-mail
 * addresses) masked in everything the customer wrote or named — the text, their display name and
 * attachment names — and every field within MESSAGE_LIMITS. The routing fields the worker needs to
 * answer (sender id, reply addresses, replyContext) stay as they are.
 */
export function forQueue(message: InboundMessage): InboundMessage {
  const { name } = message.sender;
  return QueuedMessageSchema.parse({
    ...message,
    text: maskedText(message.text, L.textChars),
    sender: {
      ...message.sender,
      ...(name !== undefined ? { name: maskedText(name, L.senderNameChars) } : {}),
    },
    attachments: message.attachments.slice(0, L.attachments).map((a) => ({
      ...a,
      ...(a.name !== undefined ? { name: maskedText(a.name, L.attachmentNameChars) } : {}),
      ...(a.contentType !== undefined
        ? { contentType: truncateText(a.contentType, L.contentTypeChars) }
        : {}),
    })),
  });
}

/** Conversations of one burst stored at once: enough to store a 200-message pull well within 5 s. */
const INGRESS_CONCURRENCY = 8;

/** Enqueues one message; SQS drops it when a delivery of the same message was enqueued already. */
async function store(message: InboundMessage, deps: StoreDeps): Promise<IngressResult["messages"][number]> {
  try {
    await deps.enqueue(message);
  } catch (error) {
    throw new EnqueueError(error);
  }
  return { key: messageKey(message), channel: message.channel, result: "enqueued" };
}

export class EnqueueError extends KefuError {
  constructor(cause: unknown) {
    super(503, "enqueue_failed", "the message could not be queued; retry", { cause });
  }
}

/** An SNS notification from a topic no configured channel owns (its settings do not name it). */
export class UnknownTopicError extends KefuError {
  constructor() {
    super(403, "unknown_topic", "the SNS topic is not one of a configured channel's");
  }
}

/** One log entry for a failed webhook request: a level, a message and attributes safe to log. */
export interface FailureLog {
  level: "warn" | "error";
  message: string;
  attributes: { code: string; status: number; error?: unknown };
}

/**
 * How a failed webhook request or SNS notification is logged, once, by code. One we refuse (4xx: bad
 * signature, stale, malformed, unknown channel or topic) is expected, not an error: WARN, without a
 * stack. Faults (the queue refused, anything unexpected) are ERROR with their cause, which names the
 * failure, never the request body.
 */
export function failureLog(error: unknown, what: "webhook" | "notification" = "webhook"): FailureLog {
  if (error instanceof KefuError && error.status < 500) {
    return {
      level: "warn",
      message: `${what} rejected`,
      attributes: { code: error.code, status: error.status },
    };
  }
  const { code, status } = error instanceof KefuError ? error : { code: "internal_error", status: 500 };
  return { level: "error", message: `${what} failed`, attributes: { code, status, error } };
}

/** The one place errors become HTTP responses; bodies never echo the request. */
export function errorResponse(error: unknown): HttpResponse {
  if (error instanceof KefuError) {
    return {
      status: error.status,
      headers: {
        "content-type": "application/json",
        // RFC 9110: a 405 says which methods the resource takes.
        ...(error instanceof MethodNotAllowedError ? { allow: error.allowed.join(", ") } : {}),
      },
      body: JSON.stringify({ error: error.code, message: error.message }),
    };
  }
  return {
    status: 500,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: "internal_error", message: "internal error; retry" }),
  };
}
