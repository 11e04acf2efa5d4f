import { Alert, Badge, Button, Group, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "../api/client";
import type { Locale } from "../i18n";
import { useI18n } from "../i18n";

/**
 * The quality findings of a reply the desk API refused (409 `quality_findings`, docs/desk-api.md): each
 * rule, its severity and the words it matched. The agent rephrases (the next reply names this attempt),
 * or sends anyway with a reason, which the audit trail keeps.
 */
export interface QualityFinding {
  ruleId: string;
  category: string;
  severity: "block" | "warn";
  term: string;
  /** Offsets in the normalised text: with the rule, what tells two findings apart. */
  start: number;
  end: number;
  matched: string;
  message?: string;
  messageZh?: string;
}

export interface RefusedReply {
  inspectionId: string;
  findings: QualityFinding[];
}

/** The findings of a failed reply, when it failed for them. */
export function refusedForQuality(error: unknown): RefusedReply | undefined {
  if (!(error instanceof ApiError) || error.code !== "quality_findings") return undefined;
  const body = error.body ?? {};
  const findings = Array.isArray(body.findings) ? (body.findings as QualityFinding[]) : [];
  return { inspectionId: String(body.inspectionId ?? ""), findings };
}

const TEXT: Record<Locale, Record<string, string>> = {
  en: {
    title: "Not sent: the reply breaks a quality rule. Rephrase it, or send it anyway with a reason.",
    block: "blocks",
    warn: "warning",
    reason: "Reason for sending anyway (kept in the audit trail)",
    sendAnyway: "Send anyway",
  },
  zh: {
    title: "未发送：回复触发了质检规则。请修改措辞，或填写理由后仍然发送。",
    block: "拦截",
    warn: "提醒",
    reason: "仍然发送的理由（记入质检记录）",
    sendAnyway: "仍然发送",
  },
};

export function InspectionFindings({
  refused,
  pending,
  onSendAnyway,
}: {
  refused: RefusedReply;
  pending: boolean;
  onSendAnyway(reason: string): void;
}) {
  const { locale } = useI18n();
  const text = TEXT[locale];
  const [reason, setReason] = useState("");
  return (
    <Alert color="red" variant="light" py={6} data-testid="quality-findings" role="alert">
      <Stack gap={6}>
        <Text size="sm">{text.title}</Text>
        {refused.findings.map((finding) => (
          <Group
            key={`${finding.ruleId}-${finding.start}-${finding.end}`}
            gap={6}
            wrap="nowrap"
            data-testid="quality-finding"
          >
            <Badge color={finding.severity === "block" ? "red" : "yellow"} variant="filled" size="sm">
              {finding.severity === "block" ? text.block : text.warn}
            </Badge>
            <Text size="sm" fw={600} data-testid="quality-finding-matched">
              「{finding.matched}」
            </Text>
            <Text size="xs" c="dimmed">
              {(locale === "zh" ? finding.messageZh : finding.message) ?? finding.ruleId}
            </Text>
          </Group>
        ))}
        <Group gap={6} wrap="nowrap" align="flex-end">
          <TextInput
            size="xs"
            style={{ flex: 1 }}
            label={text.reason}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="quality-reason"
          />
          <Button
            size="xs"
            color="red"
            variant="outline"
            disabled={reason.trim() === "" || pending}
            onClick={() => onSendAnyway(reason.trim())}
            data-testid="quality-send-anyway"
          >
            {text.sendAnyway}
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
