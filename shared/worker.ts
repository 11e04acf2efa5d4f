import { selectEngine } from "./ai/engine-select";
import { snsClient } from "./aws";
import type { SendOptions } from "./core/delivery";
import { handoffText, mediaUnsupportedText, textOverridesFromEnv, textsFor } from "./core/disclosure";
import type { OutboundMessage } from "./core/message";
import type { PipelineDeps } from "./core/pipeline";
import { createEngineCache } from "./kb/knowledge";
import { detectLanguage } from "./kb/tokenize";
import { snsAgentNotifier } from "./notify";
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
    onError: (error, stage) => runtime.logger.warn("answer engine degraded", { stage, error }),
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
    notifyAgents: snsAgentNotifier(snsClient(config), config.KEFU_AGENT_TOPIC_ARN),
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
