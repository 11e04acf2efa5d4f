import { z } from "zod";
import type { HandoffReason } from "../engine";
import type { Channel } from "../message";

/**
 * Skill routing of hand-off tickets: which skills a ticket needs (from its language, channel, the top
 * candidate's FAQ category, the hand-off reason and the customer's VIP flag) and which agent takes it
 * (the least-loaded online agent holding every one of those skills; ties go to the one idle longest).
 * Languages restrict only the agents who declare one: an agent whose skills name no configured language
 * is taken to answer in every language, so a new desk routes before anyone has edited its agents.
 * The rules are configuration (KEFU_ROUTING_RULES, shared/config/desk.ts); this module only applies them.
 */

export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** One step up (a breached SLA): urgent stays urgent. */
export function raisePriority(priority: Priority): Priority {
  return PRIORITIES[Math.min(PRIORITIES.indexOf(priority) + 1, PRIORITIES.length - 1)] ?? "urgent";
}

export type AgentStatus = "online" | "away";

/** A person who answers tickets, as the routing and the desk see them. */
export interface Agent {
  id: string;
  displayName: string;
  /** Cognito groups, as last seen or set by a supervisor (display only: the token decides access). */
  groups: string[];
  skills: string[];
  status: AgentStatus;
  /** Tickets this agent may hold at once. */
  maxConcurrent: number;
  /** Tickets assigned to the agent and not resolved: the load counter assignment writes conditionally. */
  openTickets: number;
  /** When a ticket was last assigned to the agent (or they came online): "longest idle" breaks ties. */
  lastAssignedAt?: string;
  updatedAt?: string;
}

const SkillId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\p{L}\p{N}_:.-]+$/u, "letters, digits, _ : . - only");

/** A skill group tickets can be transferred to (GET /skills), with its labels for the desk. */
export const SkillSchema = z.object({ id: SkillId, label: z.string().min(1), labelZh: z.string().min(1) });
export type Skill = z.infer<typeof SkillSchema>;

export const RoutingRulesSchema = z.strictObject({
  /** Skill per customer language; a language not listed needs no skill. */
  languages: z.record(z.string(), SkillId).default({ zh: "lang:zh", en: "lang:en" }),
  /** Skill per channel; a channel not listed needs no skill. */
  channels: z.record(z.string(), SkillId).default({}),
  /** Skill per FAQ category of the top candidate (the category as the FAQ file spells it). */
  categories: z.record(z.string(), SkillId).default({}),
  /** Skill per hand-off reason: complaints and regulated topics go to their own groups. */
  reasons: z
    .record(z.string(), SkillId)
    .default({ negative_sentiment: "complaints", sensitive_topic: "regulated" }),
  /** VIP customers: by id on their channel (`wechat:o6_b…`, or the bare id for every channel). */
  vip: z
    .strictObject({ customerIds: z.array(z.string().min(1)).default([]), skill: SkillId.default("vip") })
    .default({ customerIds: [], skill: "vip" }),
  /** The skill groups the desk offers for transfers, with labels; defaults to every skill named above. */
  skills: z.array(SkillSchema).optional(),
});
export type RoutingRules = z.infer<typeof RoutingRulesSchema>;

export const DEFAULT_ROUTING_RULES: RoutingRules = RoutingRulesSchema.parse({});

/** What routing reads of a new ticket. */
export interface RoutingInput {
  channel: Channel;
  customerId: string;
  language: string;
  reason: HandoffReason | string;
  /** The FAQ category of the bot's best candidate, when it had one. */
  topCategory?: string;
}

export function isVip(input: Pick<RoutingInput, "channel" | "customerId">, rules: RoutingRules): boolean {
  const ids = rules.vip.customerIds;
  return ids.includes(`${input.channel}:${input.customerId}`) || ids.includes(input.customerId);
}

/** The skills a ticket needs, sorted and without repeats. */
export function ticketSkills(input: RoutingInput, rules: RoutingRules): string[] {
  const skills = new Set<string>();
  const add = (skill: string | undefined) => {
    if (skill) skills.add(skill);
  };
  add(rules.languages[input.language]);
  add(rules.channels[input.channel]);
  if (input.topCategory) add(rules.categories[input.topCategory]);
  add(rules.reasons[input.reason]);
  if (isVip(input, rules)) add(rules.vip.skill);
  return [...skills].sort();
}

/** The skill groups of GET /skills: the configured list, or every skill the rules can give a ticket. */
export function skillGroups(rules: RoutingRules): Skill[] {
  if (rules.skills) return rules.skills;
  const ids = new Set([
    ...Object.values(rules.languages),
    ...Object.values(rules.channels),
    ...Object.values(rules.categories),
    ...Object.values(rules.reasons),
    rules.vip.skill,
  ]);
  return [...ids].sort().map((id) => ({ id, label: id, labelZh: id }));
}

/** The skills that stand for a customer language (their ids, from the rules' `languages`). */
export function languageSkills(rules: Pick<RoutingRules, "languages">): ReadonlySet<string> {
  return new Set(Object.values(rules.languages));
}

/**
 * Does the agent hold this skill? A language skill is held too by an agent who declares no language at
 * all: most desks start with agents who answer every language the business serves, and requiring the
 * skill of them would leave every ticket unassigned until a supervisor edited each agent. Once an agent
 * declares a language, they are routed only the languages they declare.
 */
function holds(agent: Agent, skill: string, languages: ReadonlySet<string>): boolean {
  if (agent.skills.includes(skill)) return true;
  return languages.has(skill) && !agent.skills.some((held) => languages.has(held));
}

/** Can this agent take one more ticket needing these skills? */
export function canTake(agent: Agent, skills: readonly string[], languages: ReadonlySet<string>): boolean {
  return (
    agent.status === "online" &&
    agent.openTickets < agent.maxConcurrent &&
    skills.every((skill) => holds(agent, skill, languages))
  );
}

/**
 * The agents who may take a ticket, best first: least loaded (open tickets over capacity, so an agent
 * at 1 of 5 goes before one at 1 of 2), then idle longest, then by id (a stable order). Assignment tries
 * them in this order with a conditional write on each one's load counter, so two tickets routed at the
 * same moment cannot both take an agent's last slot.
 */
export function rankAgents(
  agents: readonly Agent[],
  skills: readonly string[],
  rules: Pick<RoutingRules, "languages">,
): Agent[] {
  const languages = languageSkills(rules);
  const load = (agent: Agent) => agent.openTickets / agent.maxConcurrent;
  return agents
    .filter((agent) => canTake(agent, skills, languages))
    .sort(
      (a, b) =>
        load(a) - load(b) ||
        (a.lastAssignedAt ?? "").localeCompare(b.lastAssignedAt ?? "") ||
        a.id.localeCompare(b.id),
    );
}
