import { MalformedRequestError, PayloadTooLargeError, SignatureError } from "../../core/errors";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { routeInboundSms, type SmsInboundDeps } from "../sms-common/channel";
import { confirmSnsSubscription, type SnsEnvelope, verifySnsMessage } from "../sns/verify";
import type { SmsCredentials } from "./credentials";
import { parseInboundSms, toInboundMessage } from "./normalise";

export interface SmsInboundOptions extends Omit<SmsInboundDeps, "channel"> {
  credentials: SmsCredentials;
  maxBodyBytes: number;
  /** Local mode: the simulator's SNS certificate is trusted and subscriptions are not confirmed. */
  local: boolean;
  /** Tests: verification with injected certificates and clock. */
  verify?: (body: string) => Promise<SnsEnvelope>;
  /** Visits a SubscribeURL (tests). */
  confirm?: (envelope: SnsEnvelope) => Promise<void>;
}

/** SNS only needs a 2xx; the body is ignored. */
const ACK: HttpResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "OK" };

/**
 * `/webhooks/sms`: AWS End User Messaging two-way SMS → SNS topic → HTTPS subscription. Verifies the
 * SNS signature (shared verifier) and that the topic is ours, confirms the subscription once, and
 * normalises the inbound SMS; keywords (STOP, HELP, MORE…) are handled by the shared SMS router.
 */
export function createSmsInbound(options: SmsInboundOptions): InboundAdapter {
  const verify = options.verify ?? ((body: string) => verifySnsMessage(body, { local: options.local }));
  const confirm = options.confirm ?? ((envelope: SnsEnvelope) => confirmSnsSubscription(envelope));

  return {
    channel: "sms",
    async handle(request: WebhookRequest): Promise<WebhookOutcome> {
      if (Buffer.byteLength(request.body, "utf8") > options.maxBodyBytes) {
        throw new PayloadTooLargeError(options.maxBodyBytes);
      }
      if (request.method.toUpperCase() !== "POST") throw new MalformedRequestError("SNS delivers by POST");
      const envelope = await verify(request.body);
      if (envelope.TopicArn !== options.credentials.KEFU_SMS_TOPIC_ARN) {
        throw new SignatureError("the SNS message comes from another topic");
      }
      if (envelope.Type === "SubscriptionConfirmation") {
        // Locally there is no SNS to call back; in AWS this subscribes the endpoint to our topic only.
        if (!options.local) await confirm(envelope);
        return { kind: "respond", response: ACK };
      }
      if (envelope.Type !== "Notification") return { kind: "respond", response: ACK };
      const message = toInboundMessage(parseInboundSms(envelope.Message), envelope);
      return routeInboundSms(message, ACK, { ...options, channel: "sms" });
    },
  };
}
