import { z } from "zod";
import { ConversationReviewSchema } from "./review";

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
/** Known reasons, and any reason a newer back end adds. */
export type HandoffReason =
  | "low_confidence"
  | "customer_request"
  | "negative_sentiment"
  | "repeated_failure"
  | "sensitive_topic"
  | "model_requested"
  | "engine_error"
  | "processing_failed"
  | (string & {});

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
});
export type Turn = z.infer<typeof TurnSchema>;

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

export const FaqCandidateSchema = z.object({
  faqId: z.string(),
  score: z.number(),
  question: z.string(),
  answer: z.string(),
  category: z.string().optional(),
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
  at: z.string().optional(),
});
export type ImportReportSummary = z.infer<typeof ImportReportSummarySchema>;

export const PendingChangeSchema = z.object({
  id: z.string(),
  kind: z.enum(["phrasing", "entry"]),
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

/** A topic of unanswered questions (GET /insights/suggestions). */
export const LearningSuggestionSchema = z.object({
  id: z.string(),
  representative: z.string(),
  count: z.number(),
  reasons: z.partialRecord(z.enum(["low_confidence", "failed_clarify", "dissatisfied"]), z.number()),
  examples: z.array(z.string()),
  closest: z.array(z.object({ faqId: z.string(), score: z.number(), matchedQuestion: z.string() })),
  ticketIds: z.array(z.string()),
  firstAt: z.string(),
  lastAt: z.string(),
});
export type LearningSuggestion = z.infer<typeof LearningSuggestionSchema>;

/**
 * The QA queue (GET /quality/reviews): the reviews of resolved, human-handled tickets (scores 1–5 and
 * reasons, or why the review failed), and who grades them: `heuristic` is word markers and counts,
 * never to be shown as a model's judgement; `off`: reviews are not configured.
 */
export const QaReviewSchema = ConversationReviewSchema;
export type QaReview = z.infer<typeof QaReviewSchema>;
export const QaReviewsSchema = z.object({
  grader: z.enum(["off", "heuristic", "bedrock"]),
  reviews: z.array(QaReviewSchema),
});
export type QaReviews = z.infer<typeof QaReviewsSchema>;

/** The bodies of the list routes, by route: what the contract test holds both back ends to. */
export const DeskResponses = {
  "GET /me": MeSchema,
  "GET /skills": z.object({ skills: z.array(SkillGroupSchema) }),
  "GET /tickets": z.object({ tickets: z.array(TicketSummarySchema) }),
  "GET /tickets/:id": TicketDetailSchema,
  "GET /tickets/:id/suggestions": z.object({ suggestions: z.array(SuggestionSchema) }),
  "GET /faq/search": z.object({ hits: z.array(FaqHitSchema) }),
  "GET /faq/imports": z.object({ imports: z.array(ImportReportSummarySchema) }),
  "GET /faq/versions": FaqVersionsSchema,
  "POST /faq/uploads": UploadTargetSchema,
  "GET /changes": z.object({ changes: z.array(PendingChangeSchema) }),
  "GET /agents": z.object({ agents: z.array(AgentSchema) }),
  "GET /insights/suggestions": z.object({ suggestions: z.array(LearningSuggestionSchema) }),
  "GET /quality/reviews": QaReviewsSchema,
} as const;
