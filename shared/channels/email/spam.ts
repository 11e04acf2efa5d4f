import type { ParsedEmail } from "./mime";

/**
 * Mail that is not a customer writing to us and gets no reply and no ticket, beyond SES's own spam
 * verdict (ses.ts) and the auto-replies and bounces (mime.ts `automatedReason`). The rule, simple on
 * purpose and logged with its reason code:
 * - bulk mail: a `List-Unsubscribe`, `List-Id` or other List-* header (newsletters, mailing lists, marketing);
 * - an upstream filter's verdict: `X-Spam-Flag: YES`, `X-Spam-Status: Yes…`;
 * - content: one unmistakable spam phrase in the subject or body — invoices "issued on behalf"
 *   (代开发票, the classic Chinese spam: a real customer asks 能开发票吗, never 代开), gambling and adult
 *   terms, lottery wins — or two weaker signs (a phone or WeChat/QQ number to "contact", "free",
 *   "guaranteed", a money amount per year…).
 * A wrong "spam" silences a customer, so the content phrases are few and specific.
 */
const STRONG =
  /代开.{0,8}发票|发票代开|可开.{0,6}发票.{0,10}点数|博彩|赌场|六合彩|澳门.{0,4}(赌|娱乐城)|一夜情|裸聊|内射|屄|\b(viagra|cialis|casino|lottery winner|you have won|jackpot)\b/i;
const WEAK: RegExp[] = [
  /(加|联系|添加).{0,4}(微信|薇信|v信|qq|扣扣)|微信同号|电话[:：]\s*\d{7,}/i,
  /\b(kostenlos|garantiert|grarantiert|free money|guaranteed|risk[- ]free|100% free)\b|免费领取|稳赚|日赚/i,
  /\d[\d.,]*\s*(euro|eur|usd|dollars?|元|万)\s*(pro jahr|per year|a year|每年|每月|per month)/i,
  /\b(click here|unsubscribe|act now|limited time)\b|点击链接|点数优惠|永久有效/i,
];

export function spamReason(mail: ParsedEmail): string | undefined {
  const h = mail.headers;
  // mailparser folds every List-* header (RFC 2369/2919) into one "list" entry.
  if (h.has("list") || h.has("list-unsubscribe") || h.has("list-id")) return "bulk:list";
  if (h.get("x-spam-flag")?.trim().toLowerCase() === "yes") return "filter:x-spam-flag";
  if (/^\s*yes\b/i.test(h.get("x-spam-status") ?? "")) return "filter:x-spam-status";
  const content = `${mail.subject}\n${mail.text}`.slice(0, 20_000);
  if (STRONG.test(content)) return "content:phrase";
  const weak = WEAK.filter((sign) => sign.test(content)).length;
  return weak >= 2 ? "content:signs" : undefined;
}
