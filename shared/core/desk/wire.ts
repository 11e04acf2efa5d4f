import { z } from "zod";
import type { HandoffReason as EngineHandoffReason } from "../engine";
import { ConversationReviewSchema, type HeuristicReason } from "../quality/review";

/**
 * The desk API's wire shapes (docs/desk-api.md, contract v1), in one place: the desk-api Lambda builds
 * its answers with these types, the desk app and its dev mock read them (`import type` only, so the
 * browser bundle carries no zod), and the contract test parses both back ends' answers with the schemas.
 * Objects are loose on purpose: a field added on one side is not a break, a missing or retyped one is.
 */

export const ChannelSchema = z.enum(["wechat", "wecom", "wecom-kf", "dingtalk", "email", "sms", "twilio"]);
export const PrioritySchema = z.enum(["low", "normal", "high", "urgent"]);
export const TicketStatusSchema = z.enum(["open", "assigned", "resolved"]);
export const GroupSchema = z.enum(["agent", "supervisor", "admin", "pii"]);
export type Channel = z.infer<typeof ChannelSchema>;
export type Priority = z.infer<typeof PrioritySchema>;
export type TicketStatus = z.infer<typeof TicketStatusSchema>;
export type Group = z.infer<typeof GroupSchema>;
export type QueueView = "mine" | "unassigned" | "open" | "breaching";
/** Known reasons (the engine's), and any reason a newer back end adds. */
export type HandoffReason = EngineHandoffReason | (string & {});

/** A skill group a ticket can be transferred to (GET /skills). */
export const SkillGroupSchema = z.object({ id: z.string(), label: z.string(), labelZh: z.string() });
export type SkillGroup = z.infer<typeof SkillGroupSchema>;

export const SlaSchema = z.object({
  firstResponseDueAt: z.string().optional(),
  resolutionDueAt: z.string().optional(),
  firstRespondedAt: z.string().optional(),
  breached: z.array(z.enum(["first_response", "resolution"])),
});
export type Sla = z.infer<typeof SlaSchema>;

export const TicketSummarySchema = z.object({
  ticketId: z.string(),
  channel: ChannelSchema,
  status: TicketStatusSchema,
  priority: PrioritySchema,
  reason: z.string() as z.ZodType<HandoffReason>,
  language: z.string(),
  skills: z.array(z.string()),
  vip: z.boolean(),
  assignee: z.string().optional(),
  customer: z.object({ display: z.string() }),
  preview: z.string(),
  /** The customer's question, when the message that opened the ticket is not it (a "yes" to a person offered). */
  question: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastCustomerAt: z.string().optional(),
  sla: SlaSchema,
  unread: z.number().int().nonnegative(),
});
export type TicketSummary = z.infer<typeof TicketSummarySchema>;

export const TurnSchema = z.object({
  role: z.enum(["customer", "bot", "agent", "note", "system"]),
  text: z.string(),
  at: z.string(),
  agent: z.string().optional(),
  omittedBytes: z.number().optional(),
  suggestion: z
    .object({ kind: z.enum(["faq", "model"]), id: z.string().optional(), edited: z.boolean() })
    .optional(),
  /**
   * `unknown`: an agent's reply sent without an answer from the channel, the customer may or may not have
   * it. `refused`: the bot's hand-off notice, refused by the platform, the customer does not have it.
   */
  delivery: z.enum(["unknown", "refused"]).optional(),
});
export type Turn = z.infer<typeof TurnSchema>;

/**
 * POST /tickets/:id/reply. 200: delivered, in `parts` parts. 202 with `delivery: "unknown"`: the part
 * `unknownPart` (0-based) went out and the channel never answered, so the customer may have the reply;
 * it is recorded (`turn.delivery`) and not sent again unless the agent sends it again.
 */
export const AgentReplyResultSchema = z.object({
  turn: TurnSchema,
  parts: z.number().int().nonnegative(),
  delivery: z.literal("unknown").optional(),
  unknownPart: z.number().int().nonnegative().optional(),
});
export type AgentReplyResult = z.infer<typeof AgentReplyResultSchema>;

export const ChannelConstraintsSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("weixin"),
    maxPartBytes: z.literal(2048),
    maxParts: z.number().optional(),
    windowEndsAt: z.string().optional(),
  }),
  z.object({
    kind: z.literal("sms"),
    gsmSegment: z.literal(160),
    gsmConcatSegment: z.literal(153),
    ucs2Segment: z.literal(70),
    ucs2ConcatSegment: z.literal(67),
    maxSegments: z.number(),
    optedOut: z.boolean(),
  }),
  z.object({ kind: z.literal("email"), subject: z.string(), threaded: z.boolean() }),
  z.object({ kind: z.literal("dingtalk"), maxPartBytes: z.literal(6000) }),
]);
export type ChannelConstraints = z.infer<typeof ChannelConstraintsSchema>;

/**
 * An SMS ticket's constraints: the GSM-7 and UCS-2 segment sizes the schema fixes (shared/channels/
 * sms-common/encoding.ts says why they are these), the segments a reply may take, and whether the
 * customer opted out.
 */
export function smsConstraints(
  maxSegments: number,
  optedOut: boolean,
): Extract<ChannelConstraints, { kind: "sms" }> {
  return {
    kind: "sms",
    gsmSegment: 160,
    gsmConcatSegment: 153,
    ucs2Segment: 70,
    ucs2ConcatSegment: 67,
    maxSegments,
    optedOut,
  };
}

export const FaqCandidateSchema = z.object({
  faqId: z.string(),
  score: z.number(),
  question: z.string(),
  answer: z.string(),
  category: z.string().optional(),
  /** The bot offered this entry and the customer said none of those offered was meant (score 0). */
  rejectedByCustomer: z.boolean().optional(),
});
export type FaqCandidate = z.infer<typeof FaqCandidateSchema>;

export const CsatSchema = z.object({
  score: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  comment: z.string().optional(),
  at: z.string(),
});

export const TicketDetailSchema = TicketSummarySchema.omit({ customer: true }).extend({
  detail: z.string().optional(),
  transcript: z.array(TurnSchema),
  omittedTurns: z.number().optional(),
  candidates: z.array(FaqCandidateSchema),
  customer: z.object({ display: z.string(), channelId: z.string(), revealable: z.boolean() }),
  earlierTickets: z.array(
    z.object({ ticketId: z.string(), status: TicketStatusSchema, reason: z.string(), createdAt: z.string() }),
  ),
  constraints: ChannelConstraintsSchema,
  resolvedAt: z.string().optional(),
  reopenedAt: z.string().optional(),
  /** When the customer was asked to rate the help (at the resolve), and their rating. */
  csatAskedAt: z.string().optional(),
  csat: CsatSchema.optional(),
});
export type TicketDetail = z.infer<typeof TicketDetailSchema>;

export const FaqHitSchema = z.object({
  id: z.string(),
  question: z.string(),
  answer: z.string(),
  category: z.string().optional(),
  score: z.number().optional(),
});
export type FaqHit = z.infer<typeof FaqHitSchema>;

/** A one-click draft on the ticket page (GET /tickets/:id/suggestions). */
export const SuggestionSchema = z.object({
  id: z.string(),
  kind: z.enum(["faq", "model"]),
  faqId: z.string().optional(),
  text: z.string(),
  score: z.number().optional(),
});
export type Suggestion = z.infer<typeof SuggestionSchema>;

/** How an import ended (shared/kb/import: ImportStatus); `queued` until the import function runs. */
export const ImportStatusSchema = z.enum(["applied", "partial", "rejected", "failed", "queued", "empty"]);
export type ImportStatus = z.infer<typeof ImportStatusSchema>;
/** The import's counts (shared/kb/import: ImportCounts); none yet while queued. */
export const ImportCountsSchema = z.partialRecord(
  z.enum(["total", "inserted", "updated", "unchanged", "deleted", "rejected"]),
  z.number(),
);
export type ImportCounts = z.infer<typeof ImportCountsSchema>;

export const ImportReportSummarySchema = z.object({
  upload: z.string(),
  version: z.string().optional(),
  status: ImportStatusSchema,
  counts: ImportCountsSchema,
  rejected: z.array(
    z.object({
      row: z.number(),
      id: z.string().optional(),
      field: z.string().optional(),
      code: z.string(),
      message: z.string(),
    }),
  ),
  /** Why nothing of the file was imported (status failed), in the admin's language. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** Why nothing changed although nothing failed (status empty). */
  warning: z.object({ code: z.string(), message: z.string() }).optional(),
  at: z.string().optional(),
});
export type ImportReportSummary = z.infer<typeof ImportReportSummarySchema>;

export const PendingChangeSchema = z.object({
  id: z.string(),
  kind: z.enum(["phrasing", "entry", "out_of_scope"]),
  status: z.enum(["pending", "approved", "rejected"]),
  faqId: z.string().optional(),
  text: z.string().optional(),
  /** Several wordings in one change (from a learning suggestion); `text` is the first. */
  texts: z.array(z.string()).optional(),
  suggestionId: z.string().optional(),
  question: z.string().optional(),
  answer: z.string().optional(),
  category: z.string().optional(),
  ticketId: z.string().optional(),
  author: z.string(),
  createdAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  note: z.string().optional(),
  report: ImportReportSummarySchema.optional(),
});
export type PendingChange = z.infer<typeof PendingChangeSchema>;

export const AgentSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  groups: z.array(z.string()),
  skills: z.array(z.string()),
  status: z.enum(["online", "away"]),
  maxConcurrent: z.number().int().nonnegative(),
  openTickets: z.number().int().nonnegative(),
});
export type Agent = z.infer<typeof AgentSchema>;

export const MeSchema = AgentSchema.omit({ openTickets: true });
export type Me = z.infer<typeof MeSchema>;

/** `current` is null before the first import. */
export const FaqVersionsSchema = z.object({
  current: z.string().nullable(),
  versions: z.array(z.object({ version: z.string(), at: z.string(), entries: z.number() })),
});
export type FaqVersions = z.infer<typeof FaqVersionsSchema>;

export const UploadTargetSchema = z.object({
  url: z.string(),
  key: z.string(),
  headers: z.record(z.string(), z.string()),
  /** What GET /faq/imports/:name takes for this upload (the key's file name). */
  name: z.string().optional(),
});
export type UploadTarget = z.infer<typeof UploadTargetSchema>;

/** The body of every error response. */
export const ApiErrorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  messageZh: z.string(),
  fields: z.record(z.string(), z.string()).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/**
 * A topic of unanswered questions, or the wordings customers picked one entry for when the bot offered
 * options (reason "picked", with `picked`) (GET /insights/suggestions).
 */
export const LearningSuggestionSchema = z.object({
  id: z.string(),
  representative: z.string(),
  count: z.number(),
  reasons: z.partialRecord(
    z.enum(["low_confidence", "failed_clarify", "dissatisfied", "picked"]),
    z.number(),
  ),
  examples: z.array(z.string()),
  closest: z.array(z.object({ faqId: z.string(), score: z.number(), matchedQuestion: z.string() })),
  ticketIds: z.array(z.string()),
  firstAt: z.string(),
  lastAt: z.string(),
  /** The entry customers picked for these wordings, and the other entries picked for the same wordings. */
  picked: z
    .object({
      faqId: z.string(),
      question: z.string(),
      others: z.array(z.object({ faqId: z.string(), count: z.number() })),
    })
    .optional(),
});
export type LearningSuggestion = z.infer<typeof LearningSuggestionSchema>;

/**
 * The QA queue (GET /quality/reviews): the reviews of resolved, human-handled tickets (scores 1–5 and
 * reasons, or why the review failed), and who grades them: `heuristic` is word markers and counts,
 * never to be shown as a model's judgement; `off`: reviews are not configured.
 */
export const QaReviewSchema = ConversationReviewSchema;
export type QaReview = z.infer<typeof QaReviewSchema>;
/** A heuristic review's reason: a code with its figures, which the desk words in its own language. */
export type QaReasonCode = HeuristicReason;
export const QaReviewsSchema = z.object({
  grader: z.enum(["off", "heuristic", "bedrock"]),
  reviews: z.array(QaReviewSchema),
});
export type QaReviews = z.infer<typeof QaReviewsSchema>;

/** What happened to an outgoing message after its quality inspection (shared/core/quality/audit.ts). */
export const InspectionDecisionSchema = z.enum([
  /** Sent as written (no finding, or warnings only). */
  "sent",
  /** Not sent: the bot sent its fallback instead, or the agent was shown the findings. */
  "blocked",
  /** An agent sent it despite a blocking finding, with a reason. */
  "sent_with_reason",
  /** An agent's clean reply after a blocked attempt (`rephraseOf` names the attempt). */
  "rephrased",
]);

/** The quality report of a range of days (GET /quality/report; shared/core/quality/audit.ts computes it). */
export const QualityReportSchema = z.object({
  since: z.string(),
  until: z.string(),
  /**
   * Inspections of outgoing messages, by author: every attempt, a blocked one included (a blocked bot
   * reply's fallback and an agent's rephrasing or send-with-a-reason each have a record of their own).
   * `passed` are those that let their message out (every decision but `blocked`): what can be set
   * against the messages delivered.
   */
  inspected: z.object({ total: z.number(), bot: z.number(), agent: z.number(), passed: z.number() }),
  /**
   * Inspections that let a message out (`inspected.passed`) over the messages sent, at most 1, when the
   * caller knows how many were sent (the `sent` counters); otherwise absent. Every send path inspects, so
   * anything under 1 is a defect.
   */
  shareInspected: z.number().optional(),
  decisions: z.record(InspectionDecisionSchema, z.number()),
  byRule: z.array(
    z.object({
      ruleId: z.string(),
      category: z.string(),
      severity: z.string(),
      findings: z.number(),
      messages: z.number(),
    }),
  ),
  byAgent: z.array(
    z.object({
      agent: z.string(),
      inspected: z.number(),
      withFindings: z.number(),
      blocked: z.number(),
      sentWithReason: z.number(),
      rephrased: z.number(),
    }),
  ),
});

/** Seconds of a human step over a period's tickets. */
export const HumanTimeSchema = z.object({
  tickets: z.number(),
  averageSeconds: z.number().nullable(),
  longestSeconds: z.number().nullable(),
});
export const CsatFiguresSchema = z.object({ count: z.number(), average: z.number().nullable() });

/** The detail figures only the SQL over the event history gives (DuckDB locally, Athena in AWS). */
export const ReportDetailsSchema = z.object({
  /** Where these figures come from: the counters do not keep them. */
  source: z.literal("sql"),
  /** Conversations opened per weekday (0 = Monday) × hour in the report's time zone; empty cells left out. */
  heatmap: z.array(z.object({ weekday: z.number(), hour: z.number(), conversations: z.number() })),
  /** The ten FAQ entries answered most, with the engine's average score. */
  topAnswered: z.array(
    z.object({ faqId: z.string(), answers: z.number(), averageScore: z.number().nullable() }),
  ),
  /** Per ticket: seconds to the first agent reply, and to the (last) resolve. */
  firstHumanResponse: HumanTimeSchema,
  resolution: HumanTimeSchema,
  csatByChannel: z.record(z.string(), CsatFiguresSchema),
  /** Ratings of tickets an agent resolved in the period, by that agent. */
  csatByAgent: z.record(z.string(), CsatFiguresSchema),
  /** Tokens and estimated cost per day, and per conversation over the period. */
  tokensByDay: z.array(
    z.object({
      day: z.string(),
      conversations: z.number(),
      input: z.number(),
      output: z.number(),
      /** Null when the answer model has no price (KEFU_MODEL_PRICES). */
      estimatedCostUsd: z.number().nullable(),
    }),
  ),
  estimatedCostUsd: z.number().nullable(),
  estimatedCostPerConversationUsd: z.number().nullable(),
});

/**
 * The report's quality section: the audit trail's report with the messages sent as the events count
 * them, so that `shareInspected` compares two independent sources.
 */
export const ReportQualitySchema = QualityReportSchema.extend({
  /** Outgoing messages delivered, as the channels' sender counted them (`sent` events). */
  messagesSent: z.number(),
  /** Messages held back by a blocking finding (the bot sent its fallback; the agent was asked to rephrase). */
  blocked: z.number(),
});

/** One line of the report's "top unanswered topics" (issue 13): no ticket ids, no raw wording. */
export const UnansweredTopicSchema = z.object({
  /** The topic's representative question, masked (shared/core/redact.ts). */
  question: z.string(),
  count: z.number(),
  /** The FAQ entry closest to it, if any: where a supervisor would teach it. */
  closestFaqId: z.string().nullable(),
});

/**
 * The figures of a period (GET /reports, `npm run report -- --json`; shared/core/analytics/report.ts),
 * the same whichever engine computed them.
 */
export const AnalyticsReportSchema = z.object({
  /** UTC days (the event partitions and the counters' days), both included. */
  since: z.string(),
  until: z.string(),
  channel: z.string().optional(),
  /** The IANA time zone of the heat map's hours and weekdays (KEFU_REPORT_TIME_ZONE). */
  timeZone: z.string(),
  conversations: z.number(),
  /** Customer messages received (platform events such as subscribe are not messages). */
  messages: z.number(),
  handoffs: z.number(),
  containment: z.number().nullable(),
  /** Conversations per channel. */
  byChannel: z.record(z.string(), z.number()),
  handoffsByReason: z.record(z.string(), z.number()),
  answered: z.number(),
  clarified: z.number(),
  smallTalk: z.number(),
  /** Agents' replies, tickets resolved and SLA deadlines missed, in the period. */
  agentReplies: z.number(),
  resolved: z.number(),
  slaBreaches: z.number(),
  /** Messages delivered to customers, by the bot and by agents, as the channels' sender counted them. */
  sent: z.number(),
  csat: CsatFiguresSchema,
  tokens: z.object({ input: z.number(), output: z.number() }),
  /** The detail figures only the SQL over the event history gives. */
  details: ReportDetailsSchema.optional(),
  /** Quality inspection of the period's outgoing messages, where the audit trail was read (locally). */
  quality: ReportQualitySchema.optional(),
  /**
   * The ten topics asked most that the bot handed off for not knowing (shared/kb/suggestions.ts), where
   * the tickets were read (the desk, and the local stack): masked question, count, closest FAQ entry.
   */
  topUnanswered: z.array(UnansweredTopicSchema).optional(),
});

/** The bodies of the list routes, by route: what the contract test holds both back ends to. */
export const DeskResponses = {
  "GET /me": MeSchema,
  "POST /me/sign-in": MeSchema,
  "GET /skills": z.object({ skills: z.array(SkillGroupSchema) }),
  "GET /tickets": z.object({ tickets: z.array(TicketSummarySchema) }),
  "GET /tickets/:id": TicketDetailSchema,
  "POST /tickets/:id/reply": AgentReplyResultSchema,
  "GET /tickets/:id/suggestions": z.object({ suggestions: z.array(SuggestionSchema) }),
  "GET /faq/search": z.object({ hits: z.array(FaqHitSchema) }),
  "GET /faq/imports": z.object({ imports: z.array(ImportReportSummarySchema) }),
  "GET /faq/versions": FaqVersionsSchema,
  "POST /faq/uploads": UploadTargetSchema,
  "POST /tickets/:id/teach": PendingChangeSchema,
  "GET /changes": z.object({ changes: z.array(PendingChangeSchema) }),
  "GET /agents": z.object({ agents: z.array(AgentSchema) }),
  "GET /insights/suggestions": z.object({
    suggestions: z.array(LearningSuggestionSchema),
    /** Unanswered questions of the window asked only once: in no suggestion, but in the report's top unanswered. */
    askedOnce: z.number().int().nonnegative(),
  }),
  "GET /quality/reviews": QaReviewsSchema,
  "GET /quality/report": QualityReportSchema,
  "GET /reports": AnalyticsReportSchema,
} as const;
