import { describe, expect, it } from "vitest";
import {
  type Agent,
  DEFAULT_ROUTING_RULES,
  RoutingRulesSchema,
  raisePriority,
  rankAgents,
  skillGroups,
  ticketSkills,
} from "../../../shared/core/desk/routing";
import { DEFAULT_SLA_POLICIES } from "../../../shared/core/desk/sla";
import { classifyTicket, routeTicket } from "../../../shared/core/desk/ticket-care";
import type { Ticket } from "../../../shared/core/ticket";
import { memoryAgents, memoryTicketDesk, memoryTickets } from "../../../shared/stores/memory";

const rules = RoutingRulesSchema.parse({
  channels: { email: "channel:email" },
  categories: { 退款: "billing" },
  vip: { customerIds: ["wechat:o6_vip", "+8613800000000"] },
});

const agent = (id: string, over: Partial<Agent> = {}): Agent => ({
  id,
  displayName: id,
  groups: ["agent"],
  skills: ["lang:zh"],
  status: "online",
  maxConcurrent: 3,
  openTickets: 0,
  ...over,
});

describe("the skills a ticket needs", () => {
  it("come from its language, channel, top category, reason and VIP flag", () => {
    expect(
      ticketSkills(
        {
          channel: "email",
          customerId: "li@example.com",
          language: "zh",
          reason: "low_confidence",
          topCategory: "退款",
        },
        rules,
      ),
    ).toEqual(["billing", "channel:email", "lang:zh"]);
    expect(
      ticketSkills(
        { channel: "wechat", customerId: "o6_vip", language: "en", reason: "negative_sentiment" },
        rules,
      ),
    ).toEqual(["complaints", "lang:en", "vip"]);
    // A bare id in the VIP list counts on every channel.
    expect(
      ticketSkills(
        { channel: "sms", customerId: "+8613800000000", language: "zh", reason: "sensitive_topic" },
        rules,
      ),
    ).toEqual(["lang:zh", "regulated", "vip"]);
  });

  it("defaults route complaints and regulated topics to their own groups", () => {
    expect(DEFAULT_ROUTING_RULES.reasons).toEqual({
      negative_sentiment: "complaints",
      sensitive_topic: "regulated",
    });
    expect(skillGroups(DEFAULT_ROUTING_RULES).map((s) => s.id)).toEqual([
      "complaints",
      "lang:en",
      "lang:zh",
      "regulated",
      "vip",
    ]);
  });

  it("refuses rules with unknown keys or malformed skills", () => {
    expect(() => RoutingRulesSchema.parse({ languagez: {} })).toThrow();
    expect(() => RoutingRulesSchema.parse({ reasons: { negative_sentiment: "has space" } })).toThrow();
  });

  it("classifies a new ticket: skills, VIP, SLA due times and the clock's index", () => {
    const fields = classifyTicket(
      {
        channel: "wechat",
        customerId: "o6_vip",
        language: "zh",
        reason: "customer_request",
        priority: "high",
        openedAt: new Date("2026-12-01T10:00:00Z"),
      },
      { routing: rules, sla: DEFAULT_SLA_POLICIES },
    );
    expect(fields).toMatchObject({
      skills: ["lang:zh", "vip"],
      vip: true,
      sla: {
        firstResponseDueAt: "2026-12-01T10:15:00.000Z",
        resolutionDueAt: "2026-12-01T14:00:00.000Z",
        breached: [],
      },
      slaClock: "running",
      slaNextDueAt: "2026-12-01T10:15:00.000Z",
    });
  });
});

describe("choosing the agent", () => {
  it("takes the least-loaded online agent holding every skill; ties go to the longest idle", () => {
    const ranked = rankAgents(
      [
        agent("away", { status: "away" }),
        agent("full", { openTickets: 3 }),
        agent("no-skill", { skills: ["lang:en"] }),
        agent("busy", { openTickets: 2 }),
        agent("recent", { openTickets: 1, lastAssignedAt: "2026-12-01T10:05:00Z" }),
        agent("idle", { openTickets: 1, lastAssignedAt: "2026-12-01T09:00:00Z" }),
        agent("big", { openTickets: 1, maxConcurrent: 10 }),
      ],
      ["lang:zh"],
      rules,
    );
    expect(ranked.map((a) => a.id)).toEqual(["big", "idle", "recent", "busy"]);
  });

  it("lets an agent who declares no language take every language; one who declares some, only those", () => {
    const agents = [
      agent("any", { skills: [] }),
      agent("vip-any-language", { skills: ["vip"] }),
      agent("zh-only", { skills: ["lang:zh"] }),
      agent("en-only", { skills: ["lang:en", "vip"] }),
    ];
    const ids = (skills: string[]) => rankAgents(agents, skills, rules).map((a) => a.id);
    expect(ids(["lang:zh"])).toEqual(["any", "vip-any-language", "zh-only"]);
    expect(ids(["lang:en"])).toEqual(["any", "en-only", "vip-any-language"]);
    expect(ids(["lang:en", "vip"])).toEqual(["en-only", "vip-any-language"]);
    // Only languages are relaxed: a complaint still needs the complaints group.
    expect(ids(["complaints", "lang:zh"])).toEqual([]);
    // A language the rules name differently is still a language.
    const custom = RoutingRulesSchema.parse({ languages: { zh: "mandarin", en: "english" } });
    expect(
      rankAgents(
        [agent("any", { skills: [] }), agent("zh", { skills: ["mandarin"] })],
        ["english"],
        custom,
      ).map((a) => a.id),
    ).toEqual(["any"]);
  });

  it("never routes a ticket needing a skill nobody online has", () => {
    expect(
      rankAgents([agent("a"), agent("b", { skills: ["lang:zh", "vip"], status: "away" })], ["vip"], rules),
    ).toEqual([]);
  });

  it("raises priority one step, urgent staying urgent", () => {
    expect(["low", "normal", "high", "urgent"].map((p) => raisePriority(p as never))).toEqual([
      "normal",
      "high",
      "urgent",
      "urgent",
    ]);
  });
});

describe("routing a ticket", () => {
  const open = (id: string, skills = ["lang:zh"]): Ticket => ({
    ticketId: id,
    conversationKey: `wechat:gh:${id}`,
    channel: "wechat",
    customerId: "o6",
    reason: "customer_request",
    priority: "normal",
    status: "open",
    skills,
    transcript: [],
    candidates: [],
    createdAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
  });

  it("assigns to the best agent and counts the ticket on their load", async () => {
    const tickets = memoryTickets();
    const agents = memoryAgents([agent("a", { openTickets: 1 }), agent("b")]);
    const deps = {
      agents,
      desk: memoryTicketDesk(tickets),
      now: () => new Date("2026-12-01T10:00:00Z"),
      routing: rules,
    };
    await tickets.create(open("KF-1"));
    expect(await routeTicket(open("KF-1"), deps)).toBe("b");
    expect(tickets.items.get("KF-1")).toMatchObject({ status: "assigned", assignee: "b" });
    expect(agents.items.get("b")?.openTickets).toBe(1);
  });

  it("leaves the ticket waiting when nobody can take it, and never overbooks an agent", async () => {
    const tickets = memoryTickets();
    const agents = memoryAgents([agent("a", { maxConcurrent: 1 })]);
    const deps = { agents, desk: memoryTicketDesk(tickets), now: () => new Date(), routing: rules };
    for (const id of ["KF-1", "KF-2", "KF-3"]) await tickets.create(open(id));
    const results = await Promise.all(["KF-1", "KF-2", "KF-3"].map((id) => routeTicket(open(id), deps)));
    expect(results.filter((r) => r === "a")).toHaveLength(1);
    expect(agents.items.get("a")?.openTickets).toBe(1);
    expect([...tickets.items.values()].filter((t) => t.status === "open")).toHaveLength(2);
  });

  it("with the default rules, assigns a new desk's agent who has no skills yet", async () => {
    const tickets = memoryTickets();
    const agents = memoryAgents([agent("demo", { skills: [] })]);
    const deps = {
      agents,
      desk: memoryTicketDesk(tickets),
      now: () => new Date(),
      routing: DEFAULT_ROUTING_RULES,
    };
    const skills = classifyTicket(
      {
        channel: "wechat",
        customerId: "o6",
        language: "zh",
        reason: "customer_request",
        priority: "normal",
        openedAt: new Date(),
      },
      { routing: DEFAULT_ROUTING_RULES, sla: DEFAULT_SLA_POLICIES },
    ).skills;
    expect(skills).toEqual(["lang:zh"]);
    await tickets.create(open("KF-1", skills));
    expect(await routeTicket(open("KF-1", skills), deps)).toBe("demo");
  });

  it("gives the slot back when someone else took the ticket meanwhile", async () => {
    const tickets = memoryTickets();
    const agents = memoryAgents([agent("a")]);
    const deps = { agents, desk: memoryTicketDesk(tickets), now: () => new Date(), routing: rules };
    await tickets.create({ ...open("KF-1"), status: "assigned", assignee: "z" });
    expect(await routeTicket(open("KF-1"), deps)).toBeUndefined();
    expect(agents.items.get("a")?.openTickets).toBe(0);
  });
});
