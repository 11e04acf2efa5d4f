import {
  Alert,
  Button,
  Group,
  Popover,
  Stack,
  Tabs,
  Text,
  Textarea,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { forwardRef, useImperativeHandle, useRef, useState } from "react";
import type { AgentReplyResult, Suggestion, TicketDetail, Turn } from "../api/types";
import { useDesk, useNow } from "../context";
import { type Translate, useI18n } from "../i18n";
import { formatDuration, type ReplyBudget, replyBudget } from "../lib/constraints";
import { ErrorAlert } from "./ErrorAlert";
import { FaqSearch } from "./FaqSearch";
import { InspectionFindings, type RefusedReply, refusedForQuality } from "./InspectionFindings";

export interface ReplyBoxHandle {
  focus(mode: "reply" | "note"): void;
  setDraft(text: string): void;
}

/** The line under the box: what the text costs on this channel, and why sending is blocked if it is. */
function budgetLine(budget: ReplyBudget, t: Translate): { text: string; blocked?: string } {
  switch (budget.kind) {
    case "sms":
      return {
        text: t("smsCounter", {
          encoding: budget.encoding,
          units: budget.units,
          segments: budget.segments,
          max: budget.maxSegments,
          per: budget.perSegment,
        }),
        blocked:
          budget.blocked === "opted_out"
            ? t("smsOptedOut")
            : budget.blocked === "too_long"
              ? t("smsTooLong", { max: budget.maxSegments })
              : undefined,
      };
    case "weixin":
    case "dingtalk": {
      const counter = t(budget.kind === "weixin" ? "weixinCounter" : "dingtalkCounter", {
        bytes: budget.bytes,
        parts: budget.parts,
        max: budget.maxPartBytes,
      });
      const maxParts = budget.maxParts ? ` (${t("weixinMaxParts", { n: budget.maxParts })})` : "";
      const window =
        budget.windowLeftMs !== undefined && budget.windowLeftMs > 0
          ? ` · ${t("windowLeft", { time: formatDuration(budget.windowLeftMs) })}`
          : "";
      return {
        text: counter + maxParts + window,
        blocked:
          budget.blocked === "window_closed"
            ? t("windowClosed", { time: formatDuration(budget.windowLeftMs ?? 0) })
            : budget.blocked === "too_long"
              ? t("weixinTooLong", { n: budget.maxParts ?? 0 })
              : undefined,
      };
    }
    case "email":
      return {
        text: `${t("emailSubject", { subject: budget.subject })} · ${budget.threaded ? t("emailThreaded") : t("emailNotThreaded")}`,
      };
  }
}

export const ReplyBox = forwardRef<ReplyBoxHandle, { ticket: TicketDetail }>(function ReplyBox(
  { ticket },
  ref,
) {
  const { t } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const now = useNow();
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [reply, setReply] = useState("");
  const [note, setNote] = useState("");
  /**
   * The suggestion the draft started from, as offered: sent with the reply so that its use, and whether
   * the agent edited it, is recorded on the agent's turn.
   */
  const [suggestion, setSuggestion] = useState<Pick<Suggestion, "id" | "text"> | undefined>();
  const [faqOpened, setFaqOpened] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  // The last reply went out without an answer from the channel: the customer may have it already.
  const [unsure, setUnsure] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const path = `/tickets/${encodeURIComponent(ticket.ticketId)}`;

  useImperativeHandle(ref, () => ({
    focus(next) {
      setMode(next);
      requestAnimationFrame(() => textarea.current?.focus());
    },
    setDraft(text) {
      setMode("reply");
      setReply(text);
      setSuggestion(undefined);
    },
  }));

  const suggestions = useQuery({
    queryKey: ["suggestions", ticket.ticketId],
    queryFn: () => api.get<{ suggestions: Suggestion[] }>(`${path}/suggestions`),
    enabled: ticket.status !== "resolved",
    staleTime: 5 * 60_000,
  });

  // Not awaited: a slow refresh must not hold back the mutation's result (and its error message).
  const afterWrite = () => {
    void queryClient.invalidateQueries({ queryKey: ["ticket", ticket.ticketId] });
  };
  // The last reply refused for its quality findings: shown until the agent rephrases or sends anyway.
  const [refused, setRefused] = useState<RefusedReply | undefined>();
  const send = useMutation({
    mutationFn: (override?: string) =>
      api.post<AgentReplyResult>(`${path}/reply`, {
        text: reply,
        ...(suggestion ? { suggestionId: suggestion.id, suggestionText: suggestion.text } : {}),
        ...(override ? { findingsOverride: { reason: override } } : {}),
        ...(refused && !override ? { rephraseOf: refused.inspectionId } : {}),
      }),
    onError: (failure) => setRefused(refusedForQuality(failure) ?? refused),
    onSuccess: (result) => {
      setRefused(undefined);
      // Cleared either way: a reply the customer may have must not sit ready to be sent again.
      setReply("");
      setSuggestion(undefined);
      setUnsure(result.delivery === "unknown");
      setDone(result.delivery === "unknown" ? null : t("sent", { n: result.parts }));
      void queryClient.invalidateQueries({ queryKey: ["tickets"] });
    },
    onSettled: afterWrite,
  });
  const addNote = useMutation({
    mutationFn: () => api.post<{ turn: Turn }>(`${path}/notes`, { text: note }),
    onSuccess: () => {
      setNote("");
      setDone(t("noteAdded"));
    },
    onSettled: afterWrite,
  });

  const budget = replyBudget(reply, ticket.constraints, now);
  const line = budgetLine(budget, t);
  const resolved = ticket.status === "resolved";
  const text = mode === "reply" ? reply : note;
  const pending = send.isPending || addNote.isPending;
  const canSend = text.trim() !== "" && !pending && (mode === "note" || (!line.blocked && !resolved));
  // A refusal for quality findings is shown with the findings, not as an error.
  const error = mode === "reply" ? (refusedForQuality(send.error) ? null : send.error) : addNote.error;

  function submit() {
    if (!canSend) return;
    setDone(null);
    setUnsure(false);
    if (mode === "reply") send.mutate(undefined);
    else addNote.mutate();
  }

  function insert(answer: string) {
    setMode("reply");
    // Insert where the cursor is, or at the end when the box had no focus.
    const el = textarea.current;
    const at = el && document.activeElement === el ? el.selectionStart : reply.length;
    const before = reply.slice(0, at);
    const spacer = before && !before.endsWith("\n") ? "\n" : "";
    setReply(before + spacer + answer + reply.slice(at));
    setFaqOpened(false);
    requestAnimationFrame(() => textarea.current?.focus());
  }

  return (
    <Stack gap={6}>
      {mode === "reply" && !resolved && (suggestions.data?.suggestions.length ?? 0) > 0 && (
        <Group gap={6} wrap="nowrap" style={{ overflowX: "auto" }}>
          <Tooltip label={t("suggestionHint")}>
            <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
              {t("suggestions")}
            </Text>
          </Tooltip>
          {suggestions.data?.suggestions.map((offered) => (
            <UnstyledButton
              key={offered.id}
              onClick={() => {
                setReply(offered.text);
                setSuggestion({ id: offered.id, text: offered.text });
                textarea.current?.focus();
              }}
              data-testid="suggestion"
              data-kind={offered.kind}
              title={offered.kind === "model" ? `${t("modelDraft")}: ${offered.text}` : offered.text}
              style={{
                border: "1px solid var(--mantine-color-gray-4)",
                borderRadius: 4,
                padding: "2px 8px",
                maxWidth: 260,
                background: offered.id === suggestion?.id ? "var(--mantine-color-teal-0)" : undefined,
              }}
            >
              <Text size="xs" truncate="end">
                {offered.kind === "model" ? `✦ ${t("modelDraft")}: ` : ""}
                {offered.text}
              </Text>
            </UnstyledButton>
          ))}
        </Group>
      )}
      <Tabs value={mode} onChange={(value) => setMode(value === "note" ? "note" : "reply")} variant="outline">
        <Tabs.List>
          <Tabs.Tab value="reply">{t("tabReply")}</Tabs.Tab>
          <Tabs.Tab value="note" data-testid="note-tab">
            {t("tabNote")}
          </Tabs.Tab>
          <Popover
            opened={faqOpened}
            onChange={setFaqOpened}
            width={460}
            position="top-end"
            shadow="md"
            trapFocus
          >
            <Popover.Target>
              <Button
                variant="subtle"
                size="compact-sm"
                ml="auto"
                onClick={() => setFaqOpened((o) => !o)}
                disabled={mode === "note"}
                data-testid="insert-faq"
              >
                {t("insertFaq")}
              </Button>
            </Popover.Target>
            <Popover.Dropdown>
              <FaqSearch autoFocus onPick={(hit) => insert(hit.answer)} testId="insert-faq-search" />
            </Popover.Dropdown>
          </Popover>
        </Tabs.List>
      </Tabs>
      <Textarea
        ref={textarea}
        autosize
        minRows={3}
        maxRows={8}
        value={text}
        placeholder={mode === "reply" ? t("replyPlaceholder") : t("notePlaceholder")}
        aria-label={mode === "reply" ? t("tabReply") : t("tabNote")}
        onChange={(e) => {
          const value = e.currentTarget.value;
          if (mode === "note") return setNote(value);
          setReply(value);
          if (value.trim() === "") setSuggestion(undefined);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
          if (e.key === "Escape") e.currentTarget.blur();
        }}
        styles={{ input: mode === "note" ? { background: "var(--mantine-color-yellow-0)" } : undefined }}
        data-testid={mode === "reply" ? "reply-input" : "note-input"}
      />
      <ErrorAlert error={error} compact testId="action-error" />
      {mode === "reply" && unsure && (
        <Alert color="yellow" variant="light" role="status" py={6} data-testid="delivery-unknown">
          {t("deliveryUnknown")}
        </Alert>
      )}
      {mode === "reply" && refused && (
        <InspectionFindings
          refused={refused}
          pending={send.isPending}
          onSendAnyway={(reason) => {
            setDone(null);
            send.mutate(reason);
          }}
        />
      )}
      {mode === "reply" && resolved && !error && (
        <Alert color="gray" variant="light" py={6}>
          {t("err_ticket_resolved")}
        </Alert>
      )}
      {mode === "reply" && line.blocked && (
        <Alert color="orange" variant="light" py={6} data-testid="channel-blocked">
          {line.blocked}
        </Alert>
      )}
      <Group justify="space-between" wrap="nowrap">
        <Text
          size="xs"
          c={mode === "reply" && line.blocked ? "red.8" : "dimmed"}
          data-testid="channel-budget"
          style={{ fontVariantNumeric: "tabular-nums" }}
        >
          {mode === "reply" ? line.text : ""}
          {done ? (
            <Text span size="xs" c="teal.8" ml="sm" data-testid="send-done">
              {done}
            </Text>
          ) : null}
        </Text>
        <Button
          onClick={submit}
          disabled={!canSend}
          loading={pending}
          color={mode === "note" ? "yellow" : undefined}
          data-testid={mode === "reply" ? "reply-send" : "note-send"}
        >
          {mode === "reply" ? t("send") : t("addNote")}
        </Button>
      </Group>
    </Stack>
  );
});
