import type { Deadline } from "../../core/deadline";
import { type SendOptions, sendParts } from "../../core/delivery";
import { ChannelApiError } from "../../core/errors";
import type { OutboundMessage } from "../../core/message";
import { splitByBytes, stripMarkdown } from "../../core/render";
import {
  apiUrl,
  ChannelUnreachableError,
  type HttpRequest,
  httpCall,
  type JsonObject,
  type RetryPolicy,
  transientStatus,
  withRetries,
} from "../http";
import type { FetchedToken, OutboundAdapter } from "../ports";
import { type TokenSource, tokenProviderFor } from "../tokens";
import { type DingTalkCredentials, robotCodeOf } from "./credentials";

/**
 * Bytes of reply text per DingTalk message. A robot text message takes about 20 000 bytes, but the
 * OpenAPI caps `msgParam` — the text JSON-encoded inside a JSON string — at 15 000 bytes, and escaping
 * can double a text made of newlines and quotes: 6 000 bytes (2 000 Chinese characters) stays under
 * every limit whichever way the part is sent, and is still a long chat message.
 */
export const DINGTALK_PART_MAX_BYTES = 6000;

/** Stop using a session webhook this long before DingTalk says it expires (clock skew, slow sends). */
const SESSION_MARGIN_MS = 60_000;

/**
 * The session webhook URL comes from the message body. The body is signed, but trusting it as a
 * destination would let whoever holds the AppSecret (or a future payload bug) make our worker POST to
 * any address, internal ones included (SSRF): only DingTalk's own HTTPS API hosts are reached.
 */
const SESSION_HOSTS = new Set(["oapi.dingtalk.com", "api.dingtalk.com"]);

/** Session-webhook errcodes worth another try: system busy, and sending too fast. */
const SESSION_TRANSIENT = new Set([-1, 130101]);

/** OpenAPI error codes that a later try may get past: flow control and throttling. */
const THROTTLED = /qpslimit|qpmlimit|throttl|flowcontrol|toofrequent|systembusy|serviceunavailable/i;

export interface DingTalkOutboundOptions {
  credentials: DingTalkCredentials;
  /** KEFU_DINGTALK_API_BASE: https://api.dingtalk.com, or the local channel simulator. */
  apiBase: string;
  tokens: TokenSource;
  /** Local mode only: an origin (the stack's public URL) whose `/sim/dingtalk/` session webhooks are trusted. */
  simulatorOrigin?: string;
  fetch?: typeof fetch;
  /** Epoch milliseconds, for the session webhook's expiry. */
  clock?: () => number;
  /** Attempts per part (first try included) and the first back-off delay, doubled each time. */
  retry?: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
}

export function dingtalkTokenName(appKey: string): string {
  return `dingtalk:${appKey}`;
}

/**
 * An internal app's OpenAPI access token (/v1.0/oauth2/accessToken). Only the shared provider should
 * call this, so that all instances use one token at a time.
 */
export async function fetchDingTalkAccessToken(options: {
  apiBase: string;
  credentials: DingTalkCredentials;
  fetch?: typeof fetch;
}): Promise<FetchedToken> {
  const { status, body } = await call({
    url: apiUrl(options.apiBase, "/v1.0/oauth2/accessToken"),
    label: "DingTalk token",
    changesState: false,
    json: {
      appKey: options.credentials.KEFU_DINGTALK_APP_KEY,
      appSecret: options.credentials.KEFU_DINGTALK_APP_SECRET,
    },
    fetch: options.fetch,
  });
  if (
    status === 200 &&
    typeof body.accessToken === "string" &&
    body.accessToken &&
    typeof body.expireIn === "number"
  ) {
    return { token: body.accessToken, expiresInSeconds: body.expireIn };
  }
  // A wrong key or secret needs a human; throttling and DingTalk's own failures pass.
  throw new ChannelApiError(`DingTalk token request failed: HTTP ${status} ${codeOf(body)}`, {
    retryable: transientStatus(status) || THROTTLED.test(codeOf(body)),
  });
}

/**
 * The sending half of the DingTalk channel. A reply goes through the conversation's session webhook
 * while it is valid (about 90 minutes after the customer's message; no token needed), and otherwise —
 * expired, refused, unreachable, or not a DingTalk URL — through the robot OpenAPI with the app's
 * access token: one-to-one chats by the customer's userId, groups by their openConversationId.
 */
export function createDingTalkOutbound(options: DingTalkOutboundOptions): OutboundAdapter {
  const { credentials } = options;
  const doFetch = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  const tokens = tokenProviderFor(options.tokens, dingtalkTokenName(credentials.KEFU_DINGTALK_APP_KEY), () =>
    fetchDingTalkAccessToken({ apiBase: options.apiBase, credentials, fetch: doFetch }),
  );

  function render(text: string): string[] {
    return splitByBytes(text.replace(/\r\n?/g, "\n"), DINGTALK_PART_MAX_BYTES);
  }

  /** The session webhook, if it may be used now. */
  function usableSession(context: Record<string, string>): URL | undefined {
    const raw = context.sessionWebhook;
    const expires = Number(context.sessionWebhookExpiredTime);
    if (!raw || !Number.isFinite(expires) || expires - SESSION_MARGIN_MS <= clock()) return undefined;
    return allowedSessionUrl(raw, options.simulatorOrigin);
  }

  /** One attempt through the session webhook: true when sent, false when DingTalk refused the session. */
  async function viaSession(url: URL, payload: Rendered, deadline?: Deadline): Promise<boolean> {
    const body =
      payload.msgKey === "sampleMarkdown"
        ? { msgtype: "markdown", markdown: payload.param }
        : { msgtype: "text", text: payload.param };
    const { status, body: answer } = await call({
      url,
      label: "DingTalk session webhook",
      json: body,
      deadline,
      fetch: doFetch,
    });
    if (transientStatus(status)) {
      throw new ChannelApiError(`DingTalk session webhook failed with HTTP ${status}`, { retryable: true });
    }
    const errcode = typeof answer.errcode === "number" ? answer.errcode : status === 200 ? 0 : undefined;
    if (errcode === 0) return true;
    if (errcode !== undefined && SESSION_TRANSIENT.has(errcode)) {
      throw new ChannelApiError(`DingTalk session webhook busy: errcode ${errcode}`, { retryable: true });
    }
    // Closed early, or anything else: the OpenAPI still reaches the conversation.
    return false;
  }

  /** One attempt through the robot OpenAPI. */
  async function viaOpenApi(
    message: OutboundMessage,
    payload: Rendered,
    token: string,
    deadline?: Deadline,
  ): Promise<void> {
    const context = message.replyContext;
    const robotCode = context.robotCode || robotCodeOf(credentials);
    const msgParam = JSON.stringify(payload.param);
    const group = context.conversationType === "2";
    const userId = context.senderStaffId;
    if (group && !context.conversationId) {
      throw new ChannelApiError("DingTalk group reply without a conversationId", { retryable: false });
    }
    if (!group && !userId) {
      // Members of other organisations have no userId: once the session webhook expired, they are out of reach.
      throw new ChannelApiError("the session webhook expired and the customer has no DingTalk userId", {
        retryable: false,
      });
    }
    const [path, body] = group
      ? [
          "/v1.0/robot/groupMessages/send",
          { robotCode, openConversationId: context.conversationId, msgKey: payload.msgKey, msgParam },
        ]
      : [
          "/v1.0/robot/oToMessages/batchSend",
          { robotCode, userIds: [userId], msgKey: payload.msgKey, msgParam },
        ];
    const { status, body: answer } = await call({
      url: apiUrl(options.apiBase, path),
      label: "DingTalk send",
      json: body,
      headers: { "x-acs-dingtalk-access-token": token },
      deadline,
      fetch: doFetch,
    });
    if (status === 200) {
      if (listed(answer.invalidStaffIdList, userId)) {
        throw new ChannelApiError("DingTalk does not know this userId", { retryable: false });
      }
      if (listed(answer.flowControlledStaffIdList, userId)) {
        throw new ChannelApiError("DingTalk flow control held the message back", { retryable: true });
      }
      return;
    }
    const code = codeOf(answer);
    if (status === 401 || code === "InvalidAuthentication") throw new TokenRejected(token);
    throw new ChannelApiError(`DingTalk send failed: HTTP ${status} ${code}`, {
      retryable: transientStatus(status) || THROTTLED.test(code),
    });
  }

  /**
   * One part, through the session webhook while it works, else the OpenAPI. `route.session` is shared by
   * the parts of one reply: once the session is refused or unreachable, the later parts skip it too.
   */
  async function sendPart(
    message: OutboundMessage,
    payload: Rendered,
    route: { session: URL | undefined },
    deadline?: Deadline,
  ): Promise<void> {
    let tokenRetried = false;
    const getToken = () => (deadline ? deadline.race(tokens.get(), "get the DingTalk token") : tokens.get());
    const attempt = async (): Promise<void> => {
      if (route.session) {
        try {
          if (await viaSession(route.session, payload, deadline)) return;
        } catch (error) {
          // No connection at all (DNS, refused): retrying the same host into the dead-letter queue helps
          // nobody while the OpenAPI, on another host, can still reach the conversation. A timeout or a
          // dropped connection may hide a delivered message: sending it again the other way would
          // deliver it twice, so that is left to withRetries (DeliveryUnknownError).
          const neverSent = error instanceof ChannelUnreachableError && !error.outcomeUnknown;
          if (!(neverSent && openApiReaches(message.replyContext))) throw error;
        }
        route.session = undefined;
      }
      const token = await getToken();
      try {
        await viaOpenApi(message, payload, token, deadline);
      } catch (error) {
        if (!(error instanceof TokenRejected)) throw error;
        await tokens.invalidate(token);
        // One more try at once with a fresh token; a fresh token refused too is not the token's fault.
        if (tokenRetried)
          throw new ChannelApiError("DingTalk refused a fresh access token", { retryable: true });
        tokenRetried = true;
        try {
          await viaOpenApi(message, payload, await getToken(), deadline);
        } catch (again) {
          // TokenRejected holds the token: it does not travel on as a cause that may be logged.
          if (again instanceof TokenRejected) throw new ChannelApiError("token refused", { retryable: true });
          throw again;
        }
      }
    };
    await withRetries("DingTalk send", attempt, { retry: options.retry, deadline, sleep: options.sleep });
  }

  return {
    channel: "dingtalk",
    render,
    async send(message: OutboundMessage, options?: SendOptions): Promise<void> {
      const markdown = looksLikeMarkdown(message.text);
      const route = { session: usableSession(message.replyContext) };
      // In order, one at a time: DingTalk shows messages in the order it receives them.
      await sendParts(render(message.text), options, (part) =>
        sendPart(message, renderPart(part, markdown), route, options?.deadline),
      );
    },
  };
}

interface Rendered {
  msgKey: "sampleText" | "sampleMarkdown";
  param: { content: string } | { title: string; text: string };
}

/** DingTalk renders markdown in robot messages; plain answers go as text, which copies more cleanly. */
function renderPart(part: string, markdown: boolean): Rendered {
  if (!markdown) return { msgKey: "sampleText", param: { content: part } };
  return { msgKey: "sampleMarkdown", param: { title: markdownTitle(part), text: part } };
}

/** Markup that changes how an answer reads: headings, lists, emphasis, links, code, quotes, tables. */
export function looksLikeMarkdown(text: string): boolean {
  return [
    /^\s{0,3}#{1,6}\s+\S/m,
    /^\s{0,3}([-*+]|\d{1,3}[.)])\s+\S/m,
    /(\*\*|__)\S[^\n]*?\S?\1/,
    /\[[^\]\n]+\]\([^)\s]+\)/,
    /^\s{0,3}(```|~~~)/m,
    /^\s{0,3}>\s?\S/m,
    // Spaces and tabs, not \s: \s crosses lines, and a run of empty lines was rescanned from each one.
    /^[ \t]*\|.*\|[ \t]*$/m,
    /`[^`\n]+`/,
  ].some((pattern) => pattern.test(text));
}

/** The title shows in the chat list and notifications: the first line, without markup, kept short. */
export function markdownTitle(text: string): string {
  const first =
    stripMarkdown(text)
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "";
  const chars = Array.from(first.replace(/^•\s*/, ""));
  return chars.length > 24 ? `${chars.slice(0, 23).join("")}…` : chars.join("") || "Kefu";
}

/** Whether the robot OpenAPI can reach this conversation: a group by its id, a person by their userId. */
function openApiReaches(context: Record<string, string>): boolean {
  return context.conversationType === "2" ? !!context.conversationId : !!context.senderStaffId;
}

/**
 * The session webhook URL if we may POST to it: HTTPS on one of DingTalk's API hosts, no credentials
 * or custom port. In local mode (a simulator origin given) also the simulator's path on the stack's own
 * origin, and a DingTalk host is mapped there: a real DingTalk payload pasted into a local stack is
 * answered by the simulator and never posts to a real DingTalk chat.
 */
export function allowedSessionUrl(raw: string, simulatorOrigin?: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  let origin: string | undefined;
  try {
    origin = simulatorOrigin ? new URL(simulatorOrigin).origin : undefined;
  } catch {
    origin = undefined;
  }
  if (origin && url.origin === origin && url.pathname.startsWith("/sim/dingtalk/")) return url;
  if (url.protocol !== "https:" || url.username || url.password || url.port) return undefined;
  if (!SESSION_HOSTS.has(url.hostname.toLowerCase())) return undefined;
  return origin ? new URL(`/sim/dingtalk${url.pathname}${url.search}`, origin) : url;
}

/** The OpenAPI refused the access token: expired early, or replaced by a newer one. */
class TokenRejected extends Error {
  constructor(readonly token: string) {
    super("DingTalk refused the access token");
    this.name = "TokenRejected";
  }
}

type ApiBody = JsonObject;

/**
 * One call. DingTalk's OpenAPI reports its refusals as 4xx with a JSON `code`, so the status goes to
 * the caller to judge; an answer without a JSON object (a proxy's error page) is retryable unless its
 * status is a final 4xx.
 */
async function call(request: HttpRequest): Promise<{ status: number; body: ApiBody }> {
  const answer = await httpCall(request);
  if (answer.body) return { status: answer.status, body: answer.body };
  if (!answer.ok && !transientStatus(answer.status)) return { status: answer.status, body: {} };
  throw new ChannelApiError(`${request.label} answered HTTP ${answer.status} without a JSON object`, {
    retryable: true,
  });
}

function codeOf(body: ApiBody): string {
  // `code` is DingTalk's error name (InvalidAuthentication, invalidParameter.userIds.empty…); it never
  // echoes the message text.
  return typeof body.code === "string" ? body.code.slice(0, 100) : "";
}

function listed(list: unknown, userId: string | undefined): boolean {
  return userId !== undefined && Array.isArray(list) && list.includes(userId);
}
