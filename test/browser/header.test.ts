/**
 * The desk's header on a phone-sized window (390 px) and on the desktop (1280 px), in both languages,
 * with the mock API: a supervisor has the most pages, so the longest header. At 390 px the row used to
 * run 408 px past the window's right edge; now the pages and the rest are in a menu under a burger.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskSession, openDesk, screenshot } from "../../desk/dev/browser";

let desk: DeskSession;

beforeAll(async () => {
  desk = await openDesk();
});

afterAll(async () => {
  await desk?.close();
});

const LANGUAGES = [
  {
    locale: "en-US",
    tag: "en",
    pages: ["Queue", "Pending changes", "Agents", "Suggestions", "Reports", "QA queue"],
  },
  {
    locale: "zh-CN",
    tag: "zh",
    pages: ["工单队列", "待审核变更", "坐席管理", "学习建议", "数据报表", "质检队列"],
  },
] as const;

async function signedIn(width: number, locale: string): Promise<Page> {
  const page = await desk.newPage({ locale });
  await page.setViewportSize({ width, height: 800 });
  await page.goto(desk.server.url);
  await page.getByTestId("login-username").fill("supervisor");
  await page.getByTestId("login-password").fill(desk.mock.password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("queue-views").waitFor();
  // The status switch comes with GET /me: the header is whole once it is there.
  await page.getByRole("radiogroup", { name: /My status|我的状态/ }).waitFor();
  await page.evaluate("document.fonts.ready");
  return page;
}

/** Every element under `selector` drawn (non-empty box) outside the window, by tag and text. */
async function outsideTheWindow(page: Page, selector: string): Promise<string[]> {
  const window = page.viewportSize() ?? { width: 0, height: 0 };
  return page.locator(selector).evaluateAll((roots, { width, height }) => {
    const out: string[] = [];
    for (const root of roots) {
      for (const el of [root, ...root.querySelectorAll("*")]) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (box.left < 0 || box.right > width || box.top < 0 || box.bottom > height) {
          out.push(`${el.tagName} "${(el.textContent ?? "").slice(0, 30)}" ${box.left}–${box.right}`);
        }
      }
    }
    return out;
  }, window);
}

/** Points down the open menu's left side where the topmost element is not the menu's. */
async function coveredPointsOfTheMenu(page: Page): Promise<string[]> {
  return page.getByTestId("menu").evaluate((menu) => {
    const box = menu.getBoundingClientRect();
    const covered: string[] = [];
    for (let y = box.top + 10; y < box.bottom; y += 10) {
      for (const x of [box.left + 4, box.left + 20]) {
        const top = menu.ownerDocument.elementFromPoint(x, y);
        if (top && !menu.contains(top)) covered.push(`${x},${y} ${top.tagName}.${top.className}`);
      }
    }
    return covered;
  });
}

describe("the header at 390 px", () => {
  for (const { locale, tag, pages } of LANGUAGES) {
    it(`fits the window in ${tag}, the pages in a menu that opens, navigates and closes`, async () => {
      const page = await signedIn(390, locale);
      const header = page.locator("header");
      expect(await outsideTheWindow(page, "header")).toEqual([]);
      expect((await header.boundingBox())?.width).toBeLessThanOrEqual(390);
      // The name of the desk and the agent's status stay in sight; the pages wait in the menu.
      expect(await header.getByRole("link").count()).toBe(0);
      expect(await header.getByRole("radiogroup").count()).toBe(1);
      await screenshot(page, `header-390-${tag}`);

      await page.getByTestId("menu-button").click();
      const menu = page.getByTestId("menu");
      await expect.poll(() => menu.getByRole("link").allTextContents()).toEqual(pages);
      await menu.getByRole("button", { name: tag === "en" ? "Sign out" : "退出登录" }).waitFor();
      // Drawn wholly inside the window once open (Mantine slides it in).
      await expect.poll(() => outsideTheWindow(page, "[data-testid=menu]")).toEqual([]);
      expect(await outsideTheWindow(page, "header")).toEqual([]);
      // Nothing of the page shows through the open menu (the queue's unread dots once did, at x ≈ 20).
      expect(await coveredPointsOfTheMenu(page)).toEqual([]);
      await screenshot(page, `header-390-${tag}-menu`);

      await menu.getByRole("link", { name: pages[4] }).click();
      await page.waitForURL(/\/reports$/);
      await expect.poll(() => page.getByTestId("menu-button").getAttribute("aria-expanded")).toBe("false");
    });
  }

  it("switches the language from the menu, and the header still fits", async () => {
    const page = await signedIn(390, "en-US");
    await page.getByTestId("menu-button").click();
    await page
      .getByTestId("menu")
      .locator("label", { hasText: /^中文$/ })
      .click();
    await expect.poll(() => page.locator("header").textContent()).toContain("客服工作台");
    expect(await outsideTheWindow(page, "header")).toEqual([]);
  });
});

describe("the header at 1280 px", () => {
  for (const { locale, tag, pages } of LANGUAGES) {
    it(`keeps the desktop row in ${tag}: every page, the switches, the name and sign out, no menu`, async () => {
      const page = await signedIn(1280, locale);
      const header = page.locator("header");
      expect(await header.getByRole("link").allTextContents()).toEqual(pages);
      expect(await header.getByTestId("whoami").textContent()).toBe("王强 Wang Qiang");
      expect(await header.getByRole("radiogroup").count()).toBe(2);
      expect(await page.getByTestId("menu-button").count()).toBe(0);
      expect(await outsideTheWindow(page, "header")).toEqual([]);
    });
  }
});
