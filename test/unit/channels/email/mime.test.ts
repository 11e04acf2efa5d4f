import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeMailText } from "../../../../shared/channels/email/charset";
import { automatedReason, parseEmail } from "../../../../shared/channels/email/mime";
import { extractReplyText, stripQuotedText, stripSignature } from "../../../../shared/channels/email/reply";
import { sharedDataPath } from "../../../support/shared-data";

interface ManifestEntry {
  file: string;
  expected_reply_text?: string;
  subject: string;
  charsets: string[];
  attachments: { content_type: string; filename: string | null }[];
}
/**
 * The shared dev set (real e-mails from mailgun/talon, nodemailer, mikel/mail, SpamScope), read in place
 * from ../shared beside the repository; a test that needs it fails when it is missing.
 */
const manifest = (): ManifestEntry[] =>
  JSON.parse(readFileSync(sharedDataPath("dev", "emails", "manifest.json"), "utf8"));
const devFile = (entry: ManifestEntry) =>
  readFileSync(join(sharedDataPath("dev", "emails"), entry.file.split("/").pop() ?? ""));
const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));
const norm = (s: string) => s.replace(/\s+/g, " ").trim();

describe("MIME parsing of the dev set", () => {
  it("parses every message without throwing and keeps a subject", async () => {
    for (const entry of manifest()) {
      const mail = await parseEmail(devFile(entry));
      expect(typeof mail.text, entry.file).toBe("string");
      expect(mail.headers.size, entry.file).toBeGreaterThan(0);
    }
  });

  it("decodes GB2312 (base64 HTML), ISO-2022-JP, Shift_JIS and KS C 5601 bodies", async () => {
    const byName = (n: string) => manifest().find((e) => e.file.endsWith(n)) as ManifestEntry;
    expect((await parseEmail(devFile(byName("spamscope_zh_spam_gb2312_base64_html.eml")))).text).toContain(
      "我把镜头拉近些",
    );
    expect((await parseEmail(devFile(byName("mikel_ja_iso2022.eml")))).text).toContain("すみません");
    expect((await parseEmail(devFile(byName("mikel_ja_shift_jis.eml")))).text).toContain("あいうえお");
    expect((await parseEmail(devFile(byName("mikel_ko_ks_c_5601.eml")))).text).toContain("스티해");
  });

  it("reads a body labelled GB2312 that is really UTF-8 as UTF-8, not mojibake", async () => {
    const entry = manifest().find((e) =>
      e.file.endsWith("spamscope_zh_spam_gb2312_8bit.eml"),
    ) as ManifestEntry;
    const mail = await parseEmail(devFile(entry));
    expect(mail.subject).toBe("代开各地增值税发票");
    expect(mail.text).toContain("你好！我公司可代开各类增值税发票");
  });

  it("lists attachments by name, type and size without carrying their bytes", async () => {
    for (const entry of manifest().filter((e) => e.attachments.some((a) => a.filename))) {
      const mail = await parseEmail(devFile(entry));
      for (const expected of entry.attachments.filter(
        (a) => a.filename && !a.content_type.startsWith("message/"),
      )) {
        const found = mail.attachments.find((a) => a.name === expected.filename);
        // Manifest names are as the file spells them; mailparser may decode a broken name differently.
        if (!found && /\uFFFD/.test(expected.filename ?? "")) continue;
        // An inline text/plain part is shown as body text by mail clients and by mailparser alike.
        if (!found && expected.content_type === "text/plain") continue;
        // Files inside an attached message stay inside it: the attached .eml itself is listed.
        if (!found && mail.attachments.some((a) => a.contentType === "message/rfc822")) continue;
        expect(found, `${entry.file}: ${expected.filename}`).toBeDefined();
        expect(found?.size).toBeGreaterThan(0);
        expect(Object.keys(found ?? {}).sort()).toEqual(["contentType", "name", "size"]);
      }
    }
  });
});

describe("reply extraction", () => {
  const talon = () => manifest().filter((e) => e.expected_reply_text !== undefined);

  it("matches talon's expected reply text for every talon reply (normalised whitespace)", async () => {
    const misses: string[] = [];
    const replies = talon();
    expect(replies.length).toBeGreaterThan(0);
    for (const entry of replies) {
      const mail = await parseEmail(devFile(entry));
      if (norm(stripQuotedText(mail.text)) !== norm(entry.expected_reply_text ?? "")) misses.push(entry.file);
    }
    console.info(`reply extraction on the dev set: ${replies.length - misses.length} of ${replies.length}`);
    expect(misses).toEqual([]);
  });

  it("also drops the signatures talon keeps ('Sent from my iPhone', '-- ' blocks)", async () => {
    for (const name of ["talon_reply_iphone.eml", "talon_reply_sparrow.eml"]) {
      const entry = talon().find((e) => e.file.endsWith(name)) as ManifestEntry;
      expect(extractReplyText((await parseEmail(devFile(entry))).text)).toBe("Hello");
    }
  });

  it("cuts a Chinese Gmail quote and a 发自我的iPhone sign-off in a GB2312 mail", async () => {
    const mail = await parseEmail(fixture("zh-reply-gb2312.eml"));
    expect(extractReplyText(mail.text)).toBe("我还没有收到退款，订单号 12345。");
  });

  it("cuts an Outlook/Foxmail -----原始邮件----- block", async () => {
    const mail = await parseEmail(fixture("outlook-zh-original.eml"));
    expect(extractReplyText(mail.text)).toBe("请问发票怎么开？");
  });

  it("converts HTML-only mail to text and drops its quote", async () => {
    const mail = await parseEmail(fixture("html-only.eml"));
    const reply = extractReplyText(mail.text);
    expect(reply).toContain("Where is my");
    expect(reply).toContain("Order 777.");
    expect(reply).not.toContain("Old text");
    expect(reply).not.toContain("<");
  });

  it.each([
    ["-----Original Message-----", "Hi\n\n-----Original Message-----\nFrom: a@b.c\nhistory", "Hi"],
    ["an Outlook From/Sent block", "Thanks\n\nFrom: Kefu\nSent: Monday\nTo: me\nSubject: x\n\nold", "Thanks"],
    [
      "a wrapped 'On … wrote:'",
      "Yes please\n\nOn Mon, 3 Mar 2025 at 10:00, Kefu Support\n<support@kefu.example> wrote:\n> old",
      "Yes please",
    ],
    [
      "a 'Le … a écrit :'",
      "Merci\n\nLe lun. 3 mars 2025 à 10:00, Kefu <s@k.example> a écrit :\n> old",
      "Merci",
    ],
    ["bottom-posting", "On 3/3/2025 10:00, Kefu wrote:\n> old question\n\nMy answer", "My answer"],
    ["inline `>` lines only", "Hello\n> quoted\nworld", "Hello\nworld"],
  ])("handles %s", (_label, text, expected) => {
    expect(stripQuotedText(text)).toBe(expected);
  });

  it("keeps a forward without comment (the forwarded text is the question)", () => {
    const text =
      "-----Original Message-----\nFrom: shop@x.example\nSent: today\nTo: me\nSubject: invoice\n\nYour invoice";
    expect(stripQuotedText(text)).toContain("Your invoice");
  });

  it("does not mistake a sentence for a signature or a quote header", () => {
    expect(stripSignature("Sent from my iPhone, is that a problem?\nThe order is 5.")).toContain(
      "order is 5",
    );
    expect(stripQuotedText("On Monday I ordered a lamp.\nIt has not arrived.")).toBe(
      "On Monday I ordered a lamp.\nIt has not arrived.",
    );
  });
});

describe("automated mail", () => {
  it("flags RFC 3834 auto-replies", async () => {
    expect(automatedReason(await parseEmail(fixture("auto-reply.eml")))).toBe("auto-submitted");
  });

  it("flags delivery status reports and MAILER-DAEMON", async () => {
    for (const name of ["nodemailer_delivery_status.eml", "spamscope_malformed_delivery_failure.eml"]) {
      const entry = manifest().find((e) => e.file.endsWith(name)) as ManifestEntry;
      expect(automatedReason(await parseEmail(devFile(entry))), name).toBeDefined();
    }
  });

  it.each([
    ["X-Autoreply: yes", "x"],
    ["Precedence: bulk", "x"],
    ["Precedence: auto_reply", "x"],
    ["X-Autorespond: 1", "x"],
    ["X-Other: 1", "Out of Office: back Monday"],
    ["X-Other: 1", "=?UTF-8?B?6Ieq5Yqo5Zue5aSNOiDkvaDlpb0=?="],
  ])("flags %s / subject %s", async (header, subject) => {
    const raw = `From: a@customer.example\r\nTo: support@kefu.example\r\nSubject: ${subject}\r\n${header}\r\n\r\nbody\r\n`;
    expect(automatedReason(await parseEmail(Buffer.from(raw)))).toBeDefined();
  });

  it("answers ordinary mail, including Auto-Submitted: no", async () => {
    const raw =
      "From: a@customer.example\r\nTo: s@kefu.example\r\nSubject: Re: refund\r\nAuto-Submitted: no\r\n\r\nhi\r\n";
    expect(automatedReason(await parseEmail(Buffer.from(raw)))).toBeUndefined();
    expect(automatedReason(await parseEmail(fixture("zh-reply-gb2312.eml")))).toBeUndefined();
  });
});

describe("decodeMailText", () => {
  it("decodes GBK text labelled GB2312 (characters outside GB2312 too)", () => {
    const gbk = Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x95, 0x4e]); // 你好 + 昇 (GBK only)
    expect(decodeMailText(gbk, "gb2312")).toBe("你好昇");
  });

  it("decodes Big5 and ISO-2022-JP", () => {
    expect(decodeMailText(Buffer.from([0xa7, 0x41, 0xa6, 0x6e]), "big5")).toBe("你好");
    const jis = Buffer.from("\x1b$B$3$s$K$A$O\x1b(B!", "latin1");
    expect(decodeMailText(jis, "iso-2022-jp")).toBe("こんにちは!");
  });

  it("keeps a latin-1 body latin-1 (not valid UTF-8)", () => {
    expect(decodeMailText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "iso-8859-1")).toBe("café");
  });
});
