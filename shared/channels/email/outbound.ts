import { type SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { callSignal } from "../../core/deadline";
import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { stripMarkdown } from "../../core/render";
import type { OutboundAdapter } from "../ports";
import { sdkSend } from "../sdk-clients";
import { renderHtml } from "./html";
import { baseSubject } from "./normalise";

export interface EmailOutboundOptions {
  /** A SESv2 client made by the caller (endpoint override locally). */
  client: Pick<SESv2Client, "send">;
  /** Our address (KEFU_EMAIL_FROM), a verified SES identity. */
  from: string;
  /** Optional SES configuration set (event publishing, dedicated IPs). */
  configurationSet?: string;
}

/** The longest one SendEmail attempt may take. */
const SEND_TIMEOUT_MS = 10_000;

/** Mail is not split: one reply is one message, whatever its length (a generous cap guards SES's 40 MB). */
const MAX_CHARS = 100_000;

/**
 * SES refusals that retrying cannot fix (a bad address, an account or domain problem for the operator)
 * are final; throttling, quota and service errors leave the reply on the queue to be retried.
 */
const FINAL = new Set([
  "MessageRejected",
  "AccountSuspendedException",
  "MailFromDomainNotVerifiedException",
  "SendingPausedException",
  "BadRequestException",
  "NotFoundException",
]);

function mapError(error: unknown): ChannelApiError {
  const name = (error as { name?: string }).name ?? "Error";
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const final =
    FINAL.has(name) ||
    (status !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 429 &&
      !/Throttl|TooManyRequests|LimitExceeded/.test(name));
  return new ChannelApiError(`SES SendEmail failed: ${name}`, { retryable: !final, cause: error });
}

/** Header values must be printable ASCII; Message-IDs are, anything else is dropped. */
const asciiIds = (value: string | undefined) =>
  (value ?? "").split(/\s+/).filter((id) => /^<[\x21-\x7e]+>$/.test(id));

export function replySubject(original: string | undefined): string {
  const base = baseSubject(original ?? "");
  return base ? `Re: ${base}` : "Re: your message";
}

/** SESv2 SendEmail, Simple content with threading headers, so the customer's client shows one thread. */
export function createEmailOutbound(options: EmailOutboundOptions): OutboundAdapter {
  const render = (text: string): string[] => [text.slice(0, MAX_CHARS)];

  return {
    channel: "email",
    render,
    async send(message: OutboundMessage, sendOptions?: SendOptions): Promise<void> {
      // One part: mail is not split. Recorded like any part, so a redelivery does not mail it twice.
      await sendParts(render(message.text), sendOptions, async (text) => {
        const context = message.replyContext;
        const inReplyTo = asciiIds(context.messageId)[0];
        const references = asciiIds(context.references).slice(-20);
        if (inReplyTo && !references.includes(inReplyTo)) references.push(inReplyTo);
        const headers = [
          // RFC 3834: other robots (auto-responders, other help desks) must not answer us.
          { Name: "Auto-Submitted", Value: "auto-replied" },
          ...(inReplyTo ? [{ Name: "In-Reply-To", Value: inReplyTo }] : []),
          ...(references.length ? [{ Name: "References", Value: references.join(" ") }] : []),
        ];
        const command = new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [message.to] },
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
          Content: {
            Simple: {
              Subject: { Data: replySubject(context.subject), Charset: "UTF-8" },
              Body: {
                Text: { Data: stripMarkdown(text), Charset: "UTF-8" },
                Html: { Data: renderHtml(text), Charset: "UTF-8" },
              },
              Headers: headers,
            },
          },
        });
        await sdkSend(
          "SES SendEmail",
          () =>
            options.client.send(command, { abortSignal: callSignal(SEND_TIMEOUT_MS, sendOptions?.deadline) }),
          mapError,
          sendOptions?.deadline,
        );
      });
    },
  };
}
