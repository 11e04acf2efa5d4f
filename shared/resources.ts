/**
 * One definition of Kefu's tables, queues and bucket, read by the CDK stack (infra/) and by the local
 * embedded stack (local/), so the two cannot drift. Plain data: no AWS imports here.
 */

export type KeyType = "S" | "N";

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface TableDefinition {
  /** Logical id in CDK and the local table name (prefixed locally with the stack name). */
  id: string;
  /** Environment variable the functions read the physical table name from. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Attribute holding an epoch-seconds expiry; DynamoDB deletes the item some time after it passes. */
  ttlAttribute?: string;
  globalIndexes?: { name: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }[];
}

export const TABLES = {
  /** FAQ entries per knowledge base, plus a `#meta` item carrying the knowledge-base version. */
  faq: {
    id: "FaqTable",
    envVar: "KEFU_FAQ_TABLE",
    partitionKey: { name: "kb", type: "S" },
    sortKey: { name: "id", type: "S" },
  },
  /** One item per conversation: state, hand-off status and recent turns (history expires). */
  conversations: {
    id: "ConversationsTable",
    envVar: "KEFU_CONVERSATIONS_TABLE",
    partitionKey: { name: "conversationKey", type: "S" },
    ttlAttribute: "expiresAt",
  },
  /** Hand-off tickets with the whole context; listed by status for the agents' desk. */
  tickets: {
    id: "TicketsTable",
    envVar: "KEFU_TICKETS_TABLE",
    partitionKey: { name: "ticketId", type: "S" },
    globalIndexes: [
      {
        name: "byStatus",
        partitionKey: { name: "status", type: "S" },
        sortKey: { name: "createdAt", type: "S" },
      },
      /** A customer's earlier tickets on the same conversation, for the agents' desk. */
      {
        name: "byConversation",
        partitionKey: { name: "conversationKey", type: "S" },
        sortKey: { name: "createdAt", type: "S" },
      },
      {
        // Sparse: only tickets with a running SLA deadline carry `slaClock` (shared/stores/ticket-desk.ts).
        name: "bySlaDue",
        partitionKey: { name: "slaClock", type: "S" },
        sortKey: { name: "slaNextDueAt", type: "S" },
      },
      {
        // Sparse: every resolve puts its ticket here until the QA review has looked at it
        // (`reviewQueue` = "due"; shared/stores/tickets.ts, shared/core/quality/review-pass.ts).
        name: "byReviewDue",
        partitionKey: { name: "reviewQueue", type: "S" },
        sortKey: { name: "resolvedAt", type: "S" },
      },
    ],
  },
  /**
   * The turns of each ticket after it opened, one item a turn (sorted by time), so that a ticket's
   * transcript grows without ever meeting DynamoDB's 400 KB item limit. Kept as long as the ticket.
   */
  ticketTurns: {
    id: "TicketTurnsTable",
    envVar: "KEFU_TICKET_TURNS_TABLE",
    partitionKey: { name: "ticketId", type: "S" },
    sortKey: { name: "seq", type: "S" },
  },
  /**
   * The worker's replies, one item per inbound message: what was decided and how many parts were sent.
   * Written as each part goes out, read before deciding, so a redelivered message resumes or skips its
   * reply instead of sending it again.
   */
  outbox: {
    id: "OutboxTable",
    envVar: "KEFU_OUTBOX_TABLE",
    partitionKey: { name: "messageKey", type: "S" },
    ttlAttribute: "expiresAt",
  },
  /** The people who answer tickets: skills, status, capacity and the load counter routing writes. */
  agents: {
    id: "AgentsTable",
    envVar: "KEFU_AGENTS_TABLE",
    partitionKey: { name: "id", type: "S" },
  },
  /** What agents taught the bot (a phrasing, a new entry), pending until a supervisor decides. */
  changes: {
    id: "ChangesTable",
    envVar: "KEFU_CHANGES_TABLE",
    partitionKey: { name: "id", type: "S" },
    globalIndexes: [
      {
        name: "byStatus",
        partitionKey: { name: "status", type: "S" },
        sortKey: { name: "createdAt", type: "S" },
      },
    ],
  },
  /**
   * The quality-inspection audit trail: one item per outgoing message inspected (bot and agents), with
   * its findings and decision (shared/stores/inspection-audit.ts). Partitioned by UTC day for the report.
   */
  inspections: {
    id: "InspectionsTable",
    envVar: "KEFU_INSPECTIONS_TABLE",
    partitionKey: { name: "day", type: "S" },
    sortKey: { name: "messageId", type: "S" },
    ttlAttribute: "expiresAt",
  },
  /**
   * The QA reviews of resolved, human-handled tickets (shared/core/quality/review.ts): one item per ticket and
   * resolve day, with its scores and reasons or why the review failed. Partitioned by the UTC day of the
   * resolve, as the QA queue reads a range of days; apart from the ticket so that reviews have their own
   * retention and grants, and a ticket item stays what the desk reads.
   */
  reviews: {
    id: "ReviewsTable",
    envVar: "KEFU_REVIEWS_TABLE",
    partitionKey: { name: "day", type: "S" },
    sortKey: { name: "ticketId", type: "S" },
    ttlAttribute: "expiresAt",
  },
  /**
   * Real-time analytics counters, one item per UTC day × channel, each figure an attribute incremented
   * with UpdateItem ADD as events happen (shared/core/analytics/report.ts): a report on recent days reads
   * a few items, not the event history.
   */
  analyticsCounters: {
    id: "AnalyticsCountersTable",
    envVar: "KEFU_ANALYTICS_COUNTERS_TABLE",
    partitionKey: { name: "day", type: "S" },
    sortKey: { name: "channel", type: "S" },
  },
  /**
   * Customers' picks of clarify options (shared/core/picks.ts): one item per picking message, with the
   * masked question the options were offered for and the entry picked, partitioned by the UTC day it
   * arrived. The worker writes them, the desk API reads them into the suggestions ("picked") and marks
   * those a supervisor decided on; they expire after the suggestions' window.
   */
  picks: {
    id: "PicksTable",
    envVar: "KEFU_PICKS_TABLE",
    partitionKey: { name: "day", type: "S" },
    sortKey: { name: "id", type: "S" },
    ttlAttribute: "expiresAt",
  },
  /** Platform access tokens shared by every Lambda instance, with a refresh lease. */
  tokens: {
    id: "TokensTable",
    envVar: "KEFU_TOKENS_TABLE",
    partitionKey: { name: "name", type: "S" },
    ttlAttribute: "expiresAt",
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

export interface QueueDefinition {
  id: string;
  envVar: string;
  /** Queue name suffix; FIFO queue names must end in `.fifo`. */
  fifo: boolean;
}

export const INBOUND_QUEUE = {
  id: "InboundQueue",
  envVar: "KEFU_QUEUE_URL",
  fifo: true,
  /**
   * The worker's Lambda timeout; the queue's visibility timeout is 6 × this (AWS guidance). A FIFO batch
   * is processed in order, and with Bedrock one message may take up to ~11 s (rewrite 3 s + answer 8 s
   * budgets): 5 messages × 11 s fit in 60 s.
   */
  workerTimeoutSeconds: 60,
  visibilityTimeoutSeconds: 360,
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: 5,
  /** Small batches: a message never waits behind many others of the same batch. */
  batchSize: 5,
  /** Days a message waits in the dead-letter queue for an operator. */
  dlqRetentionDays: 14,
  /** MaximumMessageSize of the queue and its dead-letter queue: SQS's largest, 1 MiB. */
  maxMessageBytes: 1024 * 1024,
} as const;

export const FAQ_BUCKET = {
  id: "FaqBucket",
  envVar: "KEFU_FAQ_BUCKET",
  uploadsPrefix: "uploads/",
  reportsPrefix: "reports/",
  /** Snapshots of each knowledge-base version (restore copies one back into uploads/). */
  versionsPrefix: "versions/",
  /**
   * Inbound-queue bodies too large to go inline (shared/queue-body.ts): the webhook writes them, the
   * worker reads them; they expire after the dead-letter queue's retention.
   */
  queueBodiesPrefix: "queue-bodies/",
  /**
   * Quality-inspection rule sets (shared/kb/inspection-rules.ts): admins upload a rule file under
   * rules/uploads/, its report lands in rules/reports/, each accepted set is kept under rules/versions/
   * and rules/active.json names the one in force.
   */
  rulesPrefix: "rules/",
  /**
   * Analytics events as JSON Lines, one object per function batch, under `events/dt=YYYY-MM-DD/`: the
   * Glue table's location (partition projection on `dt`) and the local DuckDB report's input.
   */
  eventsPrefix: "events/",
} as const;

/** How long conversation history and outbox records live. */
export const RETENTION = {
  conversationDays: 30,
  /** Longer than a message can stay queued: maxReceiveCount visibility windows, then the DLQ's retention. */
  outboxDays: 30,
  /** The quality-inspection audit trail: a year, for audits of the past year's messages. */
  inspectionDays: 366,
  /** QA reviews: a year, like the inspection audit trail they complete. */
  reviewDays: 366,
  /** Clarify picks: the suggestions' window (30 days), and a day to spare for its first day. */
  pickDays: 31,
} as const;

/**
 * The CloudWatch namespace the functions' Powertools metrics (EMF) are published in, and the dimensions
 * they carry: Powertools adds `service` to every metric; the worker adds `channel` to its outcomes and
 * `channel` + `reason` to its hand-offs. The stack's dashboard searches these exact dimension sets.
 */
export const METRICS = {
  namespace: "Kefu",
  serviceName: "kefu",
  outcomeDimensions: ["channel", "service"],
  handoffDimensions: ["channel", "reason", "service"],
} as const;
