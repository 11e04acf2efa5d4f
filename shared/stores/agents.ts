import { type DynamoDBDocumentClient, GetCommand, paginateScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AgentSettings, AgentStore } from "../core/desk/ports";
import type { Agent, AgentStatus } from "../core/desk/routing";
import { unlessConditionFails } from "./table";

/** Capacity of an agent nobody configured yet. */
export const DEFAULT_MAX_CONCURRENT = 5;

/**
 * The agents table: one item per agent (settings, status and the `openTickets` load counter). Every
 * change of the counter is one conditional UpdateItem, so concurrent assignments never overbook an
 * agent and a release never takes it below zero.
 */
export function createAgentStore(doc: DynamoDBDocumentClient, tableName: string): AgentStore {
  /**
   * Fields every item has, set when the agent is first written by any path. Not the status: an item
   * without one (a supervisor configured the agent, who has not signed in yet) reads as away and takes
   * no ticket, and the agent's first sign-in makes them online (`signIn`).
   */
  const defaults = (now: Date) => ({
    ":zero": 0,
    ":max": DEFAULT_MAX_CONCURRENT,
    ":emptyList": [],
    ":now": now.toISOString(),
  });
  const initialClauses = [
    "openTickets = if_not_exists(openTickets, :zero)",
    "maxConcurrent = if_not_exists(maxConcurrent, :max)",
    "skills = if_not_exists(skills, :emptyList)",
    "#groups = if_not_exists(#groups, :emptyList)",
    "displayName = if_not_exists(displayName, :id)",
    "updatedAt = :now",
  ];
  const initialise = initialClauses.join(", ");
  /** One SET on the agent's item, creating it with the defaults; the agent as stored after it. */
  const update = async (
    id: string,
    expression: string,
    now: Date,
    values: Record<string, unknown>,
    names: Record<string, string> = { "#status": "status", "#groups": "groups" },
  ): Promise<Agent> => {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id },
        UpdateExpression: expression,
        ExpressionAttributeNames: onlyUsed(expression, names),
        ExpressionAttributeValues: onlyUsed(expression, { ...defaults(now), ":id": id, ...values }),
        ReturnValues: "ALL_NEW",
      }),
    );
    return agentOf(Attributes ?? {});
  };

  return {
    async get(id) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
      );
      return Item ? agentOf(Item) : undefined;
    },

    async list() {
      const agents: Agent[] = [];
      // A team's agents: tens to hundreds of items, read whole (the routing ranks them all).
      for await (const page of paginateScan(
        { client: doc },
        { TableName: tableName, ConsistentRead: true },
      )) {
        agents.push(...(page.Items ?? []).map(agentOf));
      }
      return agents.sort((a, b) => a.id.localeCompare(b.id));
    },

    async configure(id, settings, now) {
      const sets: string[] = [];
      const values: Record<string, unknown> = {};
      const names: Record<string, string> = { "#status": "status", "#groups": "groups" };
      const field = (name: keyof AgentSettings, value: unknown) => {
        if (value === undefined) return;
        names[`#${name}`] = name;
        values[`:${name}`] = value;
        sets.push(`#${name} = :${name}`);
      };
      field("displayName", settings.displayName);
      field("skills", settings.skills ? [...new Set(settings.skills)].sort() : undefined);
      field("maxConcurrent", settings.maxConcurrent);
      field("groups", settings.groups);
      // The initial values of fields not being set (if_not_exists keeps any earlier value).
      const initial = initialClauses.filter((part) => !sets.some((set) => pathOf(set) === pathOf(part)));
      return update(id, `SET ${[...initial, ...sets].join(", ")}`, now, values, names);
    },

    async setStatus(id, status: AgentStatus, now) {
      const initial = initialClauses.filter(
        (part) => !part.startsWith("#status") && !part.startsWith("updatedAt"),
      );
      // Coming online counts as the start of idle time, so a returning agent is not first in line
      // over one who has waited.
      const expression = `SET ${initial.join(", ")}, #status = :status, updatedAt = :now${
        status === "online" ? ", lastAssignedAt = :now" : ""
      }`;
      return update(id, expression, now, { ":status": status });
    },

    async signIn(id, now) {
      // Online: an agent signs in to take chats (signing out sets Away). The first sign-in also starts
      // their idle time for the routing's ties; later ones keep their place in that order.
      const expression = `SET ${initialise}, #status = :online, lastAssignedAt = if_not_exists(lastAssignedAt, :now)`;
      return update(id, expression, now, { ":online": "online" });
    },

    reserve(id, now) {
      return unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id },
            UpdateExpression: "SET openTickets = openTickets + :one, lastAssignedAt = :now, updatedAt = :now",
            ConditionExpression: "#status = :online AND openTickets < maxConcurrent",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: { ":one": 1, ":online": "online", ":now": now.toISOString() },
          }),
        ),
      );
    },

    async release(id) {
      // A failed condition: already at zero (or no such agent), nothing to give back.
      await unlessConditionFails(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id },
            UpdateExpression: "SET openTickets = openTickets - :one",
            ConditionExpression: "openTickets > :zero",
            ExpressionAttributeValues: { ":one": 1, ":zero": 0 },
          }),
        ),
      );
    },

    async restore(id, now) {
      const expression = `SET ${initialise.replace("openTickets = if_not_exists(openTickets, :zero), ", "")}, lastAssignedAt = :now ADD openTickets :one`;
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id },
          UpdateExpression: expression,
          ExpressionAttributeNames: onlyUsed(expression, { "#status": "status", "#groups": "groups" }),
          ExpressionAttributeValues: onlyUsed(expression, { ...defaults(now), ":id": id, ":one": 1 }),
        }),
      );
    },
  };
}

/** The attribute an `a = b` clause sets, with or without its `#name` placeholder. */
const pathOf = (clause: string) => (clause.split(" = ")[0] ?? "").replace(/^#/, "");

/** The placeholders an expression uses: DynamoDB refuses names and values it does not. */
function onlyUsed<T>(expression: string, placeholders: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(placeholders).filter(([key]) => new RegExp(`${key}(?![A-Za-z0-9_])`).test(expression)),
  );
}

function agentOf(item: Record<string, unknown>): Agent {
  return {
    id: String(item.id),
    displayName: String(item.displayName ?? item.id),
    groups: (item.groups as string[] | undefined) ?? [],
    skills: (item.skills as string[] | undefined) ?? [],
    status: item.status === "online" ? "online" : "away",
    maxConcurrent: Number(item.maxConcurrent ?? DEFAULT_MAX_CONCURRENT),
    openTickets: Number(item.openTickets ?? 0),
    ...(typeof item.lastAssignedAt === "string" ? { lastAssignedAt: item.lastAssignedAt } : {}),
    ...(typeof item.updatedAt === "string" ? { updatedAt: item.updatedAt } : {}),
  };
}
