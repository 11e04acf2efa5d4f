import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { FindingsOverrideSchema } from "../functions/desk-api/routes/quality";
import { documentClient } from "../shared/aws/clients";
import type { DeskConfig } from "../shared/config/load-desk";
import { replyFromAgent, resolveAsAgent } from "../shared/core/desk/actions";
import { ReplyBlockedError, ReplyDeliveryUnknownError, TicketClosedError } from "../shared/core/desk/desk";
import { ChannelApiError, KefuError, MalformedRequestError, NotFoundError } from "../shared/core/errors";
import { CHANNELS } from "../shared/core/message";
import { normalizeTicketId } from "../shared/core/ticket";
import { wireDesk } from "./desk-wiring";
import type { sqsClient } from "./emulators";
import type { DevRoute } from "./server";
import type { Fault, Outbox } from "./simulator/outbox";
import type { MessageTracker } from "./trace";

export interface InboxEntry {
  channel: string;
  conversation: string;
  sender: string;
  text: string;
  attachments: unknown[];
  receivedAt: string;
}

/** The /dev routes: what the bot sent and received, tickets and the agents' desk, traces, faults, DLQ. */
export function devRoutes(deps: {
  desk: DeskConfig;
  outbox: Outbox;
  inbox: InboxEntry[];
  tracker: MessageTracker;
  sqs: ReturnType<typeof sqsClient>;
  dlqUrl: string | undefined;
}): DevRoute {
  const { desk: config, outbox, inbox, tracker, sqs } = deps;
  const doc = documentClient(config.runtime);
  // The agents' desk, as `npm run desk` offers it: replies go out through the channel's real sender.
  const desk = wireDesk(config);
  const { tickets } = desk;

  return async ({ method, path, body }) => {
    if (method === "GET" && path === "/dev/outbox") return { status: 200, body: outbox.entries };
    if (method === "GET" && path === "/dev/inbox") return { status: 200, body: inbox };
    if (method === "GET" && path === "/dev/tickets") {
      const { Items = [] } = await doc.send(new ScanCommand({ TableName: config.tables.tickets }));
      // Each with its whole transcript: the turns after the hand-off are items of their own table.
      const all = await Promise.all(Items.map((item) => tickets.get(String(item.ticketId))));
      return {
        status: 200,
        body: all.filter((t) => t !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
      };
    }
    const ticketRoute = /^\/dev\/tickets\/([^/]+)(?:\/(resolve|reply))?$/.exec(path);
    if (ticketRoute?.[1]) {
      const ticketId = normalizeTicketId(decodePathSegment(ticketRoute[1]));
      const action = ticketRoute[2];
      if (method === "GET" && !action) {
        const ticket = await tickets.get(ticketId);
        if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
        return { status: 200, body: ticket };
      }
      if (method !== "POST" || !action) return undefined;
      try {
        if (action === "resolve") {
          const ticket = await tickets.get(ticketId);
          if (!ticket) throw new NotFoundError(`no ticket ${ticketId}`);
          if (ticket.status === "resolved") throw new TicketClosedError(ticketId);
          await resolveAsAgent(ticket, DEV_AGENT, new Date(), desk);
        } else {
          const { text, override } = agentReply(body);
          await replyFromAgent(ticketId, text, DEV_AGENT, desk, override ? { override } : {});
        }
      } catch (error) {
        if (error instanceof TicketClosedError) return { status: 409, body: { error: "ticket_resolved" } };
        // As the desk API answers it: nothing sent, the attempt audited, the rules and words it broke.
        if (error instanceof ReplyBlockedError) {
          return {
            status: 409,
            body: { error: error.code, message: error.message, findings: error.findings },
          };
        }
        // As the desk API answers it: recorded on the ticket, and not to be sent again blindly.
        if (error instanceof ReplyDeliveryUnknownError) {
          return { status: 202, body: { ticketId, action, delivery: "unknown" } };
        }
        if (error instanceof ChannelApiError) return { status: 502, body: { error: "channel_refused" } };
        throw error;
      }
      return { status: 200, body: { ticketId, action } };
    }
    const trace = /^\/dev\/traces\/([\w-]+)$/.exec(path);
    if (method === "GET" && trace?.[1]) {
      const found = tracker.request(trace[1]);
      if (!found) throw new NotFoundError(`no trace ${trace[1]}`);
      return { status: 200, body: found };
    }
    if (method === "POST" && path === "/dev/faults") {
      const fault = parseFault(body);
      const pending = outbox.injectFault(fault);
      return { status: 200, body: { ok: true, channel: fault.channel, pending } };
    }
    if (method === "GET" && path === "/dev/dlq") {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deps.dlqUrl, AttributeNames: ["All"] }),
      );
      return { status: 200, body: { messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0) } };
    }
    return undefined;
  };
}

/** GET /dev/inbox shows what the worker received; a body that does not parse is the worker's to report. */
export function inboxEntry(body: string): InboxEntry | undefined {
  try {
    const m = JSON.parse(body);
    return {
      channel: m.channel,
      conversation: m.conversationKey,
      sender: m.sender?.id,
      text: m.text,
      attachments: m.attachments ?? [],
      receivedAt: m.receivedAt,
    };
  } catch {
    return undefined;
  }
}

/** What a fault can be put on: a channel's sends, or 微信客服's message pulls (kf/sync_msg). */
const FAULT_TARGETS = [...CHANNELS, "wecom-kf:sync_msg"] as const;

/**
 * POST /dev/faults: the next `count` sends on `channel` fail; a negative count takes that many back, 0
 * clears the channel's faults. The answer says how many remain pending. A channel no simulator knows
 * is refused: `"wechta"` used to answer `ok` and fail nothing.
 */
const FaultSchema = z.object({
  channel: z.enum(FAULT_TARGETS, { error: `channel must be one of ${FAULT_TARGETS.join(", ")}` }),
  count: z.number().int(),
  errcode: z.number().int().optional(),
  status: z.number().int().optional(),
});

/** The body of POST /dev/faults, or MalformedRequestError (400) saying what is wrong. */
export function parseFault(body: string): Fault {
  const fault = FaultSchema.safeParse(parseJson(body));
  if (!fault.success) throw new MalformedRequestError(`not a fault: ${z.prettifyError(fault.error)}`);
  return fault.data;
}

/** Who replies and resolves through /dev/tickets, in the transcript and the reports. */
const DEV_AGENT = "dev";

export class EmptyReplyError extends KefuError {
  constructor() {
    super(400, "empty_reply", 'an agent reply needs a non-empty "text"');
  }
}

/**
 * The body of POST /dev/tickets/<id>/reply, as the desk API's: a non-blank "text", and to send a reply
 * that breaks a blocking quality rule anyway, `"findingsOverride": {"reason": "…"}` (kept in the audit).
 */
function agentReply(body: string): { text: string; override?: { reason: string } } {
  const { text, findingsOverride } = (parseJson(body || "{}") ?? {}) as {
    text?: unknown;
    findingsOverride?: unknown;
  };
  if (typeof text !== "string" || !text.trim()) throw new EmptyReplyError();
  if (findingsOverride === undefined) return { text };
  const override = FindingsOverrideSchema.safeParse(findingsOverride);
  if (!override.success) {
    throw new MalformedRequestError(`findingsOverride: ${z.prettifyError(override.error)}`);
  }
  return { text, override: override.data };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedRequestError(`not a valid path segment: ${segment}`);
  }
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new MalformedRequestError(`the body is not JSON: ${(error as Error).message}`);
  }
}
