import { analyticsKeyLocation } from "./analytics";
import { channelFragments } from "./channels";
import { alertSettings, deskAuth, deskRules } from "./desk";
import { engine } from "./engine";
import { configSchema, readConfig } from "./errors";
import { agentTopicArn, credentials, faqBucket, knowledgeBase, runtime, tables } from "./fragments";
import { inspectionSettings } from "./inspection";
import type { EnvRecord } from "./names";
import { reportSettings } from "./reports";
import { reviewSettings } from "./review";
import { textOverrides } from "./texts";
import { thresholds } from "./thresholds";

/**
 * The configurations of the functions that apply the desk's rules (routing, SLA, CSAT, alerts): the
 * worker, the desk API and the SLA clock. Apart from load.ts so that the ingress functions' bundles carry
 * none of the desk's schemas; like load.ts, one of the few places that read process.env.
 */

/**
 * What every function that applies the desk's rules reads: its runtime, the bucket (inspection rules,
 * the analytics history, the FAQ), the key of the analytics ids, and the rules themselves (routing, SLA,
 * CSAT).
 */
const deskRuleFragments = { runtime, faqBucket, analyticsKey: analyticsKeyLocation, deskRules };

/**
 * What a function that sends replies on the customers' channels reads: their credentials, ingress and
 * senders' settings, and the quality inspection every reply passes first.
 */
const replyFragments = { inspection: inspectionSettings, ...channelFragments };

const WORKER = {
  ...deskRuleFragments,
  ...replyFragments,
  tables: tables(
    "conversations",
    "tickets",
    "ticketTurns",
    "outbox",
    "tokens",
    "faq",
    "agents",
    "inspections",
    "analyticsCounters",
    "picks",
  ),
  agentTopicArn,
  alerts: alertSettings,
  knowledgeBase,
  engine,
  thresholds,
  texts: textOverrides,
};
export type WorkerConfig = ReturnType<typeof loadWorkerConfig>;
/** The worker's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const WorkerConfigSchema = configSchema(WORKER);

/** The worker: the pipeline, its stores, the answer engine and the channels' senders. */
export function loadWorkerConfig(env: EnvRecord = process.env) {
  return readConfig(WORKER, env);
}

const DESK_API = {
  ...deskRuleFragments,
  ...replyFragments,
  tables: tables(
    "tickets",
    "ticketTurns",
    "outbox",
    "tokens",
    "faq",
    "agents",
    "changes",
    "inspections",
    "analyticsCounters",
    "reviews",
    "picks",
  ),
  knowledgeBase,
  deskAuth,
  engine,
  review: reviewSettings,
  reports: reportSettings,
};
export type DeskApiConfig = ReturnType<typeof loadDeskApiConfig>;
/** The desk API's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const DeskApiConfigSchema = configSchema(DESK_API);

/**
 * The desk API (functions/desk-api): tickets and their turns, the channels' senders and the outbox for
 * agents' replies, the FAQ (search, suggestions, versions), the bucket (uploads, reports), the user pool,
 * the agents and the taught changes, the desk's rules (skill groups, the CSAT question at a resolve), and
 * the answer model that drafts replies for agents (Bedrock only).
 */
export function loadDeskApiConfig(env: EnvRecord = process.env) {
  return readConfig(DESK_API, env);
}

const SLA = {
  ...deskRuleFragments,
  tables: tables("tickets", "ticketTurns", "tokens", "agents", "analyticsCounters", "faq", "reviews"),
  // The alert robots' keys are in the channels' credentials secret; the SLA clock sends no replies.
  credentials,
  agentTopicArn,
  alerts: alertSettings,
  knowledgeBase,
  review: reviewSettings,
};
export type SlaConfig = ReturnType<typeof loadSlaConfig>;
/** The SLA clock's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const SlaConfigSchema = configSchema(SLA);

/**
 * The SLA clock (functions/sla): breaches, alerts, offering waiting tickets to agents again, and the QA
 * review of resolved, human-handled tickets (when KEFU_QA_REVIEW is on: the FAQ for the reference
 * answers, the reviews table).
 */
export function loadSlaConfig(env: EnvRecord = process.env) {
  return readConfig(SLA, env);
}

/** `npm run desk` and the local stack's /dev/tickets: here, not in load.ts, for its desk schemas (CSAT). */
const DESK = {
  // Replies are inspected with the rule set in the bucket, and recorded in the audit trail; agent
  // replies and resolves go to the bucket's analytics history; a resolve asks the CSAT question.
  ...deskRuleFragments,
  ...replyFragments,
  // The agents' load counters (a resolve gives a slot back) and the reports' counters, as the desk API.
  tables: tables("tickets", "ticketTurns", "tokens", "inspections", "agents", "analyticsCounters"),
};
export type DeskConfig = ReturnType<typeof loadDeskConfig>;
/** The desk's whole configuration as one zod schema over the environment (infra's tests parse with it). */
export const DeskConfigSchema = configSchema(DESK);

/**
 * The agents' desk (`npm run desk`, the local stack's /dev/tickets): tickets, the channels' senders and
 * quality inspection (rules in the bucket, the audit table), the agents' counters, CSAT and analytics.
 */
export function loadDeskConfig(env: EnvRecord = process.env) {
  return readConfig(DESK, env);
}
