/**
 * The supervisors' QA queue in a real browser against the real local stack (no mock): two WeChat
 * hand-offs are answered by an agent — one curtly, one with an apology and the FAQ's answer — and
 * resolved; the SLA clock's tick reviews them (npm start's grader: the heuristic, labelled as such), and
 * the supervisor's QA queue lists both, the curt one first, each linking to its ticket.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, screenshot, signIn } from "../../desk/dev/browser";
import { cognitoCall } from "../../local/cognito";
import { wechatPush } from "../../local/platforms/wechat";
import type { LocalStack } from "../../local/stack";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";

const wechat = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;
let stack: LocalStack;
let browser: Browser;
let desk: NonNullable<LocalStack["desk"]>;

beforeAll(async () => {
  const { startLocalStack } = await import("../../local/stack");
  stack = await startLocalStack({ port: 0, prefix: `browser-qa-${process.pid}`, desk: { build: false } });
  if (!stack.desk) throw new Error("the stack serves no desk");
  desk = stack.desk;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
}, 60_000);

async function idToken(username: string): Promise<string> {
  const { AuthenticationResult } = await cognitoCall<{ AuthenticationResult: { IdToken: string } }>(
    desk.cognito.endpoint,
    "InitiateAuth",
    {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: desk.cognito.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: desk.password },
    },
  );
  return AuthenticationResult.IdToken;
}

/** A WeChat customer asks for a person; the agent answers `reply` through the desk API and resolves. */
async function handledAndResolved(openId: string, question: string, reply: string): Promise<string> {
  const push = wechatPush(wechat, { openId, text: question });
  expect(
    (await fetch(`${stack.url}${push.path}`, { method: push.method, headers: push.headers, body: push.body }))
      .status,
  ).toBe(200);
  const deadline = Date.now() + 30_000;
  let ticketId: string | undefined;
  while (!ticketId) {
    const tickets = (await (await fetch(`${stack.url}/dev/tickets`)).json()) as {
      ticketId: string;
      customerId: string;
    }[];
    ticketId = tickets.find((t) => t.customerId === openId)?.ticketId;
    if (!ticketId && Date.now() > deadline) throw new Error(`no ticket for ${openId}`);
    if (!ticketId) await new Promise((r) => setTimeout(r, 100));
  }
  const token = await idToken("agent");
  for (const [path, body] of [
    [`/tickets/${ticketId}/reply`, { text: reply }],
    [`/tickets/${ticketId}/resolve`, {}],
  ] as const) {
    const response = await fetch(`${stack.url}/desk/api${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, path).toBe(200);
  }
  return ticketId;
}

async function newPage(locale = "zh-CN"): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log("PAGEERROR", e.message));
  return page;
}

describe("the QA queue on the real local stack", { timeout: 180_000 }, () => {
  it("lists resolved, human-handled tickets by score, lowest first, labelled heuristic, linked to the ticket", async () => {
    const curt = await handledAndResolved("o6_qa_customer_curt", "转人工，我要退货", "不行");
    const kind = await handledAndResolved(
      "o6_qa_customer_kind",
      "转人工，怎么申请退货",
      "非常抱歉给您带来不便，感谢您的耐心！您可以在订单页点击「申请售后」提交退货申请，我们会尽快为您处理。",
    );
    // The tick the EventBridge schedule runs in AWS (here also on a timer): it reviews both.
    await stack.tickSla();

    const page = await newPage();
    await signIn(page, desk.url, "supervisor", desk.password);
    await page.goto(`${desk.url}qa`);
    await page.getByTestId("qa-table").waitFor({ timeout: 15_000 });
    const rows = page.getByTestId("qa-review");
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    const order = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-ticket")));
    expect(order.indexOf(curt)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(curt)).toBeLessThan(order.indexOf(kind));
    // Said plainly: a heuristic graded these, not a model.
    expect(await page.getByTestId("qa-grader").textContent()).toContain("启发式规则评分，并非模型");
    const curtRow = rows.filter({ hasText: curt });
    expect(await curtRow.textContent()).toContain("启发式");
    expect(await curtRow.textContent()).toContain("没有致歉");
    await screenshot(page, "real-qa-queue");

    await curtRow.getByRole("link", { name: curt }).click();
    await page.getByTestId("transcript").waitFor();
    expect(await page.getByTestId("transcript").textContent()).toContain("不行");
  });

  it("words the heuristic's reasons in English for a supervisor using the English desk", async () => {
    const kind = await handledAndResolved(
      "o6_qa_customer_kind_en",
      "转人工，怎么申请退货",
      "非常抱歉给您带来不便，感谢您的耐心！您可以在订单页点击「申请售后」提交退货申请，我们会尽快为您处理。",
    );
    await stack.tickSla();

    const page = await newPage("en-US");
    await signIn(page, desk.url, "supervisor", desk.password);
    await page.goto(`${desk.url}qa`);
    const row = page.getByTestId("qa-review").filter({ hasText: kind });
    await row.waitFor({ timeout: 15_000 });
    const reasons = (await row.locator("li").allTextContents()).map((text) => text.replace(/\s+/g, " "));
    // Each reason in the desk's English words, with the figures the grader stored.
    expect(reasons).toEqual([
      "Empathy: The agent's replies show: apology, thanks, polite phrases",
      "Resolution: Resolved by the agent; the customer has not rated it",
      expect.stringMatching(
        /^Accuracy: The agent's replies repeat \d+% of the answer of FAQ \S+ word for word$/,
      ),
    ]);
    expect((await row.textContent()) ?? "").not.toMatch(/[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/);
    await screenshot(page, "real-qa-queue-en");

    // The same review in the Chinese desk: the same codes, in Chinese.
    await page.locator("label", { hasText: /^中文$/ }).click();
    await expect
      .poll(async () => (await row.locator("li").first().textContent())?.replace(/\s+/g, " "))
      .toBe("同理心：客服回复中有：致歉、致谢、礼貌用语");
  });

  it("is not an agent's page: the nav has no entry and the API answers 403", async () => {
    const page = await newPage();
    await signIn(page, desk.url, "agent", desk.password);
    await page.goto(`${desk.url}queue`);
    await page.getByTestId("queue-views").waitFor();
    expect(await page.getByRole("link", { name: "质检队列" }).count()).toBe(0);
    const response = await fetch(`${stack.url}/desk/api/quality/reviews`, {
      headers: { authorization: `Bearer ${await idToken("agent")}` },
    });
    expect(response.status).toBe(403);
  });
});
