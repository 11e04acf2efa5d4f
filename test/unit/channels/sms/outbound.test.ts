import {
  ConflictException,
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { SmsCredentials } from "../../../../shared/channels/sms/credentials";
import { createEndUserMessagingOutbound } from "../../../../shared/channels/sms/outbound";
import { ChannelApiError, DeliveryUnknownError } from "../../../../shared/core/errors";
import type { OutboundMessage } from "../../../../shared/core/message";
import { memoryState } from "../../../../shared/stores/memory";

const sms = mockClient(PinpointSMSVoiceV2Client);
const client = new PinpointSMSVoiceV2Client({ region: "us-east-1" });

const credentials: SmsCredentials = {
  KEFU_SMS_ORIGINATION: "+15550000000",
  KEFU_SMS_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:kefu-sms-inbound",
  KEFU_SMS_CONFIGURATION_SET: "",
};

const message = (text: string, from = "+12125550101"): OutboundMessage => ({
  channel: "sms",
  conversationKey: `sms:${from}:+14255550182`,
  to: "+14255550182",
  from,
  text,
  replyContext: {},
});

function outbound(overrides: Partial<SmsCredentials> = {}, state = memoryState()) {
  return {
    state,
    adapter: createEndUserMessagingOutbound({
      credentials: { ...credentials, ...overrides },
      client,
      state,
      settings: { maxSegments: 3, keywordReplies: "platform" },
    }),
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<ChannelApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ChannelApiError;
  }
  throw new Error("expected a failure");
}

beforeEach(() => {
  sms.reset();
  sms.on(SendTextMessageCommand).resolves({ MessageId: "m-1" });
});

describe("SendTextMessage", () => {
  it("sends the rendered reply as one TRANSACTIONAL message from the number the customer wrote to", async () => {
    await outbound().adapter.send(message("**Refunds** take  5 days."));
    const calls = sms.commandCalls(SendTextMessageCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      DestinationPhoneNumber: "+14255550182",
      OriginationIdentity: "+12125550101",
      MessageBody: "Refunds take 5 days.",
      MessageType: "TRANSACTIONAL",
    });
  });

  it("sends through a configured pool, with the configuration set", async () => {
    await outbound({
      KEFU_SMS_ORIGINATION: "pool-0123456789abcdef",
      KEFU_SMS_CONFIGURATION_SET: "kefu",
    }).adapter.send(message("hi"));
    expect(sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input).toMatchObject({
      OriginationIdentity: "pool-0123456789abcdef",
      ConfigurationSetName: "kefu",
    });
  });

  it("puts a long Chinese answer in one call of at most 3 segments", async () => {
    await outbound().adapter.send(message("退款将在审核通过后五个工作日内原路退回您的支付账户。".repeat(12)));
    const body = sms.commandCalls(SendTextMessageCommand)[0]?.args[0].input.MessageBody ?? "";
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(1);
    expect(body.length).toBeLessThanOrEqual(201);
    expect(body.endsWith("回复 MORE 查看更多")).toBe(true);
  });
});

describe("errors", () => {
  const fail = async (error: Error) => {
    sms.on(SendTextMessageCommand).rejects(error);
    return failure(outbound().adapter.send(message("hi")));
  };

  it("tries throttling and quotas again, and leaves them retryable", async () => {
    expect(await fail(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }))).toMatchObject({
      retryable: true,
    });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(3);
    const quota = await fail(
      new ServiceQuotaExceededException({
        message: "quota",
        $metadata: {},
        Reason: "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
      }),
    );
    expect(quota).toMatchObject({ retryable: true });
    expect(String((quota.cause as Error).message)).toContain("MONTHLY_SPEND_LIMIT");
  });

  it("tries again an answer the SDK could not read when its status is transient (a gateway's 503 page)", async () => {
    sms.resetHistory();
    const unreadable = Object.assign(new SyntaxError("Unexpected token < in JSON"), {
      $metadata: { httpStatusCode: 503 },
    });
    expect(await fail(unreadable)).toMatchObject({ retryable: true });
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(3);
  });

  it("does not send again a text whose call got no answer: the platform may have sent it", async () => {
    sms.resetHistory();
    const reset = await fail(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    expect(reset).toBeInstanceOf(DeliveryUnknownError);
    const timeout = await fail(Object.assign(new Error("The operation was aborted"), { name: "AbortError" }));
    expect(timeout).toBeInstanceOf(DeliveryUnknownError);
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(2);
    // A connection that never opened sent nothing: that is tried again.
    sms.resetHistory();
    const refused = await fail(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(refused).not.toBeInstanceOf(DeliveryUnknownError);
    expect(refused.retryable).toBe(true);
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(3);
  });

  it("makes an opted-out destination non-retryable and remembers the opt-out", async () => {
    const state = memoryState();
    sms.on(SendTextMessageCommand).rejects(
      new ConflictException({
        message: "opted out",
        $metadata: {},
        Reason: "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        ResourceType: "opt-out-list",
        ResourceId: "Default",
      } as never),
    );
    const { adapter } = outbound({}, state);
    const error = await failure(adapter.send(message("hi")));
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error.retryable).toBe(false);
    // The next reply is refused before any API call.
    sms.resetHistory();
    await expect(adapter.send(message("again"))).rejects.toThrow("recipient opted out");
    expect(sms.commandCalls(SendTextMessageCommand)).toHaveLength(0);
    expect(state.data.get("sms:optout:+12125550101:+14255550182")).toMatchObject({ source: "platform" });
  });

  it("makes validation errors non-retryable", async () => {
    const error = await fail(
      new ValidationException({ message: "bad number", $metadata: {}, Reason: "INVALID_PARAMETER" } as never),
    );
    expect(error.retryable).toBe(false);
  });
});
