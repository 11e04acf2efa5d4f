import type { Logger } from "@aws-lambda-powertools/logger";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { createBedrockEmbedder, type TitanDimensions } from "../../shared/ai/bedrock-embedder";
import { createBedrockGenerator } from "../../shared/ai/bedrock-generator";
import { publishedAtOnce, wireAnalytics } from "../../shared/aws/analytics";
import { bedrockClient } from "../../shared/aws/bedrock";
import { sdkChannelClients } from "../../shared/aws/channels";
import { documentClient } from "../../shared/aws/clients";
import { cognitoClient, cognitoDirectory } from "../../shared/aws/cognito-directory";
import { csatTextFor } from "../../shared/aws/desk-rules";
import { observability } from "../../shared/aws/powertools";
import { s3BlobStore, s3Client, s3UploadSigner } from "../../shared/aws/s3-blobs";
import { channelSender, createChannelSenders } from "../../shared/aws/senders";
import { channelTexts } from "../../shared/channels/registry";
import { isOptedOut } from "../../shared/channels/sms-common/channel";
import { type EngineConfig, guardrailFromConfig } from "../../shared/config/engine";
import type { DeskApiConfig } from "../../shared/config/load-desk";
import { describeFailure } from "../../shared/core/failure";
import { faqIndex } from "../../shared/kb/faq-index";
import type { ImportReport } from "../../shared/kb/import/import";
import { bucketRulesSource } from "../../shared/kb/inspection-rules";
import { EMBEDDING_CLUSTER_THRESHOLD, embeddedVectors } from "../../shared/kb/suggestions";
import { FAQ_BUCKET } from "../../shared/resources";
import { createAgentStore } from "../../shared/stores/agents";
import { createAnalyticsCounters } from "../../shared/stores/analytics-counters";
import { createChangeStore } from "../../shared/stores/changes";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { createDeskTicketStore } from "../../shared/stores/desk-tickets";
import { createFaqRepository } from "../../shared/stores/faq";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { createOutboxStore } from "../../shared/stores/outbox";
import { createPickStore } from "../../shared/stores/picks";
import { createReviewStore } from "../../shared/stores/reviews";
import { sdkDocumentTable } from "../../shared/stores/sdk-table";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { modelDraft } from "./assist";
import { cognitoAuthenticator } from "./auth";
import type { DeskApiDeps } from "./handler";
import { mount } from "./router";
import { type AgentsDeps, agentRoutes } from "./routes/agents";
import { type KbRoutesDeps, kbRoutes } from "./routes/kb";
import { type QualityDeps, qualityRoutes } from "./routes/quality";
import { type ReportsDeps, reportRoutes } from "./routes/reports";
import { type SuggestionRoutesDeps, suggestionRoutes } from "./routes/suggestions";
import { type TeachDeps, teachRoutes } from "./routes/teach";
import { type TicketRoutesDeps, ticketRoutes } from "./routes/tickets";

/** Seconds a presigned upload URL stays valid: long enough to pick a file, short enough to be useless later. */
const UPLOAD_URL_TTL_SECONDS = 300;

/**
 * Builds the desk API once per cold start from its configuration: the ticket store, the channels' senders
 * (the worker's own) with the outbox, the FAQ (cached per knowledge-base version), the bucket, the agents
 * and the taught changes, and the token verifier. Each area of routes gets the dependencies it declares.
 */
export function wireDeskApi(
  config: DeskApiConfig,
  options: {
    logger?: Logger;
    /**
     * Where the browser PUTs an uploaded FAQ file, when not the bucket's own address: the local stack's
     * origin, which forwards it to the emulator (local/bucket-uploads.ts). Unset in AWS.
     */
    uploadEndpoint?: string;
  } = {},
): DeskApiDeps {
  const { logger, metrics } = observability(config.runtime, options);
  const doc = documentClient(config.runtime);
  const s3 = s3Client(config.runtime);
  const uploadSigner = s3UploadSigner(config.runtime, options.uploadEndpoint);
  const channels = createChannelSenders(config, sdkChannelClients(config.runtime, doc, s3));
  const state = createChannelStateStore(sdkDocumentTable(doc), config.tables.tokens);
  const tickets = createDeskTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
  const repo = createFaqRepository(doc, config.tables.faq);
  const faq = faqIndex(repo, config.knowledgeBase.name, config.knowledgeBase.refreshMs);
  const blobs = s3BlobStore(s3, config.faqBucket);
  const agents = createAgentStore(doc, config.tables.agents);
  const rules = bucketRulesSource(blobs, { refreshMs: config.inspection.rulesRefreshMs });
  const inspection = {
    rules: () => rules.current(),
    audit: createInspectionAuditStore(doc, config.tables.inspections),
  };

  const analytics = wireAnalytics(config, {
    s3,
    doc,
    source: "desk-api",
    metrics: publishedAtOnce(metrics),
    logger,
  });
  const ticketDeps: TicketRoutesDeps = {
    tickets,
    faqEntries: faq.entries,
    // Only inspected messages go out, each counted as sent (shared/core/outgoing.ts).
    send: channelSender(channels, { analytics }),
    outbox: createOutboxStore(doc, config.tables.outbox),
    async optedOut(ticket) {
      if (ticket.channel !== "sms" && ticket.channel !== "twilio") return false;
      return isOptedOut(state, ticket.channel, ticket.replyTo?.from ?? "", ticket.customerId);
    },
    audit: (event, data) => logger.info("desk audit", { event, ...data }),
    agents,
    care: createTicketDeskStore(doc, config.tables.tickets),
    csat: {
      windowMs: config.deskRules.csatWindowMs,
      text: csatTextFor(config.deskRules.csatTexts),
      channelTexts: channelTexts(),
    },
    inspection,
    analytics,
  };
  const qualityDeps: QualityDeps = {
    ...inspection,
    tickets,
    counters: createAnalyticsCounters(doc, config.tables.analyticsCounters),
    reviews: createReviewStore(doc, config.tables.reviews),
    reviewGrader: config.review.grader,
  };
  // One embedder for both (Bedrock): the report's unanswered topics cluster as the suggestions do.
  const vectors = suggestionVectors(config.engine, config.runtime);
  const reportsDeps: ReportsDeps = {
    counters: createAnalyticsCounters(doc, config.tables.analyticsCounters),
    timeZone: config.reports.timeZone,
    tickets,
    retriever: faq.retriever,
    ...vectors,
  };
  const kbDeps: KbRoutesDeps = {
    kb: config.knowledgeBase.name,
    search: faq.search,
    faqEntries: faq.entries,
    ticket: (id) => tickets.get(id),
    presignUpload: (key) => presignUpload(uploadSigner, config.faqBucket, key),
    reports: (limit) => listReports(s3, config.faqBucket, limit),
    report: async (name) => parseReport(await blobs.getText(`${FAQ_BUCKET.reportsPrefix}${name}.json`)),
    repo,
    blobs,
    ...draftFor(config.engine, config.runtime, {
      faqEntries: faq.entries,
      onError: (error) => logger.warn("agent draft failed", { ...describeFailure(error) }),
    }),
  };
  const agentsDeps: AgentsDeps = {
    directory: cognitoDirectory(cognitoClient(config.runtime, config.deskAuth), config.deskAuth.userPoolId),
    agents,
    routing: config.deskRules.routing,
  };
  const changes = createChangeStore(doc, config.tables.changes);
  const faqEntry = async (id: string) => (await faq.entries([id])).get(id);
  const teachDeps: TeachDeps = { changes, tickets, faqEntry, blobs };
  const suggestionDeps: SuggestionRoutesDeps = {
    tickets,
    changes,
    retriever: faq.retriever,
    faqEntry,
    picks: createPickStore(doc, config.tables.picks),
    onPicksError: (error) => logger.warn("picks unavailable", { ...describeFailure(error) }),
    ...suggestionVectors(config.engine, config.runtime),
  };

  return {
    routes: [
      ...mount(ticketRoutes, ticketDeps),
      ...mount(kbRoutes, kbDeps),
      ...mount(agentRoutes, agentsDeps),
      ...mount(teachRoutes, teachDeps),
      ...mount(suggestionRoutes, suggestionDeps),
      ...mount(qualityRoutes, qualityDeps),
      ...mount(reportRoutes, reportsDeps),
    ],
    authenticate: cognitoAuthenticator(config.deskAuth),
    logger,
  };
}

/**
 * The model draft offered to agents beside the approved answers: the worker's answer model, in AWS with
 * Bedrock. The local engine writes no text of its own, so locally agents get the approved answers only.
 */
function draftFor(
  engine: EngineConfig,
  runtime: DeskApiConfig["runtime"],
  deps: Parameters<typeof modelDraft>[1],
): Pick<KbRoutesDeps, "draft"> {
  const modelId = engine.bedrock.KEFU_ANSWER_MODEL_ID;
  if (engine.kind !== "bedrock" || !modelId) return {};
  const guardrail = guardrailFromConfig(engine.bedrock);
  const generator = createBedrockGenerator({
    client: bedrockClient(runtime),
    modelId,
    timeoutMs: engine.bedrock.KEFU_ANSWER_TIMEOUT_MS,
    ...(guardrail ? { guardrail } : {}),
  });
  return { draft: modelDraft(generator, deps) };
}

/**
 * How unanswered questions are compared when grouped into suggestions: by the knowledge base's own
 * embedding model with the Bedrock engine, by lexical vectors (the default) otherwise.
 */
function suggestionVectors(
  engine: EngineConfig,
  runtime: DeskApiConfig["runtime"],
): Pick<SuggestionRoutesDeps, "vectors" | "threshold"> {
  if (engine.kind !== "bedrock") return {};
  const embedder = createBedrockEmbedder({
    client: bedrockClient(runtime),
    modelId: engine.bedrock.KEFU_EMBEDDING_MODEL_ID,
    dimensions: engine.bedrock.KEFU_EMBEDDING_DIMENSIONS as TitanDimensions,
  });
  return { vectors: (texts) => embeddedVectors(texts, embedder), threshold: EMBEDDING_CLUSTER_THRESHOLD };
}

/** A presigned PUT of one key (the signer: s3UploadSigner), and the headers the browser must send. */
export async function presignUpload(s3: S3Client, bucket: string, key: string, signingDate?: Date) {
  const contentType = "application/octet-stream";
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
    // signingDate: the local stack signs again to check a URL was the desk's (local/bucket-uploads.ts).
    { expiresIn: UPLOAD_URL_TTL_SECONDS, ...(signingDate ? { signingDate } : {}) },
  );
  return { url, headers: { "Content-Type": contentType } };
}

/** The newest reports under reports/ (S3 lists keys in name order, so all keys are listed, then sorted). */
async function listReports(s3: S3Client, bucket: string, limit: number): Promise<ImportReport[]> {
  const objects: { key: string; at: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: FAQ_BUCKET.reportsPrefix,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith(".json")) objects.push({ key: o.Key, at: o.LastModified?.getTime() ?? 0 });
    }
    token = page.NextContinuationToken;
  } while (token);
  objects.sort((a, b) => b.at - a.at);
  const reports = await Promise.all(
    objects.slice(0, limit).map(async ({ key }) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return parseReport(await object.Body?.transformToString());
    }),
  );
  return reports.filter((r): r is ImportReport => r !== undefined);
}

function parseReport(text: string | undefined): ImportReport | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ImportReport;
  } catch {
    return undefined;
  }
}
