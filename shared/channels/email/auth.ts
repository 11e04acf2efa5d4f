import type { ParsedEmail } from "./mime";
import type { SesReceived } from "./ses";

/**
 * Whether a mail's From address is the sender's own, proven by the SES receipt verdicts: the bot
 * writes back to that address from our SES identity, so answering a forged From would let anyone send
 * our mail to any victim.
 *
 * SES reports (receipt notification): `dmarcVerdict` PASS | FAIL | GRAY (the From domain publishes no
 * DMARC policy) | PROCESSING_FAILED, with `dmarcPolicy` (none | quarantine | reject) when DMARC fails;
 * `spfVerdict` for the envelope sender (MAIL FROM, `mail.source`) and `dkimVerdict` for the message's
 * DKIM signatures, each PASS | FAIL | GRAY (no SPF record / not signed) | PROCESSING_FAILED. SES sends
 * them only when the receipt rule scans mail (`scanEnabled`, as the stack's rule does).
 *
 * Modes (KEFU_EMAIL_AUTH):
 * - `aligned` (default): DMARC PASS; or, where the From domain has no DMARC verdict (GRAY, or SES
 *   could not check), SPF PASS for an envelope sender of the From domain or DKIM PASS with every
 *   signature's `d=` in the From domain. What DMARC itself would require, for domains without it.
 * - `dmarc`: DMARC PASS only; domains without DMARC are not answered.
 * - `off`: no check (spam and virus verdicts still apply). For receipt rules that do not scan.
 * DMARC FAIL is refused in both checking modes, whatever the domain's policy (`p=none` only means its
 * owner asked for reports, not that the From is genuine).
 */

export const EMAIL_AUTH_MODES = ["aligned", "dmarc", "off"] as const;
export type EmailAuthMode = (typeof EMAIL_AUTH_MODES)[number];

/** Why a sender was not answered: a code and the verdicts (never an address), for the logs. */
export interface SenderRefusal {
  reason: "from_ambiguous" | "dmarc_fail" | "dmarc_required" | "not_aligned";
  verdicts: { dmarc: string; spf: string; dkim: string; dmarcPolicy?: string };
}

const status = (verdict: { status?: string } | undefined) => verdict?.status?.toUpperCase() ?? "MISSING";

const domainOf = (address: string) => (address.split("@").pop() ?? "").toLowerCase().replace(/\.$/, "");

/**
 * DMARC's relaxed alignment without the Public Suffix List: one domain equal to the other or a
 * subdomain of it (bounce.shop.example and shop.example align). Stricter than DMARC for sibling
 * subdomains (a.shop.example and b.shop.example), which are then refused rather than trusted.
 */
export function domainsAlign(a: string, b: string): boolean {
  if (!a || !b) return false;
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** The refusal, or undefined when the From address may be answered. */
export function checkSender(
  notification: SesReceived,
  mail: Pick<ParsedEmail, "from" | "fromCount" | "dkimDomains">,
  mode: EmailAuthMode,
): SenderRefusal | undefined {
  if (mode === "off") return undefined;
  const { receipt } = notification;
  const verdicts = {
    dmarc: status(receipt.dmarcVerdict),
    spf: status(receipt.spfVerdict),
    dkim: status(receipt.dkimVerdict),
    ...(receipt.dmarcPolicy ? { dmarcPolicy: receipt.dmarcPolicy } : {}),
  };
  // DMARC is defined for a message with exactly one author; with two, which one passed is unknown.
  if (mail.fromCount !== 1 || !mail.from) return { reason: "from_ambiguous", verdicts };
  if (verdicts.dmarc === "PASS") return undefined;
  if (verdicts.dmarc === "FAIL") return { reason: "dmarc_fail", verdicts };
  if (mode === "dmarc") return { reason: "dmarc_required", verdicts };

  const from = domainOf(mail.from.address);
  const spfAligned = verdicts.spf === "PASS" && domainsAlign(domainOf(notification.mail.source ?? ""), from);
  // SES gives one DKIM verdict for all signatures: it proves the From domain only if every signature is
  // that domain's, so a valid signature of the sender's own domain cannot vouch for someone else's From.
  const dkimAligned =
    verdicts.dkim === "PASS" &&
    mail.dkimDomains.length > 0 &&
    mail.dkimDomains.every((domain) => domainsAlign(domain, from));
  return spfAligned || dkimAligned ? undefined : { reason: "not_aligned", verdicts };
}
