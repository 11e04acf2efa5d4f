import type { ShownFinding } from "../../shared/core/quality/inspection";

/**
 * What `npm run desk -- reply` prints for a reply a blocking rule stopped, as the desk's reply box shows
 * it: each rule with its severity, the words it matched and why, then how to send anyway with a reason
 * (kept in the audit trail) — or to rephrase.
 */
export function blockedReplyText(ticketId: string, text: string, findings: readonly ShownFinding[]): string {
  const lines = findings.map((f) => {
    const why = f.messageZh ?? f.message;
    return `  ${f.ruleId} (${f.severity}): "${f.matched}"${why ? ` — ${why}` : ""}`;
  });
  return [
    `not sent: the reply on ${ticketId} breaks a blocking quality rule`,
    ...lines,
    "Rephrase it, or send it anyway with a reason (kept in the audit trail):",
    `  npm run desk -- reply ${ticketId} ${JSON.stringify(text)} --reason "why it must go out as written"`,
  ].join("\n");
}
