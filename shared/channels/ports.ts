import type * as z from "zod/mini";
import type { SendOptions } from "../core/delivery";
import type { Channel, InboundMessage, OutboundMessage } from "../core/message";
import type { ChannelTexts } from "../core/texts";
import type { ChannelSettings } from "./settings";

/**
 * The ports of the channels: what a channel module is and gets, what its inbound half makes of a
 * webhook request and what its outbound half sends. Everything a channel needs from outside (shared
 * access tokens, durable state, stored objects) comes in through ChannelContext.
 */

/**
 * Everything Kefu knows about one channel and how it receives, in one shape. A channel is a folder under
 * shared/channels/ with the same files for the same jobs — credentials.ts, inbound.ts (verify, decrypt,
 * parse), normalise.ts (platform message → InboundMessage), outbound.ts (send, with its limits),
 * module.ts exporting one of these and sender.ts exporting its ChannelSender — plus one line in
 * registry.ts and one in senders.ts. The two halves live apart so that the webhook bundles no sender
 * (and no SDK client a sender uses), and the worker no receiver. What a family of channels shares lives
 * in a folder of its own (weixin/, sms-common/); platform HTTP calls go through http.ts. Nothing else in
 * the core names a channel.
 */
export interface ChannelModule<Creds extends Record<string, string> = Record<string, string>> {
  readonly channel: Channel;
  /**
   * The credentials, as `KEFU_<CHANNEL>_<FIELD>` keys: environment variables locally, keys of the JSON
   * secret in AWS. A channel with none of its keys set is not served.
   */
  readonly credentials: z.ZodMiniType<Creds>;
  /** Demo values used by `npm start` only (documented in the README). */
  readonly demoCredentials: Creds;
  /** The channel's own webhook body limit in bytes, when the default (KEFU_MAX_BODY_BYTES) doesn't fit. */
  readonly maxBodyBytes?: number;
  /**
   * The channel's wording of the core's sentences (texts.ts), e.g. a short disclosure on SMS; the
   * operators' KEFU_TEXT_OVERRIDES still win.
   */
  readonly texts?: ChannelTexts;
  /**
   * Base URL of the platform API, unless the settings name another (ChannelSettings.apiBases: locally
   * the simulator). Empty: the AWS SDK's regional endpoint.
   */
  readonly apiBase?: { default: string };
  /** The receiving half of a channel whose platform calls the public webhook (HTTPS, signed). */
  inbound?(credentials: Creds, context: ChannelContext): InboundAdapter;
  /**
   * The receiving half of a channel whose platform publishes to one of our SNS topics, delivered to a
   * Lambda subscription (SES e-mail, End User Messaging SMS): no public endpoint, no signature.
   */
  notifications?(credentials: Creds, context: ChannelContext): NotificationAdapter;
}

/** The sending half of a channel (its `sender.ts`): builds the outbound adapter from the same credentials. */
export interface ChannelSender<Creds extends Record<string, string> = Record<string, string>> {
  readonly channel: Channel;
  outbound(credentials: Creds, context: ChannelContext): OutboundAdapter;
}

/** What a channel's adapters may use besides their credentials; the same for the webhook and the worker. */
export interface ChannelContext {
  /** Accepted clock skew of signed timestamps, in seconds. */
  timestampWindowSeconds: number;
  maxBodyBytes: number;
  /** The public base URL platforms call, for signatures that cover the URL (Twilio). */
  publicUrl?: string;
  /** The platform API base URL (from the settings, else the module's default). */
  apiBase: string;
  /** Shared access tokens (DynamoDB-backed, one refresh at a time across Lambda instances). */
  tokenProvider(name: string, fetchToken: () => Promise<FetchedToken>): AccessTokenProvider;
  /** Small key-value state that must survive instances (e.g. WeCom KF sync cursors); DynamoDB in AWS. */
  state: ChannelStateStore;
  /** Reads objects the platform stored for us (SES puts mail over 150 KB in S3). */
  blobs: { get(bucket: string, key: string): Promise<Uint8Array> };
  /** Local mode: simulator-signed SNS certificates and the like are trusted. */
  local: boolean;
  /** The AWS region of the SDK clients a channel makes (SES, End User Messaging). */
  region: string;
  /** The channels' settings that are not secrets (segments, e-mail topics…), validated at cold start. */
  settings: ChannelSettings;
}

/** Durable per-channel state (cursors, opt-outs): a namespaced key → JSON value store. */
export interface ChannelStateStore {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T, ttlSeconds?: number): Promise<void>;
  /**
   * Writes `value` only if the stored value's `revision` is still `expectedRevision` (undefined: nothing
   * stored, or a value without one); false when another writer got there first. For state whose
   * concurrent updates must not overwrite each other (SMS opt-outs).
   */
  putIfRevision<T extends { revision: number }>(
    key: string,
    value: T,
    expectedRevision: number | undefined,
  ): Promise<boolean>;
}

export interface AccessTokenProvider {
  /** A token valid for at least the refresh margin. */
  get(): Promise<string>;
  /** The platform refused this token: forget it (locally and in the store) so the next get refreshes. */
  invalidate(token: string): Promise<void>;
}

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

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
       * Optional: runs once every message is on the queue, before the ack. For adapters that pull messages
       * and must move a cursor only once they are stored (WeCom 微信客服). If it fails the request fails,
       * so the platform retries and the pull is repeated; the queue's deduplication absorbs it.
       */
      afterEnqueue?: () => Promise<void>;
    };

/** The receiving half of a channel: verify → decrypt → parse → normalise. Pure apart from crypto. */
export interface InboundAdapter {
  readonly channel: Channel;
  handle(request: WebhookRequest): Promise<WebhookOutcome> | WebhookOutcome;
}

/**
 * One SNS notification as a Lambda subscription receives it (an SNSEvent record's `Sns`). Only our
 * topics can invoke the function (its permission is scoped to their ARNs), so nothing here is signed
 * for us to check; the adapter still checks the topic is its channel's.
 */
export interface SnsNotification {
  topicArn: string;
  messageId: string;
  /** When SNS accepted the publish (ISO 8601); kept on redeliveries. */
  timestamp: string;
  message: string;
  subject?: string;
  /** When the function received it: the arrival time of a message whose notification gives none. */
  receivedAt: Date;
}

/**
 * The receiving half of a channel that arrives through an SNS topic: parse → filter → normalise. Its
 * outcome is a webhook's, but nothing answers SNS: `respond` means "nothing to store" (with `ignored`
 * saying why) and the responses are unused; a failure throws, and the invocation is retried.
 */
export interface NotificationAdapter {
  readonly channel: Channel;
  /** Whether notifications of this topic are this channel's (its settings name the topic). */
  accepts(topicArn: string): boolean;
  handle(notification: SnsNotification): Promise<WebhookOutcome>;
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
   * Optional: the answer to a keyword the channel's webhook queued as a KEYWORD_EVENT (SMS HELP, MORE,
   * STOP/START confirmations), the channel's fixed text as a message for `send` (which inspects it like
   * any other); undefined when that inbound message was answered already.
   */
  keywordAnswer?(message: InboundMessage): Promise<OutboundMessage | undefined>;
}
