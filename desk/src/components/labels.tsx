/** Small pieces every page shows the same way: priority, channel, reason, SLA clock, times. */
import { Badge, Text, Tooltip } from "@mantine/core";
import type { Channel, ImportCounts, ImportStatus, Priority, Sla, TicketStatus } from "../api/types";
import { useNow } from "../context";
import { type Locale, type MessageKey, type Translate, useI18n } from "../i18n";
import { formatDuration } from "../lib/constraints";

const PRIORITY_COLOR: Record<Priority, string> = {
  urgent: "red",
  high: "orange",
  normal: "blue",
  low: "gray",
};

export function PriorityBadge(props: { priority: Priority }) {
  const { t } = useI18n();
  return (
    <Badge
      color={PRIORITY_COLOR[props.priority]}
      variant={props.priority === "urgent" ? "filled" : "light"}
      style={{ flexShrink: 0 }}
    >
      {t(`priority_${props.priority}` as MessageKey)}
    </Badge>
  );
}

export function StatusBadge(props: { status: TicketStatus }) {
  const { t } = useI18n();
  const color = props.status === "resolved" ? "gray" : props.status === "open" ? "yellow" : "teal";
  return (
    <Badge color={color} variant="outline" style={{ flexShrink: 0 }}>
      {t(`status_${props.status}` as MessageKey)}
    </Badge>
  );
}

export function channelLabel(channel: Channel | string, t: Translate): string {
  const key = `channel_${channel}` as MessageKey;
  return safeT(key, t) ?? channel;
}

export function reasonLabel(reason: string, t: Translate): string {
  return safeT(`reason_${reason}` as MessageKey, t) ?? reason;
}

export function languageLabel(language: string, t: Translate): string {
  return safeT(`lang_${language}` as MessageKey, t) ?? language;
}

export function importStatusLabel(status: string, t: Translate): string {
  return safeT(`importStatus_${status}` as MessageKey, t) ?? status;
}

/** Published is green, published with refused rows yellow, nothing published red, in progress gray. */
export function importStatusColor(status: ImportStatus): string {
  switch (status) {
    case "applied":
      return "teal";
    case "partial":
      return "yellow";
    case "rejected":
    case "failed":
      return "red";
    default:
      return "gray";
  }
}

/** The counts worth reading: the rows, and whatever happened to some of them (zeros left out). */
export function shownCounts(counts: ImportCounts): [string, number][] {
  return Object.entries(counts).filter(([name, count]) => name === "total" || (count ?? 0) > 0) as [
    string,
    number,
  ][];
}

export function countLabel(name: string, t: Translate): string {
  return safeT(`count_${name}` as MessageKey, t) ?? name;
}

/** A translation when the dictionary has the key (the API may send values newer than this app). */
function safeT(key: MessageKey, t: Translate): string | undefined {
  const text = t(key);
  return text === undefined ? undefined : text;
}

export function formatTime(iso: string | undefined, locale: Locale): string {
  if (!iso) return "";
  const date = new Date(iso);
  const sameDay = new Date().toDateString() === date.toDateString();
  return new Intl.DateTimeFormat(locale === "zh" ? "zh-CN" : "en-GB", {
    ...(sameDay ? {} : { month: "2-digit", day: "2-digit" }),
    hour: "2-digit",
    minute: "2-digit",
  }).format(date);
}

export function formatDateTime(iso: string | undefined, locale: Locale): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale === "zh" ? "zh-CN" : "en-GB", {
    dateStyle: "short",
    timeStyle: "short",
  }).format(new Date(iso));
}

/** The deadline that matters now: the first response until someone answered, then the resolution. */
export function activeDeadline(
  sla: Sla,
): { kind: "first_response" | "resolution"; dueAt: string } | undefined {
  if (!sla.firstRespondedAt && sla.firstResponseDueAt)
    return { kind: "first_response", dueAt: sla.firstResponseDueAt };
  if (sla.resolutionDueAt) return { kind: "resolution", dueAt: sla.resolutionDueAt };
  return undefined;
}

/** Time left (or overdue, in red) on the active SLA deadline, ticking every second. */
export function SlaClock(props: { sla: Sla; resolved?: boolean; testId?: string }) {
  const { t } = useI18n();
  const now = useNow();
  const deadline = activeDeadline(props.sla);
  if (props.resolved)
    return (
      <Text size="sm" c="dimmed">
        {t("slaMet")}
      </Text>
    );
  if (!deadline)
    return (
      <Text size="sm" c="dimmed">
        {t("slaNone")}
      </Text>
    );
  const left = Date.parse(deadline.dueAt) - now;
  const breached = left <= 0 || props.sla.breached.includes(deadline.kind);
  const label = deadline.kind === "first_response" ? t("slaFirstResponse") : t("slaResolution");
  return (
    <Tooltip label={`${label} · ${new Date(deadline.dueAt).toLocaleString()}`}>
      <Text
        size="sm"
        fw={breached ? 700 : 500}
        c={breached ? "red.8" : left < 15 * 60_000 ? "orange.8" : undefined}
        data-testid={props.testId ?? "sla-clock"}
        data-breached={breached}
        style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}
      >
        {breached
          ? t("slaOverdue", { time: formatDuration(left) })
          : t("slaLeft", { time: formatDuration(left) })}
      </Text>
    </Tooltip>
  );
}
