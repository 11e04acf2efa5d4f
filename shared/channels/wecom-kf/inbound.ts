import { ChannelApiError } from "../../core/errors";
import type { InboundMessage } from "../../core/message";
import type {
  ChannelStateStore,
  HttpResponse,
  InboundAdapter,
  WebhookOutcome,
  WebhookRequest,
} from "../ports";
import { WeComApiError, type WeixinClient } from "../weixin/api";
import { verifyWeComCallback } from "../weixin/callback";
import type { WeComKfCredentials } from "./credentials";
import { type KfMessage, toKfMessage } from "./normalise";

export interface WeComKfInboundOptions {
  credentials: WeComKfCredentials;
  timestampWindowSeconds: number;
  maxBodyBytes: number;
  state: ChannelStateStore;
  /** The 微信客服 API with the shared token (sync_msg). */
  client: WeixinClient;
  limits?: Partial<PullLimits>;
}

export interface PullLimits {
  pageLimit: number;
  maxMessages: number;
  budgetMs: number;
  /** On the very first pull of an account, entries older than this are history (3 days are kept). */
  firstPullLookbackSeconds: number;
}

/**
 * Each pulled message costs an SQS send (≈ 5–15 ms in region), and WeCom waits 5 s: 200 messages and 1.5 s of paging leave room to store them. A longer backlog continues on
 * the next callback, from the stored cursor.
 */
export const DEFAULT_PULL_LIMITS: PullLimits = {
  pageLimit: 100,
  maxMessages: 200,
  budgetMs: 1500,
  firstPullLookbackSeconds: 600,
};

/** Replies are only possible within 48 h of the customer's last message: older ones are not answered. */
const REPLY_WINDOW_SECONDS = 48 * 3600;

const ACK: HttpResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "" };
/** Some pages were stored, a later one failed: WeCom retries the callback and the pull resumes. */
const RETRY: HttpResponse = {
  status: 503,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ error: "pull_incomplete", message: "some messages are still to be pulled; retry" }),
};

export interface CursorState {
  cursor?: string;
  /** Epoch seconds; entries sent earlier are history. Fixed at the account's first pull. */
  skipBefore: number;
}

export function cursorKey(corpId: string, openKfId: string | undefined): string {
  return `wecom-kf:cursor:${corpId}:${openKfId ?? "*"}`;
}

/**
 * The 微信客服 callback (`/webhooks/wecom-kf`). The callback only says "there is something for open_kfid";
 * the messages are pulled with kf/sync_msg from a cursor kept per account. The cursor moves only after
 * the pulled messages are on the queue (`afterEnqueue`): a failure in between repeats the pull, and the
 * repeat is harmless: each message is enqueued under its msgid's deduplication id, which SQS drops
 * within five minutes, and the worker answers `duplicate` after that. Concurrent callbacks may pull the
 * same entries or move the cursor back a little; both only cause re-pulls absorbed the same way.
 */
export function createWeComKfInbound(options: WeComKfInboundOptions): InboundAdapter {
  const { credentials, state, client } = options;
  const limits = { ...DEFAULT_PULL_LIMITS, ...options.limits };
  const corpId = credentials.KEFU_WECOM_KF_CORP_ID;
  const callback = {
    token: credentials.KEFU_WECOM_KF_TOKEN,
    aesKey: credentials.KEFU_WECOM_KF_AES_KEY,
    corpId,
    timestampWindowSeconds: options.timestampWindowSeconds,
    maxBodyBytes: options.maxBodyBytes,
  };

  return {
    channel: "wecom-kf",
    async handle(request: WebhookRequest): Promise<WebhookOutcome> {
      const verified = verifyWeComCallback(request, callback);
      if (verified.kind === "echo") {
        return { kind: "respond", response: { ...ACK, body: verified.plaintext } };
      }
      const { fields } = verified;
      // Account authorisation changes and other notices carry no messages to pull.
      if (fields.MsgType?.toLowerCase() !== "event" || fields.Event !== "kf_msg_or_event") {
        return { kind: "respond", response: ACK };
      }
      const openKfId = fields.OpenKfId?.trim() || undefined;
      const key = cursorKey(corpId, openKfId);
      const stored = await state.get<CursorState>(key);
      const now = Math.floor(request.receivedAt.getTime() / 1000);
      const skipBefore = stored?.skipBefore ?? now - limits.firstPullLookbackSeconds;

      const pulled = await pullMessages({
        client,
        ...(fields.Token ? { token: fields.Token } : {}),
        ...(openKfId ? { openKfId } : {}),
        ...(stored?.cursor ? { cursor: stored.cursor } : {}),
        pageLimit: limits.pageLimit,
        maxMessages: limits.maxMessages,
        budgetMs: limits.budgetMs,
      });
      const normalise = { corpId, skipBefore: Math.max(skipBefore, now - REPLY_WINDOW_SECONDS) };
      const messages: InboundMessage[] = [];
      for (const entry of pulled.messages) {
        const message = toKfMessage(entry, normalise);
        if (message) messages.push(message);
      }
      const next: CursorState = { ...(pulled.cursor ? { cursor: pulled.cursor } : {}), skipBefore };
      const changed = !stored || stored.cursor !== next.cursor;
      return {
        kind: "enqueue",
        messages,
        ack: pulled.error ? RETRY : ACK,
        afterEnqueue: async () => {
          if (changed) await state.put(key, next);
        },
      };
    },
  };
}

// ---- pulling kf/sync_msg ------------------------------------------------------------------------

export interface PullOptions {
  client: WeixinClient;
  /** The callback's Token: valid 10 minutes, and without it sync_msg is strictly rate-limited. */
  token?: string;
  openKfId?: string;
  cursor?: string;
  /** Entries asked per page (sync_msg allows 1000). */
  pageLimit: number;
  /** Stop paging once this many entries are in hand; the next callback continues from the cursor. */
  maxMessages: number;
  /** Stop paging after this long, so storing what was pulled still fits WeCom's 5 s. */
  budgetMs: number;
  clock?: () => number;
}

export interface PullResult {
  messages: KfMessage[];
  /** The cursor after the last page pulled: where the next pull starts once these are stored. */
  cursor: string | undefined;
  hasMore: boolean;
  /** A page after the first failed: what came before is kept, and the caller asks for a retry. */
  error?: unknown;
}

/**
 * Pulls `kf/sync_msg` pages from the cursor while `has_more`, within the message and time bounds. The
 * cursor is not stored here: the caller stores it once the messages are on the queue.
 */
export async function pullMessages(options: PullOptions): Promise<PullResult> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const messages: KfMessage[] = [];
  let cursor = options.cursor;
  let token = options.token;
  let hasMore = true;
  for (let page = 0; hasMore; page++) {
    let body: Record<string, unknown>;
    try {
      body = await options.client.post(
        "/cgi-bin/kf/sync_msg",
        {
          ...(cursor ? { cursor } : {}),
          ...(token ? { token } : {}),
          limit: options.pageLimit,
          voice_format: 0,
          ...(options.openKfId ? { open_kfid: options.openKfId } : {}),
        },
        "kf/sync_msg",
        // A read from a cursor: repeating it changes nothing.
        { idempotent: true },
      );
    } catch (error) {
      // An expired or foreign callback token is refused; the pull works without one (rate-limited).
      if (token && page === 0 && error instanceof WeComApiError && !error.retryable) {
        token = undefined;
        page--;
        continue;
      }
      if (page === 0) throw error;
      return { messages, cursor, hasMore: true, error };
    }
    const list = Array.isArray(body.msg_list) ? (body.msg_list as KfMessage[]) : [];
    messages.push(...list);
    const next = typeof body.next_cursor === "string" && body.next_cursor ? body.next_cursor : undefined;
    hasMore = body.has_more === 1 || body.has_more === true;
    if (hasMore && (!next || next === cursor)) {
      // has_more without a new cursor would repeat the same page for ever.
      return {
        messages,
        cursor: next ?? cursor,
        hasMore,
        error: new ChannelApiError("kf/sync_msg: has_more without a new cursor", { retryable: true }),
      };
    }
    cursor = next ?? cursor;
    if (messages.length >= options.maxMessages || clock() - started >= options.budgetMs) break;
  }
  return { messages, cursor, hasMore };
}
