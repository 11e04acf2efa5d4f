/**
 * The desk API's types: one definition, shared/core/desk/wire.ts, that the back end builds its answers
 * with. Types only (`export type`), so none of zod reaches the browser bundle.
 */

/** The figures of a range of days (GET /reports): the object `npm run report -- --json` prints. */
export type { AnalyticsReport } from "../../../shared/core/analytics/report";

/** The desk's own start-up configuration (/desk/config.json), not part of the API. */
export type { DeskClientConfig as DeskConfig } from "../../../shared/core/desk/routes";
export type {
  Agent,
  AgentReplyResult,
  ApiErrorBody,
  Channel,
  ChannelConstraints,
  FaqCandidate,
  FaqHit,
  FaqVersions,
  Group,
  HandoffReason,
  ImportCounts,
  ImportReportSummary,
  ImportStatus,
  LearningSuggestion,
  Me,
  PendingChange,
  Priority,
  QaReasonCode,
  QaReview,
  QaReviews,
  QueueView,
  SkillGroup,
  Sla,
  Suggestion,
  TicketDetail,
  TicketStatus,
  TicketSummary,
  Turn,
  UploadTarget,
} from "../../../shared/core/desk/wire";
/** The quality inspection of a range of days (GET /quality/report). */
export type { QualityReport } from "../../../shared/core/quality/audit";
