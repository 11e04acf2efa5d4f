/**
 * The learning suggestions page (issue 13) in a real browser with the development mock API: a supervisor
 * sees unanswered questions by topic, teaches one as phrasings of the closest entry (one pending change),
 * dismisses another, proposes a third as out of scope ("not our business") and approves it; an agent has
 * no such page, but can propose a ticket's question as out of scope from the teach menu. The wordings
 * customers picked an entry for, when the bot offered options, are taught to that entry in one click;
 * those left out stay suggested.
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
  it("shows what customers picked when the bot offered options, taught to the entry picked in one click; wordings left out stay", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.getByRole("link", { name: "学习建议" }).click();
    const cards = page.getByTestId("suggestion");
    const picked = cards.filter({ has: page.getByTestId("suggestion-picked") });
    await picked.waitFor();
    expect(await cards.count()).toBe(4);
    expect(await picked.getByTestId("suggestion-picked").textContent()).toBe(
      "客户 5 次为此选择了 FAQ-0002「退款多久到账？」同样的问法下客户也选过：FAQ-0005 ×1",
    );
    await picked.scrollIntoViewIfNeeded();
    await screenshot(page, "suggestion-picked");
    const teach = picked.getByTestId("suggestion-teach");
    expect(await teach.textContent()).toBe("将 3 个问法教为 FAQ-0002 的问法");
    // Two wordings taught: the third one's pick stays suggested, as the real API keeps it.
    await picked.getByRole("checkbox", { name: "退款几天到" }).uncheck();
    await teach.click();
    await expect
      .poll(() => picked.getByTestId("suggestion-picked").textContent())
      .toBe("客户 1 次为此选择了 FAQ-0002「退款多久到账？」同样的问法下客户也选过：FAQ-0005 ×1");
    expect(desk.mock.changes.at(-1)).toMatchObject({
      kind: "phrasing",
      faqId: "FAQ-0002",
      status: "pending",
      author: "supervisor",
      suggestionId: "picked-refund-time",
      texts: ["钱什么时候退回来", "退的钱啥时候到"],
    });
    expect(await cards.count()).toBe(4);
    expect(await picked.getByRole("checkbox").count()).toBe(1);
    // The card starts afresh with the wording left, ticked: one click teaches it.
    expect(await teach.textContent()).toBe("将 1 个问法教为 FAQ-0002 的问法");
    await teach.click();
    await expect.poll(() => cards.count()).toBe(3);
    expect(desk.mock.changes.at(-1)).toMatchObject({
      suggestionId: "picked-refund-time",
      texts: ["退款几天到"],
    });
  });

  it("lets a supervisor teach a topic as phrasings of an entry, then dismiss another", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "supervisor", desk.mock.password);
    await page.getByRole("link", { name: "学习建议" }).click();
    const cards = page.getByTestId("suggestion");
    await cards.first().waitFor();
    expect(await cards.count()).toBe(3);
    await screenshot(page, "suggestions");

    // Untick one wording, keep the closest entry the page picked, and teach.
    const first = cards.first();
    await first.getByRole("checkbox", { name: "信用卡付的款退到哪里" }).uncheck();
    await first.getByTestId("suggestion-teach").click();
    await expect.poll(() => cards.count()).toBe(2);
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
    await expect.poll(() => cards.count()).toBe(1);

    // "Not our business": the last topic's wordings are proposed as out of scope, for approval.
    const last = cards.first();
    await last.getByRole("checkbox", { name: "拼多多买的东西到哪了" }).uncheck();
    await last.getByTestId("suggestion-out-of-scope").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("别的平台的快递能帮查吗").waitFor();
    await screenshot(page, "suggestion-out-of-scope");
    await dialog.getByTestId("suggestion-out-of-scope-submit").click();
    await page.getByText("目前没有可学习的问题。").waitFor();
    expect(desk.mock.changes.at(-1)).toMatchObject({
      kind: "out_of_scope",
      status: "pending",
      author: "supervisor",
      suggestionId: "sg-other-shop-parcel",
      texts: ["帮我查一下在别家店买的快递", "别的平台的快递能帮查吗"],
    });
    await page.getByRole("link", { name: "待审核变更" }).click();
    const change = page.getByTestId("change").filter({ hasText: "超出范围" });
    await change.waitFor();
    expect(await change.textContent()).toContain("别的平台的快递能帮查吗");
    await change.getByTestId("change-approve").click();
    await change.getByText("已通过").waitFor();
    expect(desk.mock.outOfScope).toEqual(["帮我查一下在别家店买的快递", "别的平台的快递能帮查吗"]);
  });

  it("offers an agent's teach menu the same on a ticket: this question is not our business", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    const [id, ticket] = [...desk.mock.tickets].find(([, t]) => t.summary.status === "open") ?? [];
    await page.goto(`${desk.server.url}tickets/${id}`);
    await page.getByTestId("teach-menu").click();
    await page.getByTestId("teach-out-of-scope").click();
    const wording = page.getByTestId("teach-oos-wording");
    await wording.waitFor();
    await screenshot(page, "teach-out-of-scope");
    // The customer's last message, as the other teach dialogs start from.
    const text = await wording.inputValue();
    expect(text).not.toBe("");
    await page.getByTestId("teach-oos-submit").click();
    await page.getByTestId("notice").waitFor();
    expect(desk.mock.changes.at(-1)).toMatchObject({
      kind: "out_of_scope",
      status: "pending",
      author: "agent",
      ticketId: ticket?.summary.ticketId,
      text,
    });
  });

  it("is not offered to an agent", async () => {
    const page = await desk.newPage();
    await signIn(page, desk.server.url, "agent", desk.mock.password);
    expect(await page.getByRole("link", { name: "学习建议" }).count()).toBe(0);
  });
});
