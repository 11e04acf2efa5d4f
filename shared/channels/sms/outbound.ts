import {
  ConflictException,
  InternalServerException,
  type PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
} from "@aws-sdk/client-pinpoint-sms-voice-v2";
import { callSignal } from "../../core/deadline";
import { ChannelApiError } from "../../core/errors";
import { transientStatus } from "../http";
import type { ChannelStateStore } from "../ports";
import { sdkSend } from "../sdk-clients";
import type { SmsSettings } from "../settings";
import {
  createSmsOutbound,
  RecipientOptedOutError,
  type SmsOutbound,
  type SmsTransport,
} from "../sms-common/channel";
import type { SmsCredentials } from "./credentials";

export interface SmsOutboundOptions {
  credentials: SmsCredentials;
  /** Made once per cold start by the module (endpoint override locally) and passed in. */
  client: Pick<PinpointSMSVoiceV2Client, "send">;
  state: ChannelStateStore;
  settings: SmsSettings;
  now?: () => Date;
}

/** The longest one SendTextMessage attempt may take. */
const SEND_TIMEOUT_MS = 10_000;

/** A pool id or ARN: the service then picks the pool's number (and keeps a customer on the same one). */
export function isPool(origination: string): boolean {
  return /^pool-/.test(origination) || /:pool\//.test(origination);
}

/**
 * SendTextMessage, one call per reply: the whole fitted text (at most KEFU_SMS_MAX_SEGMENTS segments)
 * in MessageBody, TRANSACTIONAL. Replies go from the number the customer wrote to, unless a pool is
 * configured. Throttling and server faults are tried again (`sdkSend`); a call that got no answer is not.
 */
export function smsTransport(options: Pick<SmsOutboundOptions, "credentials" | "client">): SmsTransport {
  const { credentials, client } = options;
  const configured = credentials.KEFU_SMS_ORIGINATION;
  return async ({ to, from, body, deadline }) => {
    const origination = isPool(configured) ? configured : (from ?? configured);
    const command = new SendTextMessageCommand({
      DestinationPhoneNumber: to,
      OriginationIdentity: origination,
      MessageBody: body,
      MessageType: "TRANSACTIONAL",
      ...(credentials.KEFU_SMS_CONFIGURATION_SET
        ? { ConfigurationSetName: credentials.KEFU_SMS_CONFIGURATION_SET }
        : {}),
    });
    await sdkSend(
      "SendTextMessage",
      () => client.send(command, { abortSignal: callSignal(SEND_TIMEOUT_MS, deadline) }),
      toChannelError,
      deadline,
    );
  };
}

/**
 * The service's answer: throttling, server faults and quotas (a spend limit raised later lets the
 * dead-letter queue be redriven) are retryable; an opted-out destination, validation, permissions and unknown
 * origination identities are not.
 */
export function toChannelError(error: unknown): ChannelApiError {
  if (error instanceof ChannelApiError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? "Error";
  if (error instanceof ConflictException && error.Reason === "DESTINATION_PHONE_NUMBER_OPTED_OUT") {
    return new RecipientOptedOutError("recipient opted out (End User Messaging opt-out list)", {
      cause: error,
    });
  }
  const retryable =
    error instanceof ThrottlingException ||
    error instanceof InternalServerException ||
    error instanceof ServiceQuotaExceededException ||
    (error as { $fault?: string } | undefined)?.$fault === "server" ||
    // An answer the SDK could not read (a gateway's 503 page): the status says whether it may pass.
    transientStatus(
      (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode,
    );
  const reason = (error as { Reason?: string } | undefined)?.Reason;
  return new ChannelApiError(`SendTextMessage failed: ${name}${reason ? ` (${reason})` : ""}`, {
    retryable,
    cause: error,
  });
}

export function createEndUserMessagingOutbound(options: SmsOutboundOptions): SmsOutbound {
  return createSmsOutbound({
    channel: "sms",
    state: options.state,
    settings: options.settings,
    transport: smsTransport(options),
    defaultFrom: options.credentials.KEFU_SMS_ORIGINATION,
    ...(options.now ? { now: options.now } : {}),
  });
}
