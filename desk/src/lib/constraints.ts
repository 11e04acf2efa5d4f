/**
 * What a reply costs on the customer's channel, computed while the agent types. The arithmetic is the
 * server's own (the SMS segmenter and the byte splitter the channels send with), imported rather than
 * copied so the counter in the browser and the parts on the wire cannot disagree.
 */

import { countSegments, type SmsEncoding } from "../../../shared/channels/sms-common/encoding";
import { splitByBytes } from "../../../shared/core/render";
import type { ChannelConstraints } from "../api/types";

export type ReplyBudget =
  | {
      kind: "sms";
      encoding: SmsEncoding;
      units: number;
      segments: number;
      maxSegments: number;
      /** Units per segment at the current encoding and length: 160/153 (GSM-7) or 70/67 (UCS-2). */
      perSegment: number;
      blocked?: "opted_out" | "too_long";
    }
  | {
      kind: "weixin" | "dingtalk";
      bytes: number;
      parts: number;
      maxPartBytes: number;
      maxParts?: number;
      /** Milliseconds left in the 48-hour customer-service window (weixin only); ≤ 0 means closed. */
      windowLeftMs?: number;
      blocked?: "window_closed" | "too_long";
    }
  | { kind: "email"; subject: string; threaded: boolean; blocked?: undefined };

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

export function replyBudget(text: string, constraints: ChannelConstraints, now: number): ReplyBudget {
  switch (constraints.kind) {
    case "sms": {
      const count = countSegments(text);
      const single = count.encoding === "GSM-7" ? constraints.gsmSegment : constraints.ucs2Segment;
      const concat =
        count.encoding === "GSM-7" ? constraints.gsmConcatSegment : constraints.ucs2ConcatSegment;
      return {
        kind: "sms",
        ...count,
        maxSegments: constraints.maxSegments,
        perSegment: count.segments > 1 ? concat : single,
        blocked: constraints.optedOut
          ? "opted_out"
          : count.segments > constraints.maxSegments
            ? "too_long"
            : undefined,
      };
    }
    case "weixin":
    case "dingtalk": {
      const parts = text.trim() === "" ? 0 : splitByBytes(text, constraints.maxPartBytes).length;
      const maxParts = constraints.kind === "weixin" ? constraints.maxParts : undefined;
      const windowLeftMs =
        constraints.kind === "weixin" && constraints.windowEndsAt
          ? Date.parse(constraints.windowEndsAt) - now
          : undefined;
      return {
        kind: constraints.kind,
        bytes: utf8Bytes(text),
        parts,
        maxPartBytes: constraints.maxPartBytes,
        maxParts,
        windowLeftMs,
        blocked:
          windowLeftMs !== undefined && windowLeftMs <= 0
            ? "window_closed"
            : maxParts !== undefined && parts > maxParts
              ? "too_long"
              : undefined,
      };
    }
    case "email":
      return { kind: "email", subject: constraints.subject, threaded: constraints.threaded };
  }
}

/** "3h 05m", "12m 30s": a compact clock for SLA deadlines and channel windows. */
export function formatDuration(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  return `${m}m ${pad(s)}s`;
}
