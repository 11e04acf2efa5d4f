import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEmail } from "../../../../shared/channels/email/mime";
import { spamReason } from "../../../../shared/channels/email/spam";
import { sharedDataPath } from "../../../support/shared-data";

const dir = sharedDataPath("dev", "emails");
const raw = (name: string) => readFileSync(join(dir, name));
const mail = (headers: string, body: string) =>
  parseEmail(Buffer.from(`From: a@customer.example\r\nTo: s@kefu.example\r\n${headers}\r\n${body}\r\n`));

describe("spamReason", () => {
  it.each([
    ["spamscope_zh_spam_gb2312_8bit.eml", "content:phrase"],
    ["spamscope_zh_spam_gb2312_base64_html.eml", "content:phrase"],
    ["nodemailer_spam_de.eml", "content:signs"],
  ])("marks the spam e-mail %s (%s)", async (name, reason) => {
    expect(spamReason(await parseEmail(raw(name)))).toBe(reason);
  });

  it("leaves every customer reply of the raw e-mails alone", async () => {
    const replies = readdirSync(dir).filter((f) => /^(talon|mikel)_.*\.eml$/.test(f));
    expect(replies.length).toBeGreaterThan(10);
    for (const name of replies)
      expect([name, spamReason(await parseEmail(raw(name)))]).toEqual([name, undefined]);
  });

  it("reads bulk and filter headers", async () => {
    expect(spamReason(await mail("Subject: deals\r\nList-Id: <deals.shop.example>\r\n", "hi"))).toBe(
      "bulk:list",
    );
    expect(spamReason(await mail("Subject: x\r\nX-Spam-Status: Yes, score=9\r\n", "hi"))).toBe(
      "filter:x-spam-status",
    );
  });

  it("does not take a customer's invoice question for invoice spam", async () => {
    const question = await mail(
      "Subject: 发票\r\n",
      "你好，我们公司要开增值税专用发票，需要提供什么信息？电话：13812345678",
    );
    expect(spamReason(question)).toBeUndefined();
  });
});
