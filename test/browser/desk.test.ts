/**
 * The agents' desk in a real browser (Debian's Chromium), built and served with the development mock API:
 * sign-in, the queue and its polling, a ticket, the reply box's channel constraints, sending, resolving,
 * the errors an agent must understand, teaching the bot and the admin upload.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskSession, openDesk, screenshot, signIn } from "../../desk/dev/browser";

let desk: DeskSession;

beforeAll(async () => {
  desk = await openDesk();
});

afterAll(async () => {
  await desk?.close();
});

/** The id of the first seeded ticket matching `predicate`. */
function ticketWhere(
  predicate: (t: { channel: string; assignee?: string; status: string }) => boolean,
): string {
  for (const [id, ticket] of desk.mock.tickets) if (predicate(ticket.summary)) return id;
  throw new Error("no seeded ticket matches");
}

async function rowIds(page: Page): Promise<string[]> {
  return page.getByTestId("ticket-row").evaluateAll((rows) => rows.map((row) => row.textContent ?? ""));
}

describe("signing in", () => {
  it("refuses a wrong password with a clear message, then signs in and shows the agent's queue", async () => {
    const page = await desk.newPage();
    await page.goto(desk.server.url);
    await page.getByTestId("login-username").fill("agent");
    await page.getByTestId("login-password").fill("wrong-password");
    await page.getByTestId("login-submit").click();
    await expect.poll(() => page.getByTestId("login-error").textContent()).toBe("用户名或密码错误。");
    await screenshot(page, "login");

    await page.getByTestId("login-password").fill(desk.mock.password);
    await page.getByTestId("login-submit").click();
    await page.getByTestId("ticket-row").first().waitFor();
    const mine = [...desk.mock.tickets.values()].filter(
      (t) => t.summary.assignee === "agent" && t.summary.status !== "resolved",
    );
    const rows = await rowIds(page);
    expect(rows).toHaveLength(mine.length);
    for (const ticket of mine) expect(rows.some((row) => row.includes(ticket.summary.ticketId))).toBe(true);
    // Sorted by priority: the urgent ticket comes first.
    const urgent = mine.find((t) => t.summary.priority === "urgent");
    expect(rows[0]).toContain(urgent?.summary.ticketId);
  });

  it("lands an agent with no tickets of their own on the unassigned queue, and keeps Mine once chosen", async () => {
    // A desk of its own: agent2's tickets are resolved here, which the other tests must not see.
    const quiet = await openDesk();
    try {
      for (const [id, ticket] of quiet.mock.tickets) {
        if (ticket.summary.assignee === "agent2" && ticket.summary.status !== "resolved") {
          quiet.mock.resolveElsewhere(id, "agent2");
        }
      }
      const waiting = [...quiet.mock.tickets.values()].filter((t) => t.summary.status === "open");
      expect(waiting.length).toBeGreaterThan(0);
      const page = await quiet.newPage();
      await signIn(page, quiet.server.url, "agent2", quiet.mock.password);
      await page.getByTestId("ticket-row").first().waitFor();
      expect(new URL(page.url()).searchParams.get("view")).toBe("unassigned");
      expect(await page.getByRole("radio", { name: "未分配" }).isChecked()).toBe(true);
      expect(await rowIds(page)).toHaveLength(waiting.length);

      // Mine, asked for, is shown even empty: the landing only chooses when the agent has not.
      const mineAnswered = () => page.waitForResponse((r) => r.url().includes("/tickets?view=mine"));
      await Promise.all([mineAnswered(), page.getByText("我的", { exact: true }).click()]);
      await mineAnswered(); // the next poll: still Mine
      expect(new URL(page.url()).searchParams.get("view")).toBe("mine");
      expect(await page.getByTestId("ticket-row").count()).toBe(0);
    } finally {
      await quiet.close();
    }
  });

  it("asks an invited agent for a new password and signs them in with it", async () => {
    const page = await desk.newPage({ locale: "en-US" });
    await page.goto(desk.server.url);
    await page.getByTestId("login-username").fill("newagent");
    await page.getByTestId("login-password").fill(`${desk.mock.password}-temp`);
    await page.getByTestId("login-submit").click();
    await page.getByTestId("login-new-password").fill("Better-Passw0rd");
    await page.getByTestId("login-new-password-again").fill("Better-Passw0rd");
    await page.getByTestId("login-submit").click();
    await expect.poll(() => page.getByTestId("whoami").textContent()).toBe("张伟 Zhang Wei");
  });

  it("goes back to the login page, saying why, when the API refuses the token (401)", async () => {
    const page = await desk.newPage({ locale: "en-US" });
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    // A forged token and a refresh token Cognito does not know: the API says 401 and the refresh fails.
    // (A string: this file is type-checked without the DOM library.)
    await page.evaluate(`{
      const session = JSON.parse(localStorage.getItem("kefu-desk-session"));
      session.idToken += "x";
      session.refreshToken = "forged";
      localStorage.setItem("kefu-desk-session", JSON.stringify(session));
    }`);
    await page.reload();
    await page.getByTestId("login-username").waitFor();
    expect(await page.getByText("Your session has ended. Please sign in again.").count()).toBe(1);
  });
});

describe("a short-lived ID token", () => {
  it("is refreshed with the refresh token before it expires, without asking the agent again", async () => {
    // Tokens that live 30 s are always inside the client's one-minute refresh margin.
    const shortLived = await openDesk({ tokenTtlSec: 30 });
    try {
      const page = await shortLived.newPage();
      await signIn(page, shortLived.server.url, "agent", shortLived.mock.password);
      await page.getByTestId("ticket-row").first().waitFor();
      expect(shortLived.mock.refreshes).toBeGreaterThan(0);
      expect(await page.getByTestId("login-username").count()).toBe(0);
    } finally {
      await shortLived.close();
    }
  });
});

describe("the queue", () => {
  it("shows a new ticket within a poll, without a reload", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}queue?view=open`);
    await page.getByTestId("ticket-row").first().waitFor();
    const before = await rowIds(page);

    const id = desk.mock.customerWrites("你好，我的优惠券用不了，能帮我看一下吗？");
    const row = page.getByTestId("ticket-row").filter({ hasText: id });
    await row.waitFor();
    expect(await rowIds(page)).toHaveLength(before.length + 1);
    expect(await row.getAttribute("data-unread")).toBe("true");
    await screenshot(page, "queue");
  });

  it("shows every badge whole in English (no 'NOR…' in the priority column)", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}queue?view=open`);
    await page.getByTestId("ticket-row").first().waitFor();
    await page.getByText("EN", { exact: true }).click();
    await page.getByText("Normal", { exact: true }).first().waitFor();
    // A label cut short is wider inside than the box it is drawn in.
    const cut = await page
      .locator(".mantine-Badge-label")
      .evaluateAll((labels) =>
        labels.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.textContent),
      );
    expect(cut).toEqual([]);
  });

  it("clears a ticket's unread marker once read, and sets it again when the customer writes", async () => {
    const id = ticketWhere((t) => t.channel === "dingtalk" && t.status !== "resolved");
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("transcript").waitFor();
    await page.getByRole("link", { name: "工单队列" }).first().click();
    const row = page.getByTestId("ticket-row").filter({ hasText: id });
    await expect.poll(() => row.getAttribute("data-unread")).toBe("false");

    desk.mock.customerWrites("请尽快回复，谢谢", id);
    await expect.poll(() => row.getAttribute("data-unread")).toBe("true");
    expect(await row.textContent()).toContain("请尽快回复，谢谢");
  });

  it("moves with j/k and opens the selected ticket with Enter", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.getByTestId("ticket-row").first().waitFor();
    const rows = await rowIds(page);
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    await page.getByTestId("transcript").waitFor();
    expect(rows[1]).toContain(await page.getByTestId("ticket-id").textContent());
  });
});

describe("a ticket", () => {
  it("shows the conversation, counts SMS segments while typing, sends the reply and resolves", async () => {
    const id = ticketWhere((t) => t.channel === "sms" && t.assignee === "agent" && t.status !== "resolved");
    const page = await desk.newPage({ locale: "en-US" });
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.getByTestId("ticket-row").filter({ hasText: id }).click();
    const transcript = page.getByTestId("transcript");
    await transcript.waitFor();
    expect(await transcript.textContent()).toContain("退款什么时候到账");
    // The hand-off notice the customer got, with the ticket number, is the bot's last turn.
    expect(await transcript.locator('[data-role="bot"]').last().textContent()).toContain(`工单号 ${id}`);

    const budget = page.getByTestId("channel-budget");
    await page.getByTestId("reply-input").fill("Hello, your refund was approved today.");
    await expect.poll(() => budget.textContent()).toContain("GSM-7 · 38 units · 1 / 3 SMS · 160 per SMS");
    // One Chinese character switches the whole message to UCS-2: 70 per SMS, 67 once it is split.
    const chinese =
      "您好，您的退款已于今天审核通过，款项将在一到三个工作日内原路退回到您付款时使用的银行卡或微信零钱，请注意查收。如有任何疑问，请随时回复本短信联系我们。";
    await page.getByTestId("reply-input").fill(chinese);
    await expect
      .poll(() => budget.textContent())
      .toContain(`UCS-2 · ${chinese.length} units · 2 / 3 SMS · 67 per SMS`);
    await screenshot(page, "ticket");

    await page.getByTestId("reply-send").click();
    await expect.poll(() => page.getByTestId("send-done").textContent()).toBe("Sent in 2 part(s).");
    await expect.poll(() => transcript.textContent()).toContain(chinese);
    const sent = desk.mock.tickets.get(id)?.transcript.at(-1);
    expect(sent).toMatchObject({ role: "agent", text: chinese, agent: "agent" });
    expect(await page.getByTestId("reply-input").inputValue()).toBe("");

    await page.getByTestId("resolve").click();
    await page.getByTestId("reopen").waitFor();
    expect(desk.mock.tickets.get(id)?.summary.status).toBe("resolved");
    expect(await page.getByTestId("reply-send").isDisabled()).toBe(true);
  });

  it("sends with Ctrl+Enter the suggestion it drafted, and records that the suggestion was used", async () => {
    const id = ticketWhere(
      (t) => t.channel === "wechat" && t.assignee === "agent" && t.status !== "resolved",
    );
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("suggestion").first().click();
    const drafted = await page.getByTestId("reply-input").inputValue();
    expect(drafted).not.toBe("");
    expect(await page.getByTestId("channel-budget").textContent()).toMatch(/字节 · 1 条（每条 ≤ 2048 字节）/);
    await page.getByTestId("reply-input").press("Control+Enter");
    await page.getByTestId("send-done").waitFor();
    expect(desk.mock.tickets.get(id)?.transcript.at(-1)).toMatchObject({
      role: "agent",
      text: drafted,
      suggestion: { kind: "faq", edited: false },
    });
  });

  it("says clearly, in the UI's language, that a ticket someone else resolved meanwhile takes no reply (409)", async () => {
    const id = ticketWhere((t) => t.channel === "email" && t.status === "open");
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("transcript").waitFor();
    // The page has not polled since another agent resolved it: hold its refreshes so it cannot know.
    await page.route(`**/desk/api/tickets/${id}`, () => undefined);
    desk.mock.resolveElsewhere(id);
    await page.getByTestId("reply-input").fill("Hello Jamie, I have reversed the second charge.");
    await page.getByTestId("reply-send").click();
    await expect
      .poll(() => page.getByTestId("action-error").textContent())
      .toBe("该工单已解决。如需回复，请先重新打开。");
    expect(desk.mock.tickets.get(id)?.transcript.some((turn) => turn.role === "agent")).toBe(false);
  });

  it("warns that a reply the channel never confirmed may have been delivered, and marks it in the transcript", async () => {
    // A ticket still open on a channel without a reply window or an opt-out (earlier tests resolve the
    // seed's SMS tickets, and one of its customers has opted out): one a reply can be sent on.
    const id = [...desk.mock.tickets].find(
      ([, t]) =>
        ["email", "dingtalk", "wecom"].includes(t.summary.channel) && t.summary.status !== "resolved",
    )?.[0];
    if (!id) throw new Error("no open ticket a reply can be sent on");
    const page = await desk.newPage({ locale: "en-US" });
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("transcript").waitFor();
    desk.mock.loseNextDelivery(id);
    await page.getByTestId("reply-input").fill("Your refund is on its way.");
    await page.getByTestId("reply-send").click();
    await expect
      .poll(() => page.getByTestId("delivery-unknown").textContent())
      .toBe(
        "The channel did not confirm this reply: it may have been delivered. Check with the customer before sending it again.",
      );
    // Not offered as sent, nor left in the box ready to go again.
    expect(await page.getByTestId("send-done").count()).toBe(0);
    expect(await page.getByTestId("action-error").count()).toBe(0);
    expect(await page.getByTestId("reply-input").inputValue()).toBe("");
    await expect
      .poll(() => page.getByTestId("turn-delivery-unknown").last().textContent())
      .toBe("may have been delivered");
    expect(desk.mock.tickets.get(id)?.transcript.at(-1)).toMatchObject({
      role: "agent",
      text: "Your refund is on its way.",
      delivery: "unknown",
    });
    await screenshot(page, "reply-delivery-unknown");
  });

  it("disables sending when WeChat's 48-hour window has closed, and says why", async () => {
    const id = ticketWhere((t) => t.channel === "wechat" && t.status === "open");
    const page = await desk.newPage({ locale: "en-US" });
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("reply-input").fill("Hello?");
    expect(await page.getByTestId("channel-blocked").textContent()).toMatch(
      /48-hour customer-service window closed/,
    );
    expect(await page.getByTestId("reply-send").isDisabled()).toBe(true);
  });
});

describe("teaching the bot", () => {
  it("lets an agent propose a phrasing that only a supervisor can approve", async () => {
    const id = ticketWhere((t) => t.channel === "wecom" && t.status === "open");
    const agent = await desk.newPage();
    await signIn(agent, desk.server.url, "agent", desk.mock.password);
    await agent.goto(`${desk.server.url}tickets/${id}`);
    await agent.getByTestId("teach-menu").click();
    await agent.getByTestId("teach-link-faq").click();
    expect(await agent.getByTestId("teach-wording").inputValue()).toBe("会员自动续费怎么关？扣了我两个月了");
    await agent.getByTestId("teach-faq-search").fill("自动续费");
    await agent.getByTestId("faq-hit").filter({ hasText: "FAQ-0007" }).click();
    await agent.getByTestId("teach-submit").click();
    await agent.getByTestId("notice").waitFor();
    expect(desk.mock.changes).toMatchObject([
      { kind: "phrasing", faqId: "FAQ-0007", author: "agent", status: "pending" },
    ]);

    await agent.goto(`${desk.server.url}changes`);
    await agent.getByTestId("change").waitFor();
    expect(await agent.getByTestId("change-approve").count()).toBe(0);

    const supervisor = await desk.newPage();
    await signIn(supervisor, desk.server.url, "supervisor", desk.mock.password);
    await supervisor.goto(`${desk.server.url}changes`);
    await supervisor.getByTestId("change-approve").waitFor();
    await screenshot(supervisor, "pending-changes");
    await supervisor.getByTestId("change-approve").click();
    await supervisor.getByTestId("import-report").waitFor();
    expect(desk.mock.changes[0]?.status).toBe("approved");
  });

  it("lets an agent save a reply as a new entry, submitted only once it has a question and an answer", async () => {
    const id = ticketWhere((t) => t.status === "open");
    const agent = await desk.newPage();
    await signIn(agent, desk.server.url, "agent", desk.mock.password);
    await agent.goto(`${desk.server.url}tickets/${id}`);
    await agent.getByTestId("teach-menu").click();
    await agent.getByTestId("teach-save-entry").click();
    const submit = agent.getByTestId("teach-entry-submit");
    await agent.getByTestId("teach-entry-answer").fill("  ");
    expect(await submit.isDisabled()).toBe(true);
    await agent.getByTestId("teach-entry-question").fill(" 发票怎么开？ ");
    await agent.getByTestId("teach-entry-answer").fill("在订单详情页申请电子发票。");
    await agent.getByTestId("teach-entry-category").fill("发票");
    await submit.click();
    await agent.getByTestId("notice").waitFor();
    expect(desk.mock.changes.at(-1)).toMatchObject({
      kind: "entry",
      question: "发票怎么开？",
      answer: "在订单详情页申请电子发票。",
      category: "发票",
      author: "agent",
      status: "pending",
    });
  });
});

describe("loading the desk", () => {
  it("has an icon of its own: no request for /favicon.ico, and nothing answered 404", async () => {
    const page = await desk.newPage();
    const missing: string[] = [];
    page.on("response", (response) => {
      if (response.status() === 404) missing.push(new URL(response.url()).pathname);
    });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    await page.getByTestId("queue-views").waitFor();
    const icon = await page.locator("link[rel=icon]").getAttribute("href");
    expect(icon).toMatch(/^data:image\/svg\+xml,/);
    expect(requested.filter((path) => path.endsWith("favicon.ico"))).toEqual([]);
    expect(missing).toEqual([]);
  });
});

describe("a page the user's groups do not open", () => {
  it("says so, with the groups that may, rather than that the page does not exist", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.getByTestId("queue-views").waitFor();
    await page.goto(new URL("knowledge", page.url()).href);
    const notice = page.getByTestId("no-access");
    await notice.waitFor();
    expect(await notice.textContent()).toBe("无权访问此页面。可访问的用户组：管理员。");
    expect(await page.getByText("页面不存在").count()).toBe(0);
    // A page that does not exist still says that.
    await page.goto(new URL("nowhere", page.url()).href);
    await page.getByText("页面不存在。").waitFor();

    const admin = await desk.newPage({ locale: "en-US" });
    await signIn(admin, desk.server.url, "admin", desk.mock.password);
    await admin.getByTestId("faq-upload").waitFor({ state: "attached" });
    await admin.goto(new URL("queue", admin.url()).href);
    await admin.getByTestId("no-access").waitFor();
    expect(await admin.getByTestId("no-access").textContent()).toBe(
      "You don't have access to this page.It is open to: agents, supervisors.",
    );
  });
});

describe("the knowledge base (admin)", () => {
  it("lands an admin on the knowledge base, with no page or request of the tickets' (which would be 403s)", async () => {
    const page = await desk.newPage();
    const requested: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "fetch" || request.resourceType() === "xhr") {
        requested.push(new URL(request.url()).pathname);
      }
    });
    await signIn(page, desk.server.url, "admin", desk.mock.password);
    await page.getByTestId("faq-upload").waitFor({ state: "attached" });
    expect(new URL(page.url()).pathname).toMatch(/\/knowledge$/);
    const nav = await page.locator("nav a").allTextContents();
    expect(nav).not.toContain("工单队列");
    // The agents page is an admin's too (who changes groups), but the knowledge base comes first.
    expect(nav).toContain("坐席管理");
    expect(nav.indexOf("坐席管理")).toBeGreaterThan(nav.indexOf("知识库"));
    expect(requested.filter((path) => /\/(tickets|changes|agents)\b|\/me\/status/.test(path))).toEqual([]);
  });

  it("uploads an FAQ file to the presigned URL and shows its import report with the rejected rows", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "admin", desk.mock.password);
    await page.goto(`${desk.server.url}knowledge`);
    const csv =
      "question,answer,category\n如何注销账号？,在「设置-账户」中申请注销。,账户\n空答案的问题,,账户\n";
    await page
      .getByTestId("faq-upload")
      .setInputFiles({ name: "faq-2026-12.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByTestId("faq-upload-submit").click();
    const report = page.getByTestId("import-report").first();
    await report.waitFor();
    expect(await report.getByTestId("report-count").allTextContents()).toEqual([
      "行数: 2",
      "新增: 1",
      "已拒绝: 1",
    ]);
    expect(await report.getByTestId("rejected-row").allTextContents()).toEqual([
      "3answerempty_fieldanswer is empty",
    ]);
    await screenshot(page, "admin-upload");
  });

  it("says why a file was refused whole, rather than only 'failed, 0 rows'", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "admin", desk.mock.password);
    await page.goto(`${desk.server.url}knowledge`);
    await page
      .getByTestId("faq-upload")
      .setInputFiles({ name: "说明.csv", mimeType: "text/csv", buffer: Buffer.from("编号,标题\n1,退货\n") });
    await page.getByTestId("faq-upload-submit").click();
    const report = page.getByTestId("import-report").first();
    await report.waitFor();
    expect(await report.getByTestId("report-problem").textContent()).toContain("缺少列：question、answer");
  });

  it("refuses a file it cannot import before uploading, naming the types it can", async () => {
    // The API's 422 on the name used to read "check the highlighted fields", with no field to check.
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "admin", desk.mock.password);
    await page.goto(`${desk.server.url}knowledge`);
    await page
      .getByTestId("faq-upload")
      .setInputFiles({ name: "常见问题.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.7") });
    expect(await page.getByTestId("upload-unsupported").textContent()).toBe(
      "无法导入 常见问题.pdf：请使用 .csv .tsv .txt .xlsx .jsonl .ndjson 文件；.xls 请另存为 .xlsx。",
    );
    expect(await page.getByTestId("faq-upload-submit").isDisabled()).toBe(true);
    await page
      .getByTestId("faq-upload")
      .setInputFiles({ name: "faq.CSV", mimeType: "text/csv", buffer: Buffer.from("id,question,answer\n") });
    expect(await page.getByTestId("upload-unsupported").count()).toBe(0);
    expect(await page.getByTestId("faq-upload-submit").isDisabled()).toBe(false);
  });
});
