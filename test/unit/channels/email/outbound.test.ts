import {
  AccountSuspendedException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from "@aws-sdk/client-sesv2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { renderHtml } from "../../../../shared/channels/email/html";
import { createEmailOutbound, replySubject } from "../../../../shared/channels/email/outbound";
import { ChannelApiError, DeliveryUnknownError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";

const ses = mockClient(SESv2Client);
const adapter = createEmailOutbound({
  client: new SESv2Client({ region: "us-east-1" }),
  from: "support@kefu.example",
});

const reply = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  channel: "email",
  conversationKey: "email:support@kefu.example:<root@c.example>",
  to: "li.hua@customer.example",
  from: "support@kefu.example",
  text: "Your refund is on its way.",
  replyContext: {
    messageId: "<reply-2@customer.example>",
    references: "<root@c.example> <ses-1@email.amazonses.com> <reply-2@customer.example>",
    subject: "Re: Re: 退货申请",
    from: "li.hua@customer.example",
    to: "support@kefu.example",
  },
  ...overrides,
});

function sentInput() {
  const calls = ses.commandCalls(SendEmailCommand);
  expect(calls).toHaveLength(1);
  return calls[0]?.args[0].input;
}

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: "0100-ses" });
});

describe("e-mail outbound", () => {
  it("threads the reply with In-Reply-To and References and marks it auto-replied", async () => {
    await adapter.send(reply());
    const input = sentInput();
    expect(input?.FromEmailAddress).toBe("support@kefu.example");
    expect(input?.Destination?.ToAddresses).toEqual(["li.hua@customer.example"]);
    const headers = Object.fromEntries((input?.Content?.Simple?.Headers ?? []).map((h) => [h.Name, h.Value]));
    expect(headers).toEqual({
      "In-Reply-To": "<reply-2@customer.example>",
      References: "<root@c.example> <ses-1@email.amazonses.com> <reply-2@customer.example>",
      "Auto-Submitted": "auto-replied",
    });
  });

  it("adds one Re: to the original subject, never a stack", async () => {
    await adapter.send(reply());
    expect(sentInput()?.Content?.Simple?.Subject?.Data).toBe("Re: 退货申请");
    expect(replySubject("RE: AW: 回复: Order")).toBe("Re: Order");
    expect(replySubject("Order")).toBe("Re: Order");
    expect(replySubject("")).toBe("Re: your message");
  });

  it("sends a plain-text part without markdown and an escaped HTML part", async () => {
    await adapter.send(
      reply({ text: "**Note:** <script>alert(1)</script> & see [help](https://kefu.example/help)" }),
    );
    const body = sentInput()?.Content?.Simple?.Body;
    expect(body?.Text?.Data).toBe("Note: <script>alert(1)</script> & see help (https://kefu.example/help)");
    const html = body?.Html?.Data ?? "";
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; see");
    expect(html).toContain("<strong>Note:</strong>");
    expect(html).toContain('<a href="https://kefu.example/help">help</a>');
  });

  it("drops header values that are not printable ASCII message ids", async () => {
    await adapter.send(
      reply({ replyContext: { messageId: "<bad id>\r\nBcc: x@evil.example", subject: "x" } }),
    );
    const headers = sentInput()?.Content?.Simple?.Headers ?? [];
    expect(headers.map((h) => h.Name)).toEqual(["Auto-Submitted"]);
    expect(JSON.stringify(headers)).not.toContain("evil");
  });

  it.each([
    [
      "Throttling",
      new TooManyRequestsException({ message: "rate", $metadata: { httpStatusCode: 429 } }),
      true,
    ],
    ["MessageRejected", new MessageRejected({ message: "no", $metadata: { httpStatusCode: 400 } }), false],
    [
      "AccountSuspended",
      new AccountSuspendedException({ message: "no", $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    [
      "MailFromDomainNotVerified",
      new MailFromDomainNotVerifiedException({ message: "no", $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    ["a network error", Object.assign(new Error("socket hang up"), { name: "TimeoutError" }), true],
  ])("maps %s to retryable=%s", async (_label, error, retryable) => {
    ses.on(SendEmailCommand).rejects(error);
    const thrown = await adapter.send(reply()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ChannelApiError);
    expect((thrown as ChannelApiError).retryable).toBe(retryable);
  });

  it("sends a mail whose call got no answer once, and says its delivery is unknown", async () => {
    // A timeout after the request went out: SES may have sent it, and a second call would mail it twice
    // (the fault suite saw exactly that under load while the SDK's own error was read as "not sent").
    ses
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error("The operation was aborted"), { name: "AbortError" }));
    const thrown = await adapter.send(reply()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DeliveryUnknownError);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it("tries a throttled mail again before giving it back to the queue", async () => {
    ses
      .on(SendEmailCommand)
      .rejectsOnce(new TooManyRequestsException({ message: "rate", $metadata: { httpStatusCode: 429 } }))
      .resolves({ MessageId: "0100-ses" });
    await adapter.send(reply());
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it("renders one part per reply (mail is not split)", () => {
    expect(adapter.render("a".repeat(10_000))).toHaveLength(1);
  });
});

describe("renderHtml", () => {
  it("makes lists and paragraphs, and no link from a javascript: URL", () => {
    const html = renderHtml("Steps:\n\n- open **Orders**\n- click `Refund`\n\n[x](javascript:alert(1))");
    expect(html).toContain(
      "<ul><li>open <strong>Orders</strong></li><li>click <code>Refund</code></li></ul>",
    );
    expect(html).not.toContain('href="javascript');
  });

  it("cannot be broken out of an attribute by a crafted URL", () => {
    const html = renderHtml('see https://x.example/"onmouseover="alert(1)');
    expect(html).not.toMatch(/"onmouseover=/);
  });
});
