import type { SendOptions } from "../core/delivery";
import type { Channel, InboundMessage, OutboundMessage } from "../core/message";

/** A webhook request as every adapter sees it, whatever carried it (API Gateway, the local server). */
export interface WebhookRequest {
  method: string;
  path: string;
  /** Query parameters, URL-decoded. */
  query: Record<string, string>;
  /** The raw query string, for signatures that cover the URL. */
  rawQueryString: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The body as received (already base64-decoded when the transport encoded it). */
  body: string;
  /** Arrival time; adapters check timestamps against it. */
  receivedAt: Date;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Why a delivery was acknowledged without storing anything: for logs and metrics, never its content. */
export interface IgnoredDelivery {
  /** A short code (`sender_unauthenticated`, `automated`, `spam`…). */
  code: string;
  /** A refusal an operator should see (a sender that failed authentication), not routine filtering. */
  refused?: boolean;
  /** Details safe to log (verdicts, reasons): never an address, a name or any text of the message. */
  detail?: Record<string, string>;
}

/**
 * What an adapter makes of one request:
 * - `respond`: answer directly (URL verification, a callback with nothing to store, a message ignored:
 *   then `ignored` says why);
 * - `enqueue`: store these messages durably, then answer `ack` — and only then.
 */
export type WebhookOutcome =
  | { kind: "respond"; response: HttpResponse; ignored?: IgnoredDelivery }
  | {
      kind: "enqueue";
      messages: InboundMessage[];
      ack: HttpResponse;
      /**
       * Optional: runs once every message is on the queue (or known as a duplicate), before the ack. For
       * adapters that pull messages and must move a cursor only once they are stored (WeCom 微信客服). If
       * it fails the request fails, so the platform retries and the pull is repeated; dedup absorbs it.
       */
      afterEnqueue?: () => Promise<void>;
    };

/** The receiving half of a channel: verify → decrypt → parse → normalise. Pure apart from crypto. */
export interface InboundAdapter {
  readonly channel: Channel;
  handle(request: WebhookRequest): Promise<WebhookOutcome> | WebhookOutcome;
}

/** The sending half of a channel: render one reply for the platform and deliver it. */
export interface OutboundAdapter {
  readonly channel: Channel;
  /** Split and format a reply into the messages the platform accepts (byte limits, markup). */
  render(text: string): string[];
  /**
   * Deliver the rendered parts in order, from `options.partsSent` on, reporting each through
   * `options.onPartSent` (see sendParts); calls time out within `options.deadline`. Throws
   * ChannelApiError (retryable or not) when the platform refuses.
   */
  send(message: OutboundMessage, options?: SendOptions): Promise<void>;
  /**
   * Optional: tell the platform a person takes over (e.g. WeCom 微信客服 moves the session to the human
   * reception state). Called after the hand-off message was sent.
   */
  handoff?(message: OutboundMessage, ticketId: string, options?: SendOptions): Promise<void>;
  /**
   * Optional: answers a keyword the channel's webhook queued as a KEYWORD_EVENT (SMS HELP, MORE,
   * STOP/START confirmations) with the channel's fixed text, once per inbound message.
   */
  answerKeyword?(message: InboundMessage, options?: SendOptions): Promise<void>;
}
