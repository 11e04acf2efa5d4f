import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { s3Client } from "../../local/emulators";
import { wechatPush } from "../../local/platforms/wechat";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { ENV } from "../../shared/config/names";
import type { InspectionRecord, QualityReport } from "../../shared/core/quality/audit";
import { RULES_KEYS } from "../../shared/kb/inspection-rules";
import { useTestStack } from "../support/stack";
import { waitFor } from "../support/wait";

/**
 * Quality inspection through the local stack, for real: the default rules are in force from `npm start`
 * (imported through the admin's upload path), a bot answer with a banned term is not sent and is in the
 * audit trail, and an agent's blocked reply is shown its findings, then sent with a reason.
 */
const kefu = useTestStack("quality", { desk: { build: false } });
const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
const { deliver: post } = kefu;
const { api } = kefu.desk;
const repliesTo = (openId: string) => kefu.repliesTo("wechat", openId);

async function findings(): Promise<InspectionRecord[]> {
  const { status, body } = await api<{ findings: InspectionRecord[] }>(
    "supervisor",
    "GET",
    "/quality/findings?since=1d",
  );
  expect(status).toBe(200);
  return body.findings;
}

describe("quality inspection on the local stack", () => {
  it("has the default rule set in force, imported through the admin's upload path", async () => {
    const s3 = s3Client(kefu.stack.env.KEFU_AWS_ENDPOINT ?? "");
    const bucket = kefu.stack.env[ENV.faqBucket];
    const report = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${RULES_KEYS.reports}default.jsonl.json` }),
    );
    expect(JSON.parse((await report.Body?.transformToString()) ?? "{}")).toMatchObject({
      status: "applied",
      counts: { rejected: 0 },
    });
  });

  it("does not send a bot answer with a banned term: a person gets it, and the audit trail has it", async () => {
    const s3 = s3Client(kefu.stack.env.KEFU_AWS_ENDPOINT ?? "");
    const bucket = kefu.stack.env[ENV.faqBucket];
    const entry = {
      id: "price_promise",
      question: "你们的会员价格优惠吗",
      similar_questions: ["会员价格优惠吗", "会员有优惠价格吗"],
      answer: "会员价是全网最低价，放心购买。",
    };
    const key = "uploads/price-promise.jsonl";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(entry)}\n` }));
    await waitFor(
      async () => {
        const object = await s3
          .send(new GetObjectCommand({ Bucket: bucket, Key: "reports/price-promise.jsonl.json" }))
          .catch(() => undefined);
        const report = object ? JSON.parse((await object.Body?.transformToString()) ?? "{}") : undefined;
        return report?.status === "applied" ? report : undefined;
      },
      { what: "the FAQ entry imported", timeoutMs: 30_000 },
    );

    const openId = "o6_quality_customer_01";
    expect((await post(wechatPush(wechat, { openId, text: "你们的会员价格优惠吗" }))).status).toBe(200);
    const notice = await waitFor(() => repliesTo(openId)[0], { what: "the reply", timeoutMs: 20_000 });
    // The customer is told a person follows up; the banned claim never leaves.
    expect(notice.text).toMatch(/工单号 KF-/);
    expect(kefu.stack.outbox.entries.map((e) => e.text).join("\n")).not.toContain("全网最低价");

    const blocked = (await findings()).find((r) => r.author === "bot" && r.decision === "blocked");
    expect(blocked).toMatchObject({
      channel: "wechat",
      reason: "handoff",
      findings: expect.arrayContaining([
        expect.objectContaining({ ruleId: "ad-law.absolute.block", term: "全网最低", severity: "block" }),
      ]),
    });
    expect(blocked?.text).toContain("全网最低价");
    expect(blocked?.ruleSetVersion).toMatch(/^\d{4}-/);
  }, 90_000);

  it("shows an agent the findings of a blocked reply, and sends it with a reason, recorded", async () => {
    const openId = "o6_quality_customer_02";
    expect((await post(wechatPush(wechat, { openId, text: "转人工" }))).status).toBe(200);
    const ticket = await waitFor(
      async () => {
        const { body } = await api<{ tickets: { ticketId: string; customer: { display: string } }[] }>(
          "agent",
          "GET",
          "/tickets?view=unassigned",
        );
        return body.tickets.find(
          (t) => t.customer.display === `wx:${openId.slice(0, 4)}…${openId.slice(-2)}`,
        );
      },
      { what: "the ticket", timeoutMs: 20_000 },
    );
    const path = `/tickets/${ticket.ticketId}`;
    const text = "放心，这款理财保证收益，全网最低价。";

    const preview = await api<{ blocked: boolean; findings: { ruleId: string; matched: string }[] }>(
      "agent",
      "POST",
      `${path}/inspect`,
      { text },
    );
    expect(preview.body.blocked).toBe(true);
    expect(preview.body.findings.map((f) => f.matched)).toEqual(["保证收益", "保证", "全网最低", "最低价"]);

    const before = repliesTo(openId).length;
    const refused = await api<{ error: string; inspectionId: string; findings: { ruleId: string }[] }>(
      "agent",
      "POST",
      `${path}/reply`,
      { text },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("quality_findings");
    expect(refused.body.findings.map((f) => f.ruleId)).toContain("promise.block");
    expect(repliesTo(openId)).toHaveLength(before);

    const empty = await api("agent", "POST", `${path}/reply`, { text, findingsOverride: { reason: " " } });
    expect(empty.status).toBe(422);

    const reason = "客户要求核对合同原文措辞";
    const sent = await api("agent", "POST", `${path}/reply`, { text, findingsOverride: { reason } });
    expect(sent.status).toBe(200);
    await waitFor(() => repliesTo(openId).find((e) => e.text.includes("保证收益")), { what: "the reply" });

    const rephrased = await api("agent", "POST", `${path}/reply`, {
      text: "这款理财产品的收益以合同为准。",
      rephraseOf: refused.body.inspectionId,
    });
    expect(rephrased.status).toBe(200);

    const mine = (await findings()).filter((r) => r.ticketId === ticket.ticketId && r.author === "agent");
    expect(mine.map((r) => r.decision).sort()).toEqual(["blocked", "sent_with_reason"]);
    expect(mine.find((r) => r.decision === "sent_with_reason")).toMatchObject({ agent: "agent", reason });

    const report = await api<QualityReport>("supervisor", "GET", "/quality/report?since=1d");
    expect(report.status).toBe(200);
    expect(report.body.inspected.agent).toBe(3);
    expect(report.body.decisions).toMatchObject({ blocked: 2, sent_with_reason: 1, rephrased: 1 });
    expect(report.body.byAgent).toContainEqual(
      expect.objectContaining({ agent: "agent", inspected: 3, blocked: 1, sentWithReason: 1, rephrased: 1 }),
    );
    expect(report.body.byRule.map((r) => r.ruleId)).toContain("promise.block");
    expect((await api("agent", "GET", "/quality/report")).status).toBe(403);
  }, 90_000);
});
