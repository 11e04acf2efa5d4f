import { MalformedRequestError } from "../../core/errors";
import type { HttpResponse, InboundAdapter, WebhookOutcome, WebhookRequest } from "../ports";
import { verifyWeComCallback } from "../weixin/callback";
import type { WeComCredentials } from "./credentials";
import { toWeComMessage } from "./normalise";

export interface WeComInboundOptions {
  credentials: WeComCredentials;
  timestampWindowSeconds: number;
  maxBodyBytes: number;
}

/** WeCom wants HTTP 200 within 5 s; an empty body means "no passive reply", and WeCom does not retry. */
const ACK: HttpResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "" };

/**
 * The self-built app's callback (`/webhooks/wecom`): the GET URL check and encrypted POST pushes. Pure
 * apart from crypto; de-duplication and enqueueing happen in the shared ingress.
 */
export function createWeComInbound(options: WeComInboundOptions): InboundAdapter {
  const { credentials } = options;
  const callback = {
    token: credentials.KEFU_WECOM_TOKEN,
    aesKey: credentials.KEFU_WECOM_AES_KEY,
    corpId: credentials.KEFU_WECOM_CORP_ID,
    timestampWindowSeconds: options.timestampWindowSeconds,
    maxBodyBytes: options.maxBodyBytes,
  };
  return {
    channel: "wecom",
    handle(request: WebhookRequest): WebhookOutcome {
      const verified = verifyWeComCallback(request, callback);
      if (verified.kind === "echo") {
        return { kind: "respond", response: { ...ACK, body: verified.plaintext } };
      }
      const { fields } = verified;
      // Corp-level events (contact changes, batch jobs) carry no AgentID and are not conversations.
      if (!fields.AgentID && fields.MsgType?.toLowerCase() === "event") {
        return { kind: "respond", response: ACK };
      }
      // Several apps may share one callback URL and key; a reply would go out through the wrong app.
      if (fields.AgentID && fields.AgentID.trim() !== credentials.KEFU_WECOM_AGENT_ID) {
        throw new MalformedRequestError("the push is for another AgentID of this corp");
      }
      const message = toWeComMessage(fields);
      if (!message) return { kind: "respond", response: ACK };
      return { kind: "enqueue", messages: [message], ack: ACK };
    },
  };
}
