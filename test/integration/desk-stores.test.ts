import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { loadSlaConfig } from "../../shared/config/load-desk";
import { TicketConflictError } from "../../shared/core/desk/desk";
import { DEFAULT_ROUTING_RULES } from "../../shared/core/desk/routing";
import { DEFAULT_SLA_POLICIES } from "../../shared/core/desk/sla";
import { classifyTicket, type DeskAlert, routeTicket, runSlaClock } from "../../shared/core/desk/ticket-care";
import type { Ticket } from "../../shared/core/ticket";
import { createAgentStore } from "../../shared/stores/agents";
import { createDeskTicketStore } from "../../shared/stores/desk-tickets";
import { createTicketDeskStore } from "../../shared/stores/ticket-desk";
import { createTicketStore } from "../../shared/stores/tickets";
import { testEnv } from "../support/local-env";

const config = loadSlaConfig(testEnv());
const doc = documentClient(config.runtime);
const agents = createAgentStore(doc, config.tables.agents);
const desk = createTicketDeskStore(doc, config.tables.tickets);
const tickets = createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
const deskTickets = createDeskTicketStore(doc, config.tables.tickets, config.tables.ticketTurns);
const run = `${Date.now()}`;

function ticket(id: string, openedAt: Date, skills: string[]): Ticket {
  return {
    ticketId: id,
    conversationKey: `sms:+86138${run}`,
    channel: "sms",
    customerId: `+86138${run}`,
    reason: "customer_request",
    priority: "normal",
    status: "open",
    transcript: [],
    candidates: [],
    createdAt: openedAt.toISOString(),
    updatedAt: openedAt.toISOString(),
    ...classifyTicket(
      {
        channel: "sms",
        customerId: "x",
        language: "zh",
        reason: "customer_request",
        priority: "normal",
        openedAt,
      },
      { routing: DEFAULT_ROUTING_RULES, sla: DEFAULT_SLA_POLICIES },
    ),
    skills,
  };
}

describe("the agents table on DynamoDB Local", () => {
  it("configures and sets status without touching the load counter", async () => {
    const id = `agent-a-${run}`;
    const now = new Date();
    expect(await agents.configure(id, { skills: ["vip", "lang:zh"], maxConcurrent: 2 }, now)).toMatchObject({
      id,
      skills: ["lang:zh", "vip"],
      maxConcurrent: 2,
      status: "away",
      openTickets: 0,
    });
    expect(await agents.reserve(id, now)).toBe(false);
    expect(await agents.setStatus(id, "online", now)).toMatchObject({ status: "online", maxConcurrent: 2 });
    expect(await agents.reserve(id, now)).toBe(true);
    expect(await agents.configure(id, { displayName: "Li" }, now)).toMatchObject({
      openTickets: 1,
      displayName: "Li",
    });
    await agents.release(id);
    await agents.release(id);
    expect((await agents.get(id))?.openTickets).toBe(0);
    await agents.restore(id, now);
    expect((await agents.get(id))?.openTickets).toBe(1);
  });

  it("signs an agent in online, whatever they chose before, keeping their place in the idle order", async () => {
    const id = `agent-s-${run}`;
    const first = new Date("2026-12-01T09:00:00.000Z");
    // Configured by a supervisor before they ever signed in: away, and no ticket reaches them.
    await agents.configure(id, { skills: ["lang:zh"], maxConcurrent: 2 }, first);
    expect(await agents.reserve(id, first)).toBe(false);
    expect(await agents.signIn(id, first)).toMatchObject({
      status: "online",
      skills: ["lang:zh"],
      maxConcurrent: 2,
      lastAssignedAt: first.toISOString(),
    });
    expect(await agents.reserve(id, first)).toBe(true);
    await agents.release(id);

    // They signed out (the desk sets Away): no ticket reaches them until the next sign-in.
    await agents.setStatus(id, "away", new Date("2026-12-01T17:00:00.000Z"));
    expect(await agents.reserve(id, new Date("2026-12-02T08:00:00.000Z"))).toBe(false);
    // Signing in again makes them online, and does not move their place in the idle order.
    expect(await agents.signIn(id, new Date("2026-12-02T09:00:00.000Z"))).toMatchObject({
      status: "online",
      lastAssignedAt: first.toISOString(),
    });
    expect(await agents.reserve(id, new Date("2026-12-02T09:00:00.000Z"))).toBe(true);
    await agents.release(id);
  });

  it("signs in someone nobody configured: online, with the defaults, no ticket", async () => {
    const id = `agent-n-${run}`;
    expect(await agents.signIn(id, new Date())).toMatchObject({
      id,
      displayName: id,
      status: "online",
      skills: [],
      maxConcurrent: 5,
      openTickets: 0,
    });
  });

  it("keeps an agent given back a ticket before they ever signed in away (a restore writes no status)", async () => {
    const id = `agent-r-${run}`;
    await agents.restore(id, new Date());
    expect(await agents.get(id)).toMatchObject({ status: "away", openTickets: 1 });
    expect((await agents.signIn(id, new Date())).status).toBe("online");
  });

  it("never overbooks an agent when tickets are routed at the same moment", async () => {
    const skill = `team-${run}`;
    const id = `agent-b-${run}`;
    const now = new Date();
    await agents.configure(id, { skills: [skill], maxConcurrent: 2 }, now);
    await agents.setStatus(id, "online", now);
    const ids = Array.from({ length: 6 }, (_, i) => `KF-R${run.slice(-6)}${i}`);
    for (const ticketId of ids) await tickets.create(ticket(ticketId, now, [skill]));
    const results = await Promise.all(
      ids.map((ticketId) =>
        routeTicket(ticket(ticketId, now, [skill]), {
          agents,
          desk,
          now: () => now,
          routing: DEFAULT_ROUTING_RULES,
        }),
      ),
    );
    expect(results.filter((r) => r === id)).toHaveLength(2);
    expect((await agents.get(id))?.openTickets).toBe(2);
    const assigned = await Promise.all(ids.map((ticketId) => tickets.get(ticketId)));
    expect(assigned.filter((t) => t?.status === "assigned" && t.assignee === id)).toHaveLength(2);
  });
});

describe("the SLA clock on DynamoDB Local", () => {
  it("finds a passed deadline through the sparse index, records it once and moves the clock on", async () => {
    // Opened long ago, so that its deadlines are due before any other test's tickets.
    const openedAt = new Date(Date.UTC(2001, 0, 1, 0, 0, Number(run.slice(-4)) % 60));
    const id = `KF-S${run.slice(-7)}`;
    await tickets.create(ticket(id, openedAt, []));
    const alerts: DeskAlert[] = [];
    const deps = {
      desk: {
        ...desk,
        // Only this test's ticket: other tests' tickets may share the index.
        slaDue: async (now: Date) => (await desk.slaDue(now, 1000)).filter((t) => t.ticketId === id),
      },
      tickets,
      alert: async (a: DeskAlert) => void alerts.push(a),
    };
    const at = (minutes: number) => new Date(openedAt.getTime() + minutes * 60_000);
    await runSlaClock({ ...deps, now: () => at(61) });
    await Promise.all([
      runSlaClock({ ...deps, now: () => at(62) }),
      runSlaClock({ ...deps, now: () => at(62) }),
    ]);
    const stored = await tickets.get(id);
    expect(stored).toMatchObject({ priority: "high", sla: { breached: ["first_response"] } });
    expect(stored?.slaNextDueAt).toBe(stored?.sla?.resolutionDueAt);
    expect(stored?.transcript.filter((t) => t.role === "system")).toHaveLength(1);
    expect(alerts).toHaveLength(1);
    await tickets.resolve(id, at(70));
    await runSlaClock({ ...deps, now: () => at(24 * 60 + 5) });
    const resolved = await tickets.get(id);
    expect(resolved?.slaClock).toBeUndefined();
    expect(resolved?.sla?.breached).toEqual(["first_response"]);
  });

  it("records a rating once and reopens a resolved ticket once", async () => {
    const id = `KF-C${run.slice(-7)}`;
    const now = new Date();
    await tickets.create(ticket(id, now, []));
    await tickets.resolve(id, now);
    expect(await desk.recordCsat(id, { score: 5 }, now)).toBe(true);
    expect(await desk.recordCsat(id, { score: 1 }, now)).toBe(false);
    expect(await desk.reopen(id, "li", now, new Date(now.getTime() + 3_600_000).toISOString())).toBe(true);
    expect(await desk.reopen(id, "li", now)).toBe(false);
    expect(await tickets.get(id)).toMatchObject({ status: "assigned", assignee: "li", csat: { score: 5 } });
  });
});

describe("the desk's ticket writes on DynamoDB Local", () => {
  it("lets one agent hold a ticket, and refuses a claim once it is resolved", async () => {
    const id = `KF-D${run.slice(-7)}`;
    const now = new Date();
    await tickets.create(ticket(id, now, []));
    await deskTickets.claim(id, "li", now);
    await deskTickets.claim(id, "li", now);
    await expect(deskTickets.claim(id, "wang", now)).rejects.toEqual(
      new TicketConflictError("already_claimed", id),
    );
    await tickets.resolve(id, now);
    await expect(deskTickets.claim(id, "li", now)).rejects.toMatchObject({ code: "ticket_resolved" });
    expect(await deskTickets.get(id)).toMatchObject({ status: "resolved", assignee: "li" });
  });

  it("gives the reply lease to one holder until it expires, and a late release leaves the next holder's", async () => {
    const id = `KF-L${run.slice(-7)}`;
    const now = new Date();
    await tickets.create(ticket(id, now, []));
    expect(await deskTickets.acquireReplyLease(id, "first", now, 10_000)).toBe(true);
    expect(await deskTickets.acquireReplyLease(id, "second", new Date(now.getTime() + 9_999), 10_000)).toBe(
      false,
    );
    expect(await deskTickets.acquireReplyLease(id, "second", new Date(now.getTime() + 10_001), 10_000)).toBe(
      true,
    );
    await deskTickets.releaseReplyLease(id, "first");
    expect(await deskTickets.acquireReplyLease(id, "first", new Date(now.getTime() + 10_002), 10_000)).toBe(
      false,
    );
    await deskTickets.releaseReplyLease(id, "second");
    expect(await deskTickets.acquireReplyLease(id, "first", new Date(now.getTime() + 10_003), 10_000)).toBe(
      true,
    );
  });
});
