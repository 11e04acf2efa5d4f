import { z } from "zod";
import {
  type AgentStore,
  type DeskDirectory,
  type DeskMember,
  UnknownDeskUserError,
} from "../../../shared/core/desk/ports";
import { type Agent, type RoutingRules, SkillSchema, skillGroups } from "../../../shared/core/desk/routing";
import { DEFAULT_MAX_CONCURRENT } from "../../../shared/stores/agents";
import { DeskApiError, type DeskRequest, type DeskRoute } from "../route";
import { parseBody } from "../router";

/**
 * What the agents' routes use: the user directory (who is an agent), the agents table (their skills,
 * capacity, status and load) and the routing rules (for the skill groups).
 */
export interface AgentsDeps {
  directory: DeskDirectory;
  agents: AgentStore;
  routing: RoutingRules;
}

const SkillId = SkillSchema.shape.id;

const AgentChange = z.strictObject({
  displayName: z.string().trim().min(1).max(100).optional(),
  skills: z.array(SkillId).max(50).optional(),
  maxConcurrent: z.number().int().min(1).max(100).optional(),
  groups: z
    .array(z.enum(["agent", "supervisor", "admin", "pii"]))
    .max(4)
    .optional(),
});

const StatusChange = z.strictObject({ status: z.enum(["online", "away"]) });

/** The contract's Agent (docs/desk-api.md): no internal bookkeeping. */
function view(agent: Agent) {
  const { id, displayName, groups, skills, status, maxConcurrent, openTickets } = agent;
  return { id, displayName, groups, skills, status, maxConcurrent, openTickets };
}

/** Someone without an agents-table record: away, no skills, the capacity they get when first written. */
function unconfigured(id: string, name?: string) {
  return {
    id,
    displayName: name ?? id,
    skills: [],
    status: "away",
    maxConcurrent: DEFAULT_MAX_CONCURRENT,
    openTickets: 0,
  };
}

/** A directory member with their record: groups from the directory (the ones enforced), the rest from the table. */
function merged(member: DeskMember, record: Agent | undefined) {
  const named = record && record.displayName !== record.id ? record.displayName : member.name;
  return {
    ...unconfigured(member.id),
    ...(record ? view(record) : {}),
    displayName: named ?? member.id,
    groups: member.groups,
  };
}

const ok = (body: unknown) => ({ status: 200, body });

/** GET /me's answer: groups from the verified token, the rest from the agents table or its defaults. */
function me(request: DeskRequest, agent: Agent | undefined) {
  const { id, groups } = request.user;
  const { openTickets: _, ...defaults } = unconfigured(id);
  return { ...defaults, ...(agent ? view(agent) : {}), id, groups };
}

/**
 * The user directory first (Cognito's groups are the ones the desk enforces), the agents table after:
 * a failure here stops the change before the table says anything the directory does not.
 */
async function setDirectoryGroups(deps: AgentsDeps, id: string, groups: readonly string[]): Promise<void> {
  try {
    await deps.directory.setGroups(id, groups);
  } catch (error) {
    if (error instanceof UnknownDeskUserError) {
      throw new DeskApiError(404, "not_found", "No such user in the directory.", "目录中没有这个用户。");
    }
    // Adding and removing one group at a time, it may have stopped half-way: the same request again
    // finishes it (setting the same groups twice changes nothing).
    throw new DeskApiError(
      502,
      "directory_failed",
      "The user directory did not take the change; the groups may be partly changed. Nothing else was saved. Try again.",
      "用户目录未能完成修改，分组可能只改了一部分，其他设置均未保存，请重试。",
    );
  }
}

export const agentRoutes: DeskRoute<AgentsDeps>[] = [
  {
    method: "GET",
    path: "/me",
    groups: ["agent", "supervisor", "admin", "pii"],
    // Who signed in (groups from the verified token), with their routing settings if they have any.
    async handle(request, deps) {
      return ok(me(request, await deps.agents.get(request.user.id)));
    },
  },
  {
    method: "POST",
    path: "/me/sign-in",
    groups: ["agent", "supervisor", "admin", "pii"],
    // The desk calls it once per sign-in (and sets away on sign-out). An agent signs in to take chats:
    // online. A supervisor who is not in the agent group keeps theirs (away until they choose): they
    // sign in to supervise, and tickets should not start coming to them for it.
    async handle(request, deps) {
      const { id, groups } = request.user;
      const agent = groups.includes("agent")
        ? await deps.agents.signIn(id, request.now)
        : await deps.agents.get(id);
      return ok(me(request, agent));
    },
  },
  {
    method: "GET",
    path: "/agents",
    // Supervisors configure skills and capacity; admins also change groups (PUT below): both list.
    groups: ["supervisor", "admin"],
    // The members of the directory's agent and supervisor groups, each with their record if they have
    // one; someone who left those groups stays listed while they still hold tickets, to hand them over.
    async handle(_request, deps) {
      const [members, records] = await Promise.all([deps.directory.agents(), deps.agents.list()]);
      const byId = new Map(records.map((record) => [record.id, record]));
      const inDirectory = new Set(members.map((member) => member.id));
      const agents = [
        ...members.map((member) => merged(member, byId.get(member.id))),
        ...records
          .filter((record) => !inDirectory.has(record.id) && record.openTickets > 0)
          .map((record) => ({ ...view(record), groups: [] })),
      ];
      return ok({ agents: agents.sort((a, b) => a.id.localeCompare(b.id)) });
    },
  },
  {
    method: "PUT",
    path: "/agents/:id",
    groups: ["supervisor", "admin"],
    async handle(request: DeskRequest, deps) {
      const id = request.params.id ?? "";
      if (!/^[\w.@+-]{1,128}$/.test(id)) {
        throw new DeskApiError(404, "not_found", "No such agent.", "没有这个客服。");
      }
      const change = parseBody(AgentChange, request.body);
      // Groups decide access (Cognito's are the ones enforced): only an admin records them here.
      if (change.groups && !request.user.groups.includes("admin")) {
        throw new DeskApiError(
          403,
          "forbidden",
          "Only an admin may change groups.",
          "只有管理员可以修改分组。",
        );
      }
      if (change.groups) await setDirectoryGroups(deps, id, change.groups);
      let record: Agent;
      try {
        record = await deps.agents.configure(id, change, request.now);
      } catch (error) {
        if (!change.groups) throw error;
        // Cognito has the new groups (the ones enforced; GET /agents shows them); the table's copy and
        // the other settings do not. Said, not hidden: the same request again saves the rest.
        throw new DeskApiError(
          503,
          "partly_saved",
          "The groups were changed, but the other settings were not saved. Try again.",
          "分组已修改，但其他设置未保存，请重试。",
          { groups: "changed" },
        );
      }
      // Answered as GET /agents lists it (groups from the directory), not with the table's copy of the
      // groups, which only an admin's change writes. The save is done: should the directory fail to
      // list (Cognito throttles), the saved record with the groups asked for, not an error.
      const member = await deps.directory.agents().then(
        (members) => members.find((m) => m.id === id),
        () => undefined,
      );
      if (member) return ok(merged(member, record));
      return ok(change.groups ? { ...view(record), groups: change.groups } : view(record));
    },
  },
  {
    method: "PUT",
    path: "/me/status",
    groups: ["agent", "supervisor"],
    async handle(request, deps) {
      const { status } = parseBody(StatusChange, request.body);
      return ok(view(await deps.agents.setStatus(request.user.id, status, request.now)));
    },
  },
  {
    method: "GET",
    path: "/skills",
    groups: ["agent", "supervisor", "admin"],
    async handle(_request, deps) {
      return ok({ skills: skillGroups(deps.routing) });
    },
  },
];
