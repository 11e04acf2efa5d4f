/**
 * TESTS ONLY: the browser tests' support. Drives Debian's Chromium (/usr/bin/chromium; Playwright cannot
 * download browsers here) with playwright-core, against the built desk served with the mock API.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { MockDesk, type MockOptions } from "./mock-api";
import { type DeskServer, startDeskServer } from "./serve";

export const CHROMIUM = process.env.KEFU_CHROMIUM ?? "/usr/bin/chromium";
const DESK = new URL("..", import.meta.url).pathname;
export const DIST = join(DESK, "dist");

/** Vitest global setup of the `browser` project: the browser must be there; the app is built once. */
export async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM}: apt-get install chromium fonts-noto-cjk (or set KEFU_CHROMIUM)`,
    );
  }
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: join(DESK, "vite.config.ts"), mode: "production", logLevel: "warn" });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export interface DeskSession {
  server: DeskServer;
  mock: MockDesk;
  browser: Browser;
  newPage(options?: { locale?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** A fresh mock desk, its server and a browser; every page is 1280×800, the size the desk is made for. */
export async function openDesk(options: MockOptions = {}): Promise<DeskSession> {
  const mock = new MockDesk({ pollMs: 1000, importDelayMs: 500, ...options });
  const server = await startDeskServer({ distDir: DIST, mock });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    server,
    mock,
    browser,
    async newPage({ locale = "zh-CN" } = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
      await server.close();
    },
  };
}

export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("whoami").waitFor();
}

/**
 * Screenshots of the main pages for docs/screenshots/, written only when DESK_SCREENSHOTS=1
 * (`npm run desk:screenshots`) so an ordinary test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.DESK_SCREENSHOTS !== "1") return;
  const dir = join(DESK, "..", "docs", "screenshots");
  await mkdir(dir, { recursive: true });
  // Let fonts and the last poll settle so the picture shows what a person would see.
  await page.evaluate("document.fonts.ready");
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
