import { ChannelApiError } from "../../core/errors";
import { WeComApiError, type WeixinClient } from "../weixin/api";
import type { KfMessage } from "./normalize";

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
