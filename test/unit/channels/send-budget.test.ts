import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { snsAgentNotifier } from "../../../shared/aws/notify";
import { createEmailOutbound } from "../../../shared/channels/email/outbound";
import { createEndUserMessagingOutbound } from "../../../shared/channels/sms/outbound";
import { createTwilioOutbound } from "../../../shared/channels/twilio/outbound";
import { Deadline } from "../../../shared/core/deadline";
import type { OutboundMessage } from "../../../shared/core/message";
import type { Ticket } from "../../../shared/core/ticket";
import { memoryState } from "../../../shared/stores/memory";

/**
 * The single-call senders (SMS, Twilio, SES) and the agents' alert: each call carries a timeout, a
 * reply is reported as sent once delivered, and a reply an earlier attempt delivered is not sent again.
 */

const sms = mockClient(PinpointSMSVoiceV2Client);
const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);

beforeEach(() => {
  sms.reset();
  ses.reset();
  sns.reset();
  sms.on(SendTextMessageCommand).resolves({ MessageId: "m-1" });
  ses.on(SendEmailCommand).resolves({ MessageId: "e-1" });
  sns.on(PublishCommand).resolves({ MessageId: "n-1" });
});

const reply = (channel: OutboundMessage["channel"], to: string, from: string): OutboundMessage => ({
  channel,
  conversationKey: `${channel}:${from}:${to}`,
  to,
  from,
  text: "Your refund is on its way.",
  replyContext: {},
});

/** The options the SDK's send(command, options) was called with (the mock records both arguments). */
function sendOptionsOf(call: unknown): { abortSignal?: AbortSignal } {
  return ((call as { args: unknown[] }).args[1] ?? {}) as { abortSignal?: AbortSignal };
}

function reporting(partsSent = 0) {
  const reported: string[] = [];
  return {
    reported,
    options: {
      deadline: Deadline.in(30_000),
      partsSent,
      async onPartSent(sent: number, total: number) {
        reported.push(`${sent}/${total}`);
      },
    },
  };
}

describe("End User Messaging SMS", () => {
  const adapter = createEndUserMessagingOutbound({
    credentials: {
      KEFU_SMS_ORIGINATION: "+15550000000",
      KEFU_SMS_TOPIC_ARN: "arn:aws:sns:x",
      KEFU_SMS_CONFIGURATION_SET: "",
    },
    client: new PinpointSMSVoiceV2Client({ region: "us-east-1" }),
    state: memoryState(),
    settings: { maxSegments: 3, keywordReplies: "platform" },
  });

  it("sends with a timeout and reports the reply as sent", async () => {
    const { reported, options } = reporting();
    await adapter.send(reply("sms", "+14255550182", "+12125550101"), options);
    const [call] = sms.commandCalls(SendTextMessageCommand);
    expect(sendOptionsOf(call).abortSignal).toBeInstanceOf(AbortSignal);
    expect(reported).toEqual(["1/1"]);
  });

  it("does not send a reply an earlier attempt sent", async () => {
    await adapter.send(reply("sms", "+14255550182", "+12125550101"), reporting(1).options);
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
  });
});

describe("Twilio", () => {
  it("sends with a timeout, reports the reply, and does not send it again", async () => {
    const calls: RequestInit[] = [];
    const adapter = createTwilioOutbound({
      credentials: {
        KEFU_TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
        KEFU_TWILIO_AUTH_TOKEN: "t",
        KEFU_TWILIO_FROM: "",
      },
      apiBase: "https://api.twilio.test/",
      state: memoryState(),
      settings: { maxSegments: 3, keywordReplies: "platform" },
      fetch: (async (_url: string | URL, init?: RequestInit) => {
        calls.push(init ?? {});
        return new Response(JSON.stringify({ sid: "SM1" }), { status: 201 });
      }) as typeof fetch,
    });
    const first = reporting();
    await adapter.send(reply("twilio", "+14155550100", "+15550001111"), first.options);
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(first.reported).toEqual(["1/1"]);

    await adapter.send(reply("twilio", "+14155550100", "+15550001111"), reporting(1).options);
    expect(calls).toHaveLength(1);
  });
});

describe("SES", () => {
  const adapter = createEmailOutbound({
    client: new SESv2Client({ region: "us-east-1" }),
    from: "support@kefu.example",
  });

  it("sends with a timeout, reports the mail, and does not mail it again", async () => {
    const first = reporting();
    await adapter.send(reply("email", "li.hua@customer.example", "support@kefu.example"), first.options);
    const [call] = ses.commandCalls(SendEmailCommand);
    expect(sendOptionsOf(call).abortSignal).toBeInstanceOf(AbortSignal);
    expect(first.reported).toEqual(["1/1"]);

    await adapter.send(
      reply("email", "li.hua@customer.example", "support@kefu.example"),
      reporting(1).options,
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});

describe("the agents' alert", () => {
  it("publishes with a timeout of its own", async () => {
    const notify = snsAgentNotifier(new SNSClient({ region: "us-east-1" }), "arn:aws:sns:us-east-1:1:agents");
    const ticket = {
      ticketId: "KF-1",
      channel: "wechat",
      priority: "normal",
      reason: "customer_request",
    } as Ticket;
    await notify({ ticket }, { deadline: Deadline.in(30_000) });
    const [call] = sns.commandCalls(PublishCommand);
    expect(sendOptionsOf(call).abortSignal).toBeInstanceOf(AbortSignal);
  });
});
