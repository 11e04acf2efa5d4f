import type { RequestTraceView } from "../trace";

/**
 * What `npm run chat` says happened to one line the customer typed, beyond the replies it prints: from
 * the delivery's trace (GET /dev/traces/<id>), so that "no reply" always comes with the actual reason.
 */

/** Whether nothing more will happen to the delivery's messages. */
export function settled(trace: RequestTraceView): boolean {
  if (trace.status === undefined) return false;
  if (trace.status >= 300) return true;
  return trace.messages.every(
    (m) => m.result === "duplicate" || m.status === "done" || m.status === "dead-lettered",
  );
}

/** Whether the delivery failed: the webhook refused it, or a message of it went to the dead-letter queue. */
export function failed(trace: RequestTraceView): boolean {
  if (trace.status !== undefined && trace.status >= 300) return true;
  return trace.messages.some((m) => m.status === "dead-lettered");
}

/** Notes to print after the replies (`replies` of them reached the outbox). */
export function explain(trace: RequestTraceView, replies: number, waitedSeconds: number): string[] {
  if (trace.status !== undefined && trace.status >= 300) {
    return [
      `(the webhook refused the delivery: HTTP ${trace.status}${trace.error ? ` ${trace.error}` : ""})`,
    ];
  }
  if (trace.messages.length === 0) {
    return replies > 0
      ? []
      : [
          "(nothing was queued: the ingress answered this delivery itself, as it does SMS keywords such as STOP, START and HELP)",
        ];
  }
  return trace.messages.flatMap((m): string[] => {
    if (m.result === "duplicate") {
      return ["(a duplicate delivery: this message was queued before, so it is not processed again)"];
    }
    const attempts = `${m.attempts ?? 0} attempt${m.attempts === 1 ? "" : "s"}`;
    const cause = m.lastError ? `, last error ${m.lastError}` : "";
    if (m.status === "dead-lettered") {
      return [
        `(failed: the worker gave up after ${attempts}${cause}; the message is in the dead-letter queue: see GET /dev/dlq and the npm start log)`,
        ...escalationNote(m.escalation),
      ];
    }
    if (m.status !== "done") {
      return [
        `(no outcome after ${waitedSeconds}s: the message is ${m.status ?? "queued"} after ${attempts}${cause})`,
      ];
    }
    const o = m.outcome ?? {};
    const ticket = String(o.ticketId ?? "");
    switch (o.action) {
      case "handed_off":
        return [
          `(handed off to a person: ticket ${ticket}, reason ${o.reason}; see npm run desk -- show ${ticket})`,
        ];
      case "silent":
        return [
          `(no reply: ticket ${ticket} is open and a person is handling this conversation; see npm run desk -- show ${ticket})`,
        ];
      case "ignored":
        return [`(no reply: the bot ignores this message: ${o.why})`];
      case "undeliverable":
        return [`(no reply delivered: the channel refused it for good: ${o.error})`];
      case "duplicate":
        return ["(no reply: this message was answered before; a redelivery is not answered again)"];
      case "resumed":
        return ["(the session was closed on the platform: the bot answers this conversation again)"];
      default:
        // answered, clarified, welcomed, media_declined: the replies say it.
        return replies > 0 ? [] : [`(the worker's outcome is ${o.action}, but no reply reached the outbox)`];
    }
  });
}

/** What the worker's hand-off to a person before the dead-letter queue did, if it tried. */
function escalationNote(escalation: Record<string, unknown> | undefined): string[] {
  if (!escalation) return [];
  const ticket = String(escalation.ticketId ?? "");
  if (escalation.action === "failed") {
    return [`(the conversation could not be handed to a person either: ${escalation.code})`];
  }
  if (ticket) {
    return [`(a person has the conversation: ticket ${ticket}; see npm run desk -- show ${ticket})`];
  }
  return [];
}
