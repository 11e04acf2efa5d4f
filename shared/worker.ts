import {
  processPartialResponse,
  SqsFifoMessageGroupShortCircuitError,
  SqsFifoPartialProcessorAsync,
  SqsFifoShortCircuitError,
} from "@aws-lambda-powertools/batch";
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { selectEngine } from "./ai/engine-select";
import { snsClient } from "./aws";
import { BUDGET, Deadline } from "./core/deadline";
import type { SendOptions } from "./core/delivery";
import { handoffText, mediaUnsupportedText, textOverridesFromEnv, textsFor } from "./core/disclosure";
import { ChannelApiError } from "./core/errors";
import type { InboundMessage, OutboundMessage } from "./core/message";
import { type PipelineDeps, type PipelineOutcome, processMessage } from "./core/pipeline";
import { describeFailure } from "./failure";
import { createEngineCache } from "./kb/knowledge";
import { detectLanguage } from "./kb/tokenize";
import { alertIds, snsAgentNotifier } from "./notify";
import { INBOUND_QUEUE } from "./resources";
import { channelSender, type Runtime } from "./runtime";
import { createConversationStore } from "./stores/conversations";
import { createFaqRepository } from "./stores/faq";
import { createOutboxStore } from "./stores/outbox";
import { createTicketStore } from "./stores/tickets";

/**
 * Assembles the worker's pipeline from AWS clients and configuration, once per cold start. The local
 * stack's worker runs exactly this.
 */
export function createPipelineDeps(runtime: Runtime, env: NodeJS.ProcessEnv = process.env): PipelineDeps {
  const { config, doc } = runtime;
  // Engine kind, Bedrock settings and thresholds are validated here, at cold start.
  const selection = selectEngine({
    env: { ...env, ...(config.KEFU_ENGINE ? { KEFU_ENGINE: config.KEFU_ENGINE } : {}) },
    mode: config.KEFU_MODE,
    region: config.AWS_REGION,
    onError: (error, stage) =>
      runtime.logger.warn("answer engine degraded", { stage, ...describeFailure(error) }),
  });
  const overrides = textOverridesFromEnv(env.KEFU_TEXT_OVERRIDES);
  const engines = createEngineCache({
    source: createFaqRepository(doc, config.KEFU_FAQ_TABLE),
    kb: config.KEFU_KB,
    build: (entries) => {
      // Paid on the first message after a cold start or a KB change: worth seeing in the logs.
      const started = performance.now();
      const engine = selection.build(entries);
      runtime.logger.info("knowledge base indexed", {
        kb: config.KEFU_KB,
        engine: selection.kind,
        entries: entries.length,
        ms: Math.round(performance.now() - started),
      });
      return engine;
    },
    refreshMs: config.KEFU_KB_REFRESH_MS,
    vectors: selection.vectors,
  });

  return {
    conversations: createConversationStore(doc, config.KEFU_CONVERSATIONS_TABLE),
    tickets: createTicketStore(doc, config.KEFU_TICKETS_TABLE, config.KEFU_TICKET_TURNS_TABLE),
    outbox: createOutboxStore(doc, config.KEFU_OUTBOX_TABLE),
    engine: () => engines.engine(),
    send: channelSender(runtime),
    async handoffChannel(message: OutboundMessage, ticketId: string, options?: SendOptions) {
      const adapter = await runtime.channels.outbound(message.channel);
      await adapter?.handoff?.(message, ticketId, options);
    },
    async answerKeyword(message: InboundMessage, options?: SendOptions) {
      const adapter = await runtime.channels.outbound(message.channel);
      if (!adapter?.answerKeyword) {
        throw new ChannelApiError(`channel ${message.channel} cannot answer keywords`, { retryable: false });
      }
      await adapter.answerKeyword(message, options);
    },
    notifyAgents: snsAgentNotifier(
      snsClient(config),
      config.KEFU_AGENT_TOPIC_ARN,
      alertIds(doc, config.KEFU_TOKENS_TABLE),
    ),
    texts: {
      disclosure: (channel, language) => textsFor(language, channel, overrides).disclosure,
      // The disclosure doubles as the greeting: it says who answers and how to reach a person.
      welcome: (channel, language) => textsFor(language, channel, overrides).disclosure,
      handoff: (ticketId, language, channel) => handoffText(language, ticketId, channel, overrides),
      mediaUnsupported: (language, channel) => mediaUnsupportedText(language, channel, overrides),
    },
    detectLanguage: (text) => detectLanguage(text),
    now: () => new Date(),
  };
}

/** The levels the worker logs at, with structured fields (the Powertools Logger in Lambda). */
export interface WorkerLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** What the queue worker needs besides the pipeline: how to read a record, and where to report. */
export interface QueueWorkerOptions {
  deps: PipelineDeps;
  /** The InboundMessage a queue record carries; throws when the body is not one. */
  parse(record: SQSRecord): InboundMessage | Promise<InboundMessage>;
  logger: WorkerLogger;
  metrics: Pick<Metrics, "addMetric" | "singleMetric">;
  /** The queue's redrive setting: the receive after which a failed message goes to the dead-letter queue. */
  maxReceiveCount?: number;
}

/**
 * The SQS FIFO batch handler with partial failures: a failed record (and the later records of its
 * conversation, to keep order) returns to the queue and is retried, then goes to the dead-letter queue;
 * other conversations in the batch are unaffected. The invocation's remaining time becomes the
 * messages' deadline. Every failure is logged once, by code and the message's ids, never its text.
 */
export function createQueueWorker(options: QueueWorkerOptions) {
  const { deps, logger, metrics } = options;
  const maxReceiveCount = options.maxReceiveCount ?? INBOUND_QUEUE.maxReceiveCount;

  async function handleRecord(record: SQSRecord, deadline: Deadline): Promise<void> {
    const message = await options.parse(record);
    let outcome: PipelineOutcome;
    try {
      outcome = await processMessage(message, deps, { deadline });
    } catch (error) {
      if (!isPermanent(error)) throw error;
      // DynamoDB refused the record as invalid (too large, malformed): every retry would fail alike.
      metrics.addMetric("MessagesFailedPermanently", MetricUnit.Count, 1);
      logger.error("message failed permanently; not retried", {
        ...recordIds(record),
        ...describeFailure(error),
      });
      return;
    }
    // One EMF record per message, so that a batch mixing channels reports each under its own channel:
    // containment, hand-off reasons and channel mix come from these.
    const perChannel = metrics.singleMetric();
    perChannel.addDimension("channel", message.channel);
    perChannel.addMetric(`Outcome_${outcome.action}`, MetricUnit.Count, 1);
    if (outcome.action === "handed_off") {
      const reason = metrics.singleMetric();
      reason.addDimensions({ channel: message.channel, reason: outcome.reason });
      reason.addMetric("Handoffs", MetricUnit.Count, 1);
    }
    // A reply that went out without its outbox record is answered; the missing record is worth a warning.
    logger[outcome.unrecorded ? "warn" : "info"]("message processed", { ...recordIds(record), ...outcome });
  }

  function reportFailure(record: SQSRecord, error: unknown): void {
    const ids = recordIds(record);
    const failure = heldBack(error)
      ? { code: "held_back", detail: "an earlier message of its conversation failed in this batch" }
      : describeFailure(error);
    if (ids.receiveCount >= maxReceiveCount) {
      metrics.addMetric("MessagesDeadLettered", MetricUnit.Count, 1);
      logger.error("message failed on its last receive; it goes to the dead-letter queue", {
        ...ids,
        maxReceiveCount,
        ...failure,
      });
      return;
    }
    metrics.addMetric("MessagesRetried", MetricUnit.Count, 1);
    logger.warn("message failed; it returns to the queue", { ...ids, maxReceiveCount, ...failure });
  }

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    metrics.addMetric("RecordsReceived", MetricUnit.Count, event.Records.length);
    const deadline = Deadline.in(context.getRemainingTimeInMillis() - BUDGET.invocationReserveMs);
    const processor = new ReportingFifoProcessor(reportFailure);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, deadline), processor, {
      context,
      skipGroupOnError: true,
      // Every failed record is reported as such; a batch that failed whole is no exception to log.
      throwOnFullBatchFailure: false,
    });
  };
}

/** The FIFO processor, telling `onFailure` of every failed record: its own failures and those held back. */
class ReportingFifoProcessor extends SqsFifoPartialProcessorAsync {
  constructor(private readonly onFailure: (record: SQSRecord, error: unknown) => void) {
    super();
  }

  override failureHandler(...[record, error]: Parameters<SqsFifoPartialProcessorAsync["failureHandler"]>) {
    this.onFailure(record as SQSRecord, error);
    return super.failureHandler(record, error);
  }
}

/** A record failed without being tried because an earlier record of the batch (or its group) failed. */
function heldBack(error: unknown): boolean {
  return error instanceof SqsFifoMessageGroupShortCircuitError || error instanceof SqsFifoShortCircuitError;
}

/** Retrying cannot help: DynamoDB judged the request itself invalid (an item over 400 KB…). */
function isPermanent(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === "ValidationException";
}

/** The ids a log line about a record may carry: never the text, the sender or the conversation key. */
function recordIds(record: SQSRecord): {
  channel?: string;
  messageId?: string;
  sqsMessageId: string;
  receiveCount: number;
} {
  let body: { channel?: unknown; id?: unknown } = {};
  try {
    body = JSON.parse(record.body);
  } catch {
    // Not JSON: the SQS ids still identify it.
  }
  return {
    ...(typeof body.channel === "string" ? { channel: body.channel } : {}),
    ...(typeof body.id === "string" ? { messageId: body.id } : {}),
    sqsMessageId: record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
  };
}
