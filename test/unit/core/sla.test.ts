import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTING_RULES } from "../../../shared/core/desk/routing";
import {
  breachesAt,
  DEFAULT_SLA_POLICIES,
  nextDueAt,
  SlaPoliciesSchema,
  slaFor,
} from "../../../shared/core/desk/sla";
import { classifyTicket, type DeskAlert, runSlaClock } from "../../../shared/core/desk/ticket-care";
import type { Ticket } from "../../../shared/core/ticket";
import { memoryTicketDesk, memoryTickets } from "../../../shared/stores/memory";

const opened = new Date("2026-12-01T10:00:00Z");
const at = (minutes: number) => new Date(opened.getTime() + minutes * 60_000);

function ticket(priority: Ticket["priority"] = "normal"): Ticket {
  return {
    ticketId: "KF-SLA00001",
    conversationKey: "sms:+8613812345678",
    channel: "sms",
    customerId: "+8613812345678",
    reason: "customer_request",
    priority,
    status: "open",
    transcript: [],
    candidates: [],
    createdAt: opened.toISOString(),
    updatedAt: opened.toISOString(),
    ...classifyTicket(
      {
        channel: "sms",
        customerId: "+8613812345678",
        language: "zh",
        reason: "customer_request",
        priority,
        openedAt: opened,
      },
      { routing: DEFAULT_ROUTING_RULES, sla: DEFAULT_SLA_POLICIES },
    ),
  };
}

describe("SLA policies", () => {
  it("give due times per priority, and only the priorities given change", () => {
    const policies = SlaPoliciesSchema.parse({ urgent: { firstResponseMinutes: 2, resolutionMinutes: 30 } });
    expect(policies.urgent).toEqual({ firstResponseMinutes: 2, resolutionMinutes: 30 });
    expect(policies.normal).toEqual(DEFAULT_SLA_POLICIES.normal);
    expect(slaFor("urgent", opened, policies)).toEqual({
      firstResponseDueAt: "2026-12-01T10:02:00.000Z",
      resolutionDueAt: "2026-12-01T10:30:00.000Z",
      breached: [],
    });
    expect(() =>
      SlaPoliciesSchema.parse({ normal: { firstResponseMinutes: -1, resolutionMinutes: 5 } }),
    ).toThrow();
    expect(() =>
      SlaPoliciesSchema.parse({ critical: { firstResponseMinutes: 1, resolutionMinutes: 5 } }),
    ).toThrow();
  });

  it("a deadline met in time is not breached; a resolved ticket owes nothing", () => {
    const t = ticket();
    expect(breachesAt(t, at(59))).toEqual([]);
    expect(breachesAt(t, at(60))).toEqual(["first_response"]);
    const answered = { ...t, sla: { breached: [], ...t.sla, firstRespondedAt: at(30).toISOString() } };
    expect(breachesAt(answered, at(61))).toEqual([]);
    expect(nextDueAt(answered)).toBe(t.sla?.resolutionDueAt);
    expect(breachesAt({ ...t, status: "resolved" }, at(5000))).toEqual([]);
  });
});

describe("the SLA clock", () => {
  function setup() {
    const tickets = memoryTickets();
    const alerts: DeskAlert[] = [];
    let now = opened;
    const deps = {
      desk: memoryTicketDesk(tickets),
      tickets,
      alert: async (a: DeskAlert) => void alerts.push(a),
      now: () => now,
    };
    return { tickets, alerts, deps, setNow: (d: Date) => (now = d) };
  }

  it("records a breach once: priority one step up, a system turn, an alert without personal data", async () => {
    const { tickets, alerts, deps, setNow } = setup();
    await tickets.create(ticket());
    setNow(at(30));
    expect((await runSlaClock(deps)).breached).toEqual([]);
    setNow(at(61));
    expect((await runSlaClock(deps)).breached).toEqual([
      expect.objectContaining({ ticketId: "KF-SLA00001", kinds: ["first_response"] }),
    ]);
    // The next tick finds nothing new to record: the clock moved on to the resolution deadline.
    expect((await runSlaClock(deps)).breached).toEqual([]);
    const stored = tickets.items.get("KF-SLA00001");
    expect(stored).toMatchObject({ priority: "high", sla: { breached: ["first_response"] } });
    expect(stored?.slaNextDueAt).toBe(stored?.sla?.resolutionDueAt);
    expect(stored?.transcript.at(-1)).toMatchObject({ role: "system" });
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: "sla_breached",
        ticketId: "KF-SLA00001",
        priority: "high",
        breached: ["first_response"],
      }),
    ]);
    setNow(at(24 * 60 + 1));
    await runSlaClock(deps);
    expect(tickets.items.get("KF-SLA00001")).toMatchObject({
      priority: "urgent",
      sla: { breached: ["first_response", "resolution"] },
    });
    expect(tickets.items.get("KF-SLA00001")?.slaClock).toBeUndefined();
  });

  it("two ticks at once record and alert a breach once", async () => {
    const { tickets, alerts, deps, setNow } = setup();
    await tickets.create(ticket());
    setNow(at(61));
    await Promise.all([runSlaClock(deps), runSlaClock(deps)]);
    expect(alerts).toHaveLength(1);
    expect(tickets.items.get("KF-SLA00001")?.sla?.breached).toEqual(["first_response"]);
  });

  it("stops the clock of a resolved ticket without a breach", async () => {
    const { tickets, alerts, deps, setNow } = setup();
    await tickets.create(ticket());
    await tickets.resolve("KF-SLA00001", at(10));
    setNow(at(61));
    expect((await runSlaClock(deps)).checked).toBe(1);
    expect(alerts).toEqual([]);
    expect(tickets.items.get("KF-SLA00001")?.slaClock).toBeUndefined();
  });

  it("a failed alert does not undo the recorded breach", async () => {
    const { tickets, deps, setNow } = setup();
    await tickets.create(ticket());
    setNow(at(61));
    const run = await runSlaClock({ ...deps, alert: async () => Promise.reject(new Error("robot down")) });
    expect(run.alertFailures).toBe(1);
    expect(tickets.items.get("KF-SLA00001")?.sla?.breached).toEqual(["first_response"]);
  });
});
