import {
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { PendingChange } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { formatDateTime } from "../components/labels";
import { ModalActions } from "../components/ModalActions";
import { ReportView } from "../components/ReportView";
import { useDesk, useRoles } from "../context";
import { useI18n } from "../i18n";

type Status = PendingChange["status"];

const KIND_COLORS: Record<PendingChange["kind"], string> = {
  phrasing: "blue",
  entry: "grape",
  out_of_scope: "orange",
};

/**
 * What agents taught the bot. Supervisors see everyone's and decide; an agent sees their own and has no
 * buttons (the API refuses an agent's approval anyway).
 */
export default function ChangesPage() {
  const { t } = useI18n();
  const { api, config } = useDesk();
  const roles = useRoles();
  const [status, setStatus] = useState<Status>("pending");
  // Decisions made on this page stay in view with their import report after they leave the pending list.
  const [decided, setDecided] = useState<PendingChange[]>([]);
  const decidedIds = new Set(decided.map((change) => change.id));
  const changes = useQuery({
    queryKey: ["changes", status],
    queryFn: () => api.get<{ changes: PendingChange[] }>(`/changes?status=${status}`),
    refetchInterval: config.pollMs * 5,
  });
  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Title order={3}>{t("changesTitle")}</Title>
        <SegmentedControl
          value={status}
          onChange={(value) => setStatus(value as Status)}
          data={[
            { value: "pending", label: t("pending") },
            { value: "approved", label: t("approved") },
            { value: "rejected", label: t("rejected") },
          ]}
        />
      </Group>
      <Text size="sm" c="dimmed">
        {roles.isSupervisor ? t("changesHintSupervisor") : t("changesHintAgent")}
      </Text>
      <ErrorAlert error={changes.error} />
      {decided.map((change) => (
        <ChangeCard key={change.id} change={change} canDecide={false} />
      ))}
      {changes.isPending ? (
        <Loader />
      ) : changes.data?.changes.length === 0 && decided.length === 0 ? (
        <Text c="dimmed">{t("noChanges")}</Text>
      ) : (
        changes.data?.changes
          .filter((change) => !decidedIds.has(change.id))
          .map((change) => (
            <ChangeCard
              key={change.id}
              change={change}
              canDecide={roles.isSupervisor}
              onDecided={(result) => setDecided((list) => [result, ...list])}
            />
          ))
      )}
    </Stack>
  );
}

function ChangeCard(props: {
  change: PendingChange;
  canDecide: boolean;
  onDecided?(change: PendingChange): void;
}) {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const { change } = props;
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState("");
  const decide = useMutation({
    mutationFn: (verb: "approve" | "reject") =>
      api.post<PendingChange>(
        `/changes/${encodeURIComponent(change.id)}/${verb}`,
        verb === "reject" && note.trim() ? { note: note.trim() } : {},
      ),
    onSuccess: (result) => {
      setRejecting(false);
      props.onDecided?.(result);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["changes"] });
    },
  });
  const decided = decide.data ?? change;
  return (
    <Paper withBorder p="md" data-testid="change">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Badge variant="light" color={KIND_COLORS[change.kind]}>
              {t(`kind_${change.kind}`)}
            </Badge>
            {change.faqId && (
              <Text size="sm" ff="monospace">
                {change.faqId}
              </Text>
            )}
            <Text size="sm" c="dimmed">
              {t("author")}: {change.author} · {formatDateTime(change.createdAt, locale)}
            </Text>
            {change.ticketId && (
              <Text size="sm" c="dimmed">
                {t("fromTicket")}:{" "}
                <Anchor component={Link} to={`/tickets/${change.ticketId}`} ff="monospace" size="sm">
                  {change.ticketId}
                </Anchor>
              </Text>
            )}
          </Group>
          {props.canDecide && decided.status === "pending" && (
            <Group gap="xs" wrap="nowrap">
              <Button
                size="xs"
                variant="default"
                color="red"
                onClick={() => setRejecting(true)}
                data-testid="change-reject"
              >
                {t("reject")}
              </Button>
              <Button
                size="xs"
                loading={decide.isPending}
                onClick={() => decide.mutate("approve")}
                data-testid="change-approve"
              >
                {t("approve")}
              </Button>
            </Group>
          )}
          {decided.status !== "pending" && (
            <Badge color={decided.status === "approved" ? "teal" : "red"}>
              {t(decided.status)}
              {decided.decidedBy
                ? ` · ${t("decidedBy", { who: decided.decidedBy, time: formatDateTime(decided.decidedAt, locale) })}`
                : ""}
            </Badge>
          )}
        </Group>
        {change.kind !== "entry" ? (
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {(change.texts ?? [change.text]).map((text) => `“${text}”`).join("\n")}
          </Text>
        ) : (
          <>
            <Text size="sm" fw={600}>
              {t("question")}: {change.question}
            </Text>
            <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
              {t("answer")}: {change.answer}
            </Text>
            {change.category && (
              <Text size="xs" c="dimmed">
                {t("category")}: {change.category}
              </Text>
            )}
          </>
        )}
        {decided.note && (
          <Text size="sm" c="dimmed">
            {decided.note}
          </Text>
        )}
        <ErrorAlert error={decide.error} compact />
        {decided.report && <ReportView report={decided.report} />}
      </Stack>
      <Modal opened={rejecting} onClose={() => setRejecting(false)} title={t("reject")}>
        <Stack>
          <Textarea
            label={t("rejectNote")}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <ModalActions onCancel={() => setRejecting(false)}>
            <Button
              color="red"
              loading={decide.isPending}
              onClick={() => decide.mutate("reject")}
              data-testid="change-reject-confirm"
            >
              {t("reject")}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
    </Paper>
  );
}
