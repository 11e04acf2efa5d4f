import type { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { wireAnalytics } from "../../shared/aws/analytics";
import { selectEngine } from "../../shared/aws/bedrock";
import { sdkChannelClients } from "../../shared/aws/channels";
import { documentClient } from "../../shared/aws/clients";
import { wireDeskRules } from "../../shared/aws/desk-rules";
import { observability } from "../../shared/aws/powertools";
import { readQueueBody, s3QueueBodyStore } from "../../shared/aws/queue-bodies";
import { s3BlobStore, s3Client } from "../../shared/aws/s3-blobs";
import { channelSender, createChannelSenders } from "../../shared/aws/senders";
import { channelTexts } from "../../shared/channels/registry";
import type { WorkerConfig } from "../../shared/config/load-desk";
import { ChannelApiError } from "../../shared/core/errors";
import { describeFailure } from "../../shared/core/failure";
import { pickRecorder } from "../../shared/core/picks";
import type { PipelineDeps, ReplyTexts } from "../../shared/core/pipeline/ports";
import { detectLanguage } from "../../shared/core/text";
import {
  handoffText,
  mediaUnsupportedText,
  sentence,
  type TextOverrides,
  textsFor,
  withChannelTexts,
} from "../../shared/core/texts";
import { bucketRulesSource } from "../../shared/kb/inspection-rules";
import { createEngineCache } from "../../shared/kb/knowledge";
import { withLearnedScope } from "../../shared/kb/learned";
import { ownPhrasings } from "../../shared/kb/picks";
import { createConversationStore } from "../../shared/stores/conversations";
import { createFaqRepository } from "../../shared/stores/faq";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { createOutboxStore } from "../../shared/stores/outbox";
import { createPickStore } from "../../shared/stores/picks";
import { createTicketStore } from "../../shared/stores/tickets";
import type { WorkerDeps } from "./handler";

/**
 * Builds what the worker uses, once per cold start, from its configuration: the pipeline's stores, the
 * answer engine (cached per knowledge-base version), the channels' senders and the agents' alerts, and
 * how a queue record becomes a message (inline, or by reference to S3). No dedup table.
 */
export function wireWorker(config: WorkerConfig, options: { logger?: Logger } = {}): WorkerDeps {
  const { logger, metrics } = observability(config.runtime, options);
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const channels = createChannelSenders(config, sdkChannelClients(config.runtime, doc, s3));
  const bodies = s3QueueBodyStore(s3, config.faqBucket);

  const selection = selectEngine({
    engine: config.engine,
    thresholds: config.thresholds,
    region: config.runtime.region,
    onError: (error, stage) => logger.warn("answer engine degraded", { stage, ...describeFailure(error) }),
  });
  const kb = config.knowledgeBase.name;
  // The FAQ category of each entry of the current version: a ticket's skills follow its top candidate's.
  let categories = new Map<string, string>();
  // A pick of an entry for one of its own phrasings teaches nothing and is not recorded.
  let isPhrasingOf: (faqId: string, wording: string) => boolean = () => false;
  const engines = createEngineCache({
    source: createFaqRepository(doc, config.tables.faq),
    kb,
    build: (all) => {
      // Paid on the first message after a cold start or a KB change: worth seeing in the logs.
      const started = performance.now();
      categories = new Map(all.flatMap((e) => (e.category ? [[e.id, e.category] as const] : [])));
      isPhrasingOf = ownPhrasings(all);
      // The entries answer; the version's out-of-scope wordings veto answers near them (either engine).
      let entries = 0;
      const engine = withLearnedScope(all, (answerable) => {
        entries = answerable.length;
        return selection.build(answerable);
      });
      logger.info("knowledge base indexed", {
        kb,
        engine: selection.kind,
        entries,
        outOfScope: all.length - entries,
        ms: Math.round(performance.now() - started),
      });
      return engine;
    },
    refreshMs: config.knowledgeBase.refreshMs,
    vectors: selection.vectors,
  });

  const tickets = createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
  // The rule set in force, re-read from the bucket at most every rulesRefreshMs.
  const rules = bucketRulesSource(s3BlobStore(s3, config.faqBucket), {
    refreshMs: config.inspection.rulesRefreshMs,
  });
  const desk = wireDeskRules(config, { doc, tickets, logger, categoryOf: (faqId) => categories.get(faqId) });

  const analytics = wireAnalytics(config, {
    s3,
    doc,
    source: "worker",
    metrics,
    logger,
  });
  const pipeline: PipelineDeps = {
    conversations: createConversationStore(doc, config.tables.conversations),
    tickets,
    desk: desk.hooks,
    outbox: createOutboxStore(doc, config.tables.outbox),
    engine: () => engines.engine(),
    // Only inspected messages go out, each counted as sent (shared/core/outgoing.ts).
    send: channelSender(channels, { analytics }),
    async handoffChannel(message, ticketId, sendOptions) {
      const adapter = await channels.outbound(message.channel);
      await adapter?.handoff?.(message, ticketId, sendOptions);
    },
    async keywordAnswer(message) {
      const adapter = await channels.outbound(message.channel);
      if (!adapter?.keywordAnswer) {
        throw new ChannelApiError(`channel ${message.channel} cannot answer keywords`, { retryable: false });
      }
      return adapter.keywordAnswer(message);
    },
    notifyAgents: desk.onHandoff,
    analytics,
    picks: pickRecorder({
      store: createPickStore(doc, config.tables.picks),
      isPhrasingOf: (faqId, wording) => isPhrasingOf(faqId, wording),
      kbVersion: () => engines.version,
      onError(error) {
        // A lost pick costs a suggestion, never the answer, which went out already. No wording logged.
        metrics.addMetric("PicksNotRecorded", MetricUnit.Count, 1);
        logger.warn("clarify pick not recorded", { ...describeFailure(error) });
      },
    }),
    texts: replyTexts(withChannelTexts(config.texts, channelTexts())),
    inspection: {
      rules: () => rules.current(),
      audit: createInspectionAuditStore(doc, config.tables.inspections),
      fallback: config.inspection.fallback,
    },
    detectLanguage: (text) => detectLanguage(text),
    now: () => new Date(),
  };

  return {
    pipeline,
    parse: (record: SQSRecord) => readQueueBody(record.body, bodies),
    logger,
    metrics,
  };
}

/** The bot's fixed sentences, in the operators' wording over the channels' and the defaults. */
export function replyTexts(overrides: TextOverrides): ReplyTexts {
  return {
    disclosure: (channel, language) => textsFor(language, channel, overrides).disclosure,
    // The disclosure doubles as the greeting: it says who answers and how to reach a person.
    welcome: (channel, language) => textsFor(language, channel, overrides).disclosure,
    handoff: (ticketId, language, channel) => handoffText(language, ticketId, channel, overrides),
    mediaUnsupported: (language, channel) => mediaUnsupportedText(language, channel, overrides),
    say: (name, language, channel, vars) => sentence(name, language, channel, overrides, vars),
  };
}
