import { describe, expect, it } from "vitest";
import { formatReport } from "../../../local/cli/report";
import { buildReport, messagesSent, withQuality } from "../../../shared/core/analytics/report";
import type { InspectionRecord, RecordedFinding } from "../../../shared/core/quality/audit";

const range = { since: "2026-12-01", until: "2026-12-01" };
/**
 * Two channels: 3 answers + 1 clarifying question + 1 small talk + 2 hand-off notices + 2 agents'
 * replies, and two messages no outcome event stands for (a welcome, a CSAT question): 9 sent.
 */
const report = buildReport({
  ...range,
  byChannel: {
    wechat: {
      conversations: 3,
      received: 5,
      answered: 2,
      clarified: 1,
      handed_off: 1,
      agent_reply: 2,
      sent: 6,
    },
    sms: { conversations: 2, received: 3, answered: 1, small_talk: 1, handed_off: 1, sent: 3 },
  },
  handoffsByReason: { customer_request: 2 },
});

let id = 0;
function record(fields: Partial<InspectionRecord>): InspectionRecord {
  id++;
  return {
    messageId: `m${id}`,
    at: "2026-12-01T08:00:00.000Z",
    author: "bot",
    channel: "wechat",
    conversationKey: "wechat:acct:o-1",
    ruleSetVersion: "v1",
    findings: [],
    decision: "sent",
    ...fields,
  };
}
const absolute: RecordedFinding = {
  ruleId: "ad-absolute",
  category: "absolute",
  severity: "block",
  term: "最好",
  start: 0,
  end: 2,
  ruleSetVersion: "v1",
};

describe("the report's quality section", () => {
  it("counts the messages sent as the channels' sender delivered them, welcomes and CSAT questions too", () => {
    expect(messagesSent(report)).toBe(9);
  });

  it("is 100% inspected when every sent message has its audit record, and counts the blocked apart", () => {
    const records = [
      ...Array.from({ length: 5 }, (_, i) => record({ channel: i < 3 ? "wechat" : "sms" })),
      // A bot answer blocked, then its safe replacement sent: one message sent, two records.
      record({ decision: "blocked", findings: [absolute] }),
      record({}),
      record({ author: "agent", agent: "ann" }),
      record({ author: "agent", agent: "ann", decision: "sent_with_reason", findings: [absolute] }),
      record({ messageId: "csat#KF-1", ticketId: "KF-1" }),
    ];
    const { quality } = withQuality(report, records);
    expect(quality).toMatchObject({
      messagesSent: 9,
      shareInspected: 1,
      blocked: 1,
      inspected: { total: 10, bot: 8, agent: 2, passed: 9 },
      byRule: [{ ruleId: "ad-absolute", findings: 2, messages: 2 }],
      byAgent: [{ agent: "ann", inspected: 2, withFindings: 1, sentWithReason: 1 }],
    });
  });

  it("says what each figure is: sent against the inspections that let a message out, the blocked apart", () => {
    // What the trial saw: 26 messages sent, 29 inspections of which 3 were blocked (their fallback or the
    // agent's rephrasing has a record of its own). "29 inspected of 26 sent" set the blocked against the sent.
    const sent = buildReport({ ...range, byChannel: { wechat: { sent: 26 } }, handoffsByReason: {} });
    const records = [
      ...Array.from({ length: 26 }, () => record({})),
      ...Array.from({ length: 3 }, () => record({ decision: "blocked", findings: [absolute] })),
    ];
    const line = formatReport(withQuality(sent, records)).find((l) => l.startsWith("quality"));
    expect(line).toBe("quality        26 sent, 26 passed inspection (100.0%)   3 blocked   29 inspections");
  });

  it("shows a send path that skipped inspection as a share under 100%", () => {
    const records = Array.from({ length: 6 }, () => record({}));
    expect(withQuality(report, records).quality?.shareInspected).toBeCloseTo(6 / 9);
  });

  it("keeps to the report's channel", () => {
    const wechat = buildReport({
      ...range,
      channel: "wechat",
      byChannel: { wechat: { answered: 2, sent: 2 } },
      handoffsByReason: {},
    });
    const records = [record({}), record({}), record({ channel: "sms" }), record({ channel: "sms" })];
    expect(withQuality(wechat, records).quality).toMatchObject({
      messagesSent: 2,
      inspected: { total: 2 },
      shareInspected: 1,
    });
  });
});
