import { randomUUID } from "node:crypto";
import type { ChannelSimulator, Outbox, SimulatorRequest, SimulatorResponse } from "./outbox";

/**
 * AWS End User Messaging SMS (`pinpoint-sms-voice-v2`) as far as Kefu uses it: `SendTextMessage` over
 * the awsJson1_0 protocol the SDK speaks (POST `/`, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`),
 * so the real SDK client runs unchanged against it. Injected faults answer ThrottlingException (400,
 * the default) or InternalServerException (status ≥ 500), as the service does.
 */
const TARGET = "PinpointSMSVoiceV2.SendTextMessage";

const awsError = (status: number, type: string, message: string, extra: object = {}): SimulatorResponse => ({
  status,
  body: { __type: type, message, ...extra },
});

interface SendTextMessageBody {
  DestinationPhoneNumber?: string;
  OriginationIdentity?: string;
  MessageBody?: string;
  MessageType?: string;
  ConfigurationSetName?: string;
}

/** Every accepted request, for tests that check the fields the SDK sent. */
export interface SentSms extends SendTextMessageBody {
  messageId: string;
}

export function smsSimulator(outbox: Outbox, sent: SentSms[] = []): ChannelSimulator {
  return {
    channel: "sms",
    prefix: "/sim/sms",
    handle(request: SimulatorRequest) {
      const target = request.headers?.["x-amz-target"];
      if (request.method !== "POST" || request.path !== "/" || (target !== undefined && target !== TARGET)) {
        return awsError(400, "UnknownOperationException", "only SendTextMessage is simulated");
      }
      const fault = outbox.takeFault("sms");
      if (fault) {
        return (fault.status ?? 400) >= 500
          ? awsError(fault.status ?? 500, "InternalServerException", "internal error")
          : awsError(400, "ThrottlingException", "Rate exceeded");
      }
      let body: SendTextMessageBody;
      try {
        body = JSON.parse(request.body) as SendTextMessageBody;
      } catch {
        return awsError(400, "SerializationException", "body is not JSON");
      }
      if (!body.DestinationPhoneNumber || !/^\+\d{3,16}$/.test(body.DestinationPhoneNumber)) {
        return awsError(400, "ValidationException", "DestinationPhoneNumber must be E.164", {
          Reason: "INVALID_PARAMETER",
        });
      }
      if (!body.MessageBody || body.MessageBody.length > 1600) {
        return awsError(400, "ValidationException", "MessageBody must be 1 to 1600 characters", {
          Reason: "INVALID_PARAMETER",
        });
      }
      const messageId = randomUUID();
      sent.push({ ...body, messageId });
      outbox.record({ channel: "sms", to: body.DestinationPhoneNumber, text: body.MessageBody });
      return { status: 200, body: { MessageId: messageId } };
    },
  };
}
