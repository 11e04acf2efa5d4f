import type { z } from "zod";
import type { Channel } from "../core/message";
import type { AccessTokenProvider, FetchedToken } from "../stores/tokens";
import type { InboundAdapter, OutboundAdapter } from "./types";

/**
 * Everything Kefu knows about one channel, in one shape. A channel is a folder under shared/channels/
 * with a `module.ts` exporting one of these, plus one line in registry.ts. Nothing else in the core
 * names a channel.
 */
export interface ChannelModule<Creds extends Record<string, string> = Record<string, string>> {
  readonly channel: Channel;
  /**
   * The credentials, as `KEFU_<CHANNEL>_<FIELD>` keys: environment variables locally, keys of the JSON
   * secret in AWS. A channel with none of its keys set is not served.
   */
  readonly credentials: z.ZodType<Creds>;
  /** Demo values used by `npm start` only (documented in the README). */
  readonly demoCredentials: Creds;
  /** The channel's own webhook body limit in bytes, when the default (KEFU_MAX_BODY_BYTES) doesn't fit. */
  readonly maxBodyBytes?: number;
  /** Base URL of the platform API (env var name and production default); locally the simulator. */
  readonly apiBase?: { envVar: string; default: string };
  inbound(credentials: Creds, context: ChannelContext): InboundAdapter;
  outbound(credentials: Creds, context: ChannelContext): OutboundAdapter;
}

/** What a channel's adapters may use besides their credentials; the same for the webhook and the worker. */
export interface ChannelContext {
  /** Accepted clock skew of signed timestamps, in seconds. */
  timestampWindowSeconds: number;
  maxBodyBytes: number;
  /** The public base URL platforms call, for signatures that cover the URL (Twilio). */
  publicUrl?: string;
  /** The platform API base URL (from `apiBase.envVar`, else its default). */
  apiBase: string;
  /** Shared access tokens (DynamoDB-backed, one refresh at a time across Lambda instances). */
  tokenProvider(name: string, fetchToken: () => Promise<FetchedToken>): AccessTokenProvider;
  /** Small key-value state that must survive instances (e.g. WeCom KF sync cursors); DynamoDB in AWS. */
  state: ChannelStateStore;
  /** Reads objects the platform stored for us (SES puts mail over 150 KB in S3). */
  blobs: { get(bucket: string, key: string): Promise<Uint8Array> };
  /** Local mode: simulator-signed SNS certificates and the like are trusted. */
  local: boolean;
  env: Record<string, string | undefined>;
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
