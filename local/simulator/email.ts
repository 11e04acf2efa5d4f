import { randomUUID } from "node:crypto";
import type { ChannelSimulator, Outbox, SimulatorResponse } from "./outbox";

/**
 * Amazon SES v2 `SendEmail` (`POST /v2/email/outbound-emails`) as far as Kefu uses it, so the real
 * SDK client runs unchanged against it. Records the recipient and the plain-text part in the outbox;
 * injected faults answer like SES does (429 TooManyRequestsException, 400 MessageRejected).
 */
export interface SentEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

interface SendEmailBody {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: {
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      Headers?: { Name?: string; Value?: string }[];
    };
    Raw?: { Data?: string };
  };
}

const sesError = (status: number, type: string, message: string): SimulatorResponse => ({
  status,
  body: { __type: type, message },
});

export function emailSimulator(outbox: Outbox, sent: SentEmail[] = []): ChannelSimulator {
  return {
    channel: "email",
    prefix: "/sim/email",
    handle(request) {
      if (request.path !== "/v2/email/outbound-emails" || request.method !== "POST") {
        return sesError(404, "NotFoundException", "unknown simulator path");
      }
      const fault = outbox.takeFault("email");
      if (fault) {
        return (fault.status ?? 429) === 429
          ? sesError(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
          : sesError(fault.status ?? 400, "MessageRejected", "Email address is not verified.");
      }
      let body: SendEmailBody;
      try {
        body = JSON.parse(request.body) as SendEmailBody;
      } catch {
        return sesError(400, "BadRequestException", "body is not JSON");
      }
      const to = body.Destination?.ToAddresses ?? [];
      if (!body.FromEmailAddress || to.length === 0) {
        return sesError(400, "BadRequestException", "FromEmailAddress and a destination are required");
      }
      const simple = body.Content?.Simple;
      const raw = body.Content?.Raw?.Data;
      if (!simple && !raw) return sesError(400, "BadRequestException", "Content is required");
      const headers: Record<string, string> = {};
      for (const h of simple?.Headers ?? []) if (h.Name) headers[h.Name] = h.Value ?? "";
      // A raw message is recorded as its text after the header block: enough to read in the outbox.
      const rawText = raw
        ? (Buffer.from(raw, "base64")
            .toString("utf8")
            .split(/\r?\n\r?\n/)[1] ?? "")
        : "";
      const text = simple?.Body?.Text?.Data ?? rawText;
      sent.push({
        from: body.FromEmailAddress,
        to,
        subject: simple?.Subject?.Data ?? "",
        text,
        html: simple?.Body?.Html?.Data ?? "",
        headers,
      });
      for (const recipient of to) outbox.record({ channel: "email", to: recipient.toLowerCase(), text });
      return { status: 200, body: { MessageId: `0100${randomUUID().replace(/-/g, "")}-000000` } };
    },
  };
}
