/**
 * The desk API's types, exactly as /desk/api contract v1 defines them. The app and the dev mock import
 * these; the back end implements the same contract on its side.
 */
export type Channel = "wechat" | "wecom" | "wecom-kf" | "dingtalk" | "email" | "sms" | "twilio";
export type Priority = "low" | "normal" | "high" | "urgent";
export type TicketStatus = "open" | "assigned" | "resolved";
export type HandoffReason =
  | "low_confidence"
  | "customer_request"
  | "negative_sentiment"
  | "repeated_failure"
  | "sensitive_topic"
  | "model_requested"
  | "engine_error"
  | (string & {});
export type QueueView = "mine" | "unassigned" | "open" | "breaching";
export type Group = "agent" | "supervisor" | "admin" | "pii";

/** A skill group a ticket can be transferred to (GET /skills). */
export interface SkillGroup {
  id: string;
  label: string;
  labelZh: string;
}

export interface Sla {
  firstResponseDueAt?: string;
  resolutionDueAt?: string;
  firstRespondedAt?: string;
  breached: ("first_response" | "resolution")[];
}

export interface TicketSummary {
  ticketId: string;
  channel: Channel;
  status: TicketStatus;
  priority: Priority;
  reason: HandoffReason;
  language: string;
  skills: string[];
  vip: boolean;
  assignee?: string;
  customer: { display: string };
  preview: string;
  createdAt: string;
  updatedAt: string;
  lastCustomerAt?: string;
  sla: Sla;
  unread: number;
}

export interface Turn {
  role: "customer" | "bot" | "agent" | "note" | "system";
  text: string;
  at: string;
  agent?: string;
  omittedBytes?: number;
  suggestion?: { kind: "faq" | "model"; id?: string; edited: boolean };
}

export type ChannelConstraints =
  | { kind: "weixin"; maxPartBytes: 2048; maxParts?: number; windowEndsAt?: string }
  | {
      kind: "sms";
      gsmSegment: 160;
      gsmConcatSegment: 153;
      ucs2Segment: 70;
      ucs2ConcatSegment: 67;
      maxSegments: number;
      optedOut: boolean;
    }
  | { kind: "email"; subject: string; threaded: boolean }
  | { kind: "dingtalk"; maxPartBytes: 6000 };

export interface FaqCandidate {
  faqId: string;
  score: number;
  question: string;
  answer: string;
  category?: string;
}

export interface TicketDetail extends Omit<TicketSummary, "customer"> {
  detail?: string;
  transcript: Turn[];
  omittedTurns?: number;
  candidates: FaqCandidate[];
  customer: { display: string; channelId: string; revealable: boolean };
  earlierTickets: { ticketId: string; status: TicketStatus; reason: string; createdAt: string }[];
  constraints: ChannelConstraints;
  csat?: { score: 1 | 2 | 3 | 4 | 5; comment?: string; at: string };
  resolvedAt?: string;
  reopenedAt?: string;
}

export interface FaqHit {
  id: string;
  question: string;
  answer: string;
  category?: string;
  score?: number;
}

export interface Suggestion {
  id: string;
  kind: "faq" | "model";
  faqId?: string;
  text: string;
  score?: number;
}

export interface ImportReportSummary {
  upload: string;
  version?: string;
  status: string;
  counts: Record<string, number>;
  rejected: { row: number; id?: string; field?: string; code: string; message: string }[];
  at?: string;
}

export interface PendingChange {
  id: string;
  kind: "phrasing" | "entry";
  status: "pending" | "approved" | "rejected";
  faqId?: string;
  text?: string;
  /** Several wordings in one change (from a learning suggestion); `text` is the first. */
  texts?: string[];
  suggestionId?: string;
  question?: string;
  answer?: string;
  category?: string;
  ticketId?: string;
  author: string;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  report?: ImportReportSummary;
}

export interface Agent {
  id: string;
  displayName: string;
  groups: string[];
  skills: string[];
  status: "online" | "away";
  maxConcurrent: number;
  openTickets: number;
}

export type Me = Omit<Agent, "openTickets">;

export interface FaqVersions {
  current: string;
  versions: { version: string; at: string; entries: number }[];
}

export interface UploadTarget {
  url: string;
  key: string;
  headers: Record<string, string>;
  /** Proposed contract addition: what GET /faq/imports/:name takes for this upload (the key's file name). */
  name?: string;
}

/** The body of every error response. */
export interface ApiErrorBody {
  error: string;
  message: string;
  messageZh: string;
  fields?: Record<string, string>;
}

export interface DeskConfig {
  region: string;
  cognito: { endpoint: string; userPoolId: string; clientId: string };
  apiBase: string;
  pollMs: number;
  locale: "zh" | "en" | "auto";
}

/** A topic of unanswered questions (GET /insights/suggestions). */
export interface LearningSuggestion {
  id: string;
  representative: string;
  count: number;
  reasons: Partial<Record<"low_confidence" | "failed_clarify" | "dissatisfied", number>>;
  examples: string[];
  closest: { faqId: string; score: number; matchedQuestion: string }[];
  ticketIds: string[];
  firstAt: string;
  lastAt: string;
}

/** The figures of a range of days (GET /reports): the object `npm run report -- --json` prints. */
export interface AnalyticsReport {
  since: string;
  until: string;
  channel?: Channel;
  conversations: number;
  messages: number;
  handoffs: number;
  /** (conversations − hand-offs) / conversations; null without conversations. */
  containment: number | null;
  byChannel: Partial<Record<Channel, number>>;
  handoffsByReason: Record<string, number>;
  answered: number;
  clarified: number;
  smallTalk: number;
  agentReplies: number;
  resolved: number;
  slaBreaches: number;
  csat: { count: number; average: number | null };
  tokens: { input: number; output: number };
}
