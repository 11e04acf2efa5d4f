/**
 * The reply box's quality findings in a real browser: a reply the desk API refuses with 409
 * `quality_findings` (docs/desk-api.md) shows each finding, nothing is sent, and the agent either sends
 * it anyway with a reason or rephrases, naming the refused attempt. The development mock API does not
 * inspect: the refusal is the server's contract, answered here by intercepting the reply request
 * (test/e2e/quality-inspection.test.ts checks the server's side on the local stack).
 */
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskSession, openDesk, screenshot, signIn } from "../../desk/dev/browser";

let desk: DeskSession;
beforeAll(async () => {
  desk = await openDesk();
});
afterAll(async () => {
  await desk?.close();
});

const BLOCKED = "放心，这款理财保证收益。";
const refusal = {
  error: "quality_findings",
  message: "The reply breaks a quality rule: rephrase it, or send it anyway with a reason.",
  messageZh: "回复触发了质检规则：请修改措辞，或填写理由后仍然发送。",
  inspectionId: "desk#KF-1#attempt-1",
  findings: [
    {
      ruleId: "promise.block",
      category: "promise",
      severity: "block",
      term: "保证收益",
      matched: "保证收益",
      start: 7,
      end: 11,
      messageZh: "公司无法做出的承诺（收益、安全）。",
      message: "A promise the company cannot make (returns, safety).",
    },
  ],
};

/** Refuses every reply that has blocked words and no override, as the desk API does; records the bodies. */
async function inspectingReplies(page: Page, id: string): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  await page.route(`**/desk/api/tickets/${id}/reply`, async (route: Route) => {
    const body = route.request().postDataJSON() as Record<string, unknown>;
    bodies.push(body);
    if (String(body.text).includes("保证收益") && !body.findingsOverride) {
      await route.fulfill({ status: 409, contentType: "application/json", body: JSON.stringify(refusal) });
      return;
    }
    await route.continue();
  });
  return bodies;
}

function openTicket(): string {
  for (const [id, ticket] of desk.mock.tickets) {
    const t = ticket.summary;
    if (t.channel === "wechat" && t.assignee === "agent" && t.status !== "resolved") return id;
  }
  throw new Error("no seeded ticket matches");
}

describe("quality findings in the reply box", () => {
  it("shows a refused reply's findings, sends nothing, then sends it anyway with the reason", async () => {
    const id = openTicket();
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    const bodies = await inspectingReplies(page, id);
    const before = desk.mock.tickets.get(id)?.transcript.length;

    await page.getByTestId("reply-input").fill(BLOCKED);
    await page.getByTestId("reply-send").click();
    await page.getByTestId("quality-findings").waitFor();
    expect(await page.getByTestId("quality-finding-matched").allTextContents()).toEqual(["「保证收益」"]);
    expect(await page.getByTestId("quality-finding").first().textContent()).toContain("公司无法做出的承诺");
    expect(await page.getByTestId("action-error").count()).toBe(0);
    expect(desk.mock.tickets.get(id)?.transcript.length).toBe(before);
    await screenshot(page, "quality-findings");

    expect(await page.getByTestId("quality-send-anyway").isDisabled()).toBe(true);
    await page.getByTestId("quality-reason").fill("客户要求核对合同原文措辞");
    await page.getByTestId("quality-send-anyway").click();
    await expect.poll(() => desk.mock.tickets.get(id)?.transcript.at(-1)?.text).toBe(BLOCKED);
    expect(bodies.at(-1)).toMatchObject({
      text: BLOCKED,
      findingsOverride: { reason: "客户要求核对合同原文措辞" },
    });
    await expect.poll(() => page.getByTestId("quality-findings").count()).toBe(0);
  });

  it("sends a rephrased reply naming the refused attempt", async () => {
    const id = openTicket();
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    const bodies = await inspectingReplies(page, id);

    await page.getByTestId("reply-input").fill(BLOCKED);
    await page.getByTestId("reply-send").click();
    await page.getByTestId("quality-findings").waitFor();
    const rephrased = "这款理财产品的收益以合同为准。";
    await page.getByTestId("reply-input").fill(rephrased);
    await page.getByTestId("reply-send").click();
    await expect.poll(() => desk.mock.tickets.get(id)?.transcript.at(-1)?.text).toBe(rephrased);
    expect(bodies.at(-1)).toEqual(
      expect.objectContaining({ text: rephrased, rephraseOf: refusal.inspectionId }),
    );
    expect(bodies.at(-1)).not.toHaveProperty("findingsOverride");
  });
});
