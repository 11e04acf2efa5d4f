import type { InboundMessage } from "../../core/message";
import type {
  ChannelStateStore,
  HttpResponse,
  InboundAdapter,
  WebhookOutcome,
  WebhookRequest,
} from "../ports";
import type { WeixinClient } from "../weixin/api";
import { verifyWeComCallback } from "../weixin/callback";
import type { WeComKfCredentials } from "./credentials";
import { toKfMessage } from "./normalize";
import { pullMessages } from "./sync";

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
 * Each pulled message costs a dedup claim, an SQS send and a mark (≈ 10–30 ms in region), and WeCom
 * waits 5 s: 200 messages and 1.5 s of paging leave room to store them. A longer backlog continues on
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
 * shared dedup on msgid makes the repeat harmless. Concurrent callbacks may pull the same entries or move
 * the cursor back a little; both only cause re-pulls that dedup absorbs.
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
