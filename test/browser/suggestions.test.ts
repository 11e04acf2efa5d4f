/**
 * The learning suggestions page (issue 13) in a real browser with the development mock API: a supervisor
 * sees unanswered questions by topic, teaches one as phrasings of the closest entry (one pending change),
 * dismisses another; an agent has no such page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskSession, openDesk, screenshot, signIn } from "../../desk/dev/browser";

let desk: DeskSession;

beforeAll(async () => {
  desk = await openDesk();
});

afterAll(async () => {
  await desk?.close();
});

describe("learning suggestions", () => {
  it("lets a supervisor teach a topic as phrasings of an entry, then dismiss another", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.getByRole("link", { name: "学习建议" }).click();
    const cards = page.getByTestId("suggestion");
    await cards.first().waitFor();
    expect(await cards.count()).toBe(2);
    await screenshot(page, "suggestions");

    // Untick one wording, keep the closest entry the page picked, and teach.
    const first = cards.first();
    await first.getByRole("checkbox", { name: "信用卡付的款退到哪里" }).uncheck();
    await first.getByTestId("suggestion-teach").click();
    await expect.poll(() => cards.count()).toBe(1);
    expect(desk.mock.changes.at(-1)).toMatchObject({
      kind: "phrasing",
      faqId: "FAQ-0002",
      status: "pending",
      author: "supervisor",
      suggestionId: "sg-refund-card",
      texts: [
        "退款能退到信用卡吗",
        "钱会退回我的卡里吗",
        "退款是原路返回到银行卡吗",
        "退款退回哪张卡 138****5678",
      ],
    });

    // The change waits on the changes page with every wording.
    await page.getByRole("link", { name: "待审核变更" }).click();
    await page.getByTestId("change").first().waitFor();
    expect(await page.getByTestId("change").first().textContent()).toContain("钱会退回我的卡里吗");

    await page.getByRole("link", { name: "学习建议" }).click();
    await cards.first().getByTestId("suggestion-dismiss").click();
    await page.getByRole("dialog").getByRole("button", { name: "忽略" }).click();
    await page.getByText("目前没有可学习的问题。").waitFor();
  });

  it("is not offered to an agent", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    expect(await page.getByRole("link", { name: "学习建议" }).count()).toBe(0);
  });
});
