import { countSegments } from "../../shared/channels/sms-common/encoding";
import { type DeskTicket, maskIdentity } from "../../shared/core/desk/desk";
import {
  type ChannelConstraints,
  type Priority,
  type Sla,
  smsConstraints,
  type TicketDetail,
  type TicketSummary,
} from "../../shared/core/desk/wire";
import type { FaqEntry } from "../../shared/core/faq";
import { maskedText } from "../../shared/core/message";
import { splitByBytes } from "../../shared/core/render";
import { detectLanguage } from "../../shared/core/text";

/**
 * How a stored ticket is shown to an agent (docs/desk-api.md: TicketSummary, TicketDetail,
 * ChannelConstraints): masked identity, unread count, SLA, and what the customer's channel allows now.
 */

export type { ChannelConstraints, Priority, Sla, TicketDetail, TicketSummary };

const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** WeChat (and 微信客服) accept customer-service messages for 48 hours after the customer's last one. */
export const WEIXIN_WINDOW_MS = 48 * 3600_000;
/** Parts of one 微信客服 reply (its API refuses more messages per customer message). */
const WECOM_KF_MAX_PARTS = 5;
/** SMS segments an agent's reply may take (the bot's own replies follow KEFU_SMS_MAX_SEGMENTS). */
const SMS_MAX_SEGMENTS = 3;

const lastCustomerTurn = (ticket: DeskTicket) => ticket.transcript.findLast((t) => t.role === "customer");

export function languageOf(ticket: DeskTicket): string {
  if (ticket.language) return ticket.language;
  const first = ticket.transcript.find((t) => t.role === "customer");
  return first ? detectLanguage(first.text) : "zh";
}

/** The SLA the routing half of the desk records on the ticket (`sla`), or an empty clock. */
function slaOf(ticket: DeskTicket): Sla {
  const recorded = (ticket as { sla?: Partial<Sla> }).sla;
  return { ...recorded, breached: recorded?.breached ?? [] };
}

export function summaryOf(ticket: DeskTicket, agent: string): TicketSummary {
  const last = lastCustomerTurn(ticket);
  const readAt = ticket.readAt?.[agent];
  const unread = ticket.transcript.filter((t) => t.role === "customer" && (!readAt || t.at > readAt)).length;
  return {
    ticketId: ticket.ticketId,
    channel: ticket.channel,
    status: ticket.status,
    priority: ticket.priority as Priority,
    reason: ticket.reason,
    language: languageOf(ticket),
    skills: ticket.skills ?? [],
    vip: ticket.vip ?? false,
    ...(ticket.assignee ? { assignee: ticket.assignee } : {}),
    customer: { display: maskIdentity(ticket.channel, ticket.customerId) },
    preview: last ? maskedText(last.text, 120) : "",
    ...(ticket.question ? { question: maskedText(ticket.question, 120) } : {}),
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    ...(last ? { lastCustomerAt: last.at } : {}),
    sla: slaOf(ticket),
    unread,
  };
}

export function detailOf(
  ticket: DeskTicket,
  agent: string,
  context: {
    entries: Map<string, FaqEntry>;
    earlier: DeskTicket[];
    optedOut: boolean;
    revealable: boolean;
  },
): TicketDetail {
  const summary = summaryOf(ticket, agent);
  return {
    ...summary,
    ...(ticket.detail ? { detail: ticket.detail } : {}),
    transcript: ticket.transcript,
    ...(ticket.omittedTurns ? { omittedTurns: ticket.omittedTurns } : {}),
    candidates: ticket.candidates.map((candidate) => {
      const entry = context.entries.get(candidate.faqId);
      return {
        faqId: candidate.faqId,
        score: candidate.score,
        question: entry?.question ?? candidate.matchedQuestion,
        answer: entry?.answer ?? "",
        ...(entry?.category ? { category: entry.category } : {}),
        ...(candidate.rejectedByCustomer ? { rejectedByCustomer: true } : {}),
      };
    }),
    customer: {
      display: summary.customer.display,
      channelId: maskIdentity(ticket.channel, ticket.customerId),
      revealable: context.revealable,
    },
    earlierTickets: context.earlier
      .filter((t) => t.ticketId !== ticket.ticketId)
      .map((t) => ({ ticketId: t.ticketId, status: t.status, reason: t.reason, createdAt: t.createdAt })),
    constraints: constraintsOf(ticket, context.optedOut),
    ...(ticket.resolvedAt ? { resolvedAt: ticket.resolvedAt } : {}),
    ...(ticket.reopenedAt ? { reopenedAt: ticket.reopenedAt } : {}),
    ...(ticket.csatAskedAt ? { csatAskedAt: ticket.csatAskedAt } : {}),
    ...(ticket.csat ? { csat: ticket.csat } : {}),
  };
}

export function constraintsOf(ticket: DeskTicket, optedOut: boolean): ChannelConstraints {
  const last = lastCustomerTurn(ticket);
  const windowEndsAt = last ? new Date(Date.parse(last.at) + WEIXIN_WINDOW_MS).toISOString() : undefined;
  switch (ticket.channel) {
    case "wechat":
      return { kind: "weixin", maxPartBytes: 2048, ...(windowEndsAt ? { windowEndsAt } : {}) };
    case "wecom-kf":
      return {
        kind: "weixin",
        maxPartBytes: 2048,
        maxParts: WECOM_KF_MAX_PARTS,
        ...(windowEndsAt ? { windowEndsAt } : {}),
      };
    case "wecom":
      return { kind: "weixin", maxPartBytes: 2048 };
    case "sms":
    case "twilio":
      return smsConstraints(SMS_MAX_SEGMENTS, optedOut);
    case "email": {
      const subject = ticket.replyTo?.replyContext.subject;
      return {
        kind: "email",
        subject: subject ? (/^re:/i.test(subject) ? subject : `Re: ${subject}`) : "Re:",
        threaded: Boolean(ticket.replyTo?.replyContext.messageId),
      };
    }
    case "dingtalk":
      return { kind: "dingtalk", maxPartBytes: 6000 };
  }
}

/** Why the channel takes no reply now, or that this text is too long for it; parts it takes otherwise. */
export function checkReply(
  text: string,
  constraints: ChannelConstraints,
  now: Date,
): { closed: "window_closed" | "opted_out" } | { tooLong: string } | { parts: number } {
  switch (constraints.kind) {
    case "sms": {
      if (constraints.optedOut) return { closed: "opted_out" };
      const { segments } = countSegments(text);
      if (segments > constraints.maxSegments) {
        return { tooLong: `${segments} SMS segments; at most ${constraints.maxSegments}` };
      }
      return { parts: segments };
    }
    case "weixin":
    case "dingtalk": {
      if (constraints.kind === "weixin" && constraints.windowEndsAt) {
        if (Date.parse(constraints.windowEndsAt) <= now.getTime()) return { closed: "window_closed" };
      }
      const parts = splitByBytes(text, constraints.maxPartBytes).length;
      const maxParts = constraints.kind === "weixin" ? constraints.maxParts : undefined;
      if (maxParts !== undefined && parts > maxParts)
        return { tooLong: `${parts} parts; at most ${maxParts}` };
      return { parts };
    }
    case "email":
      return { parts: 1 };
  }
}

/** Urgent first, then the earliest SLA deadline (first response until answered, then resolution). */
export function byPriorityThenDue(a: TicketSummary, b: TicketSummary): number {
  return (
    (PRIORITY_RANK[a.priority] ?? 2) - (PRIORITY_RANK[b.priority] ?? 2) ||
    dueAt(a) - dueAt(b) ||
    a.createdAt.localeCompare(b.createdAt)
  );
}

function dueAt(ticket: TicketSummary): number {
  const at = ticket.sla.firstRespondedAt ? ticket.sla.resolutionDueAt : ticket.sla.firstResponseDueAt;
  return at ? Date.parse(at) : Number.MAX_SAFE_INTEGER;
}
