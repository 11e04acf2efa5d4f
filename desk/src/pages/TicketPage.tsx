import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  Loader,
  Menu,
  Modal,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { useDisclosure, useHotkeys } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import type { Agent, SkillGroup, TicketDetail, TicketSummary } from "../api/types";
import {
  channelLabel,
  formatDateTime,
  languageLabel,
  PriorityBadge,
  reasonLabel,
  SlaClock,
  StatusBadge,
} from "../components/labels";
import { ModalActions } from "../components/ModalActions";
import { ReplyBox, type ReplyBoxHandle } from "../components/ReplyBox";
import { type Shortcut, ShortcutsHelp } from "../components/ShortcutsHelp";
import { LinkFaqModal, NewEntryModal, OutOfScopeModal } from "../components/TeachModals";
import { Transcript } from "../components/Transcript";
import { useDesk, useNow, useRoles } from "../context";
import { errorText } from "../errors";
import { type MessageKey, useI18n } from "../i18n";
import { formatDuration } from "../lib/constraints";

const SHORTCUTS: Shortcut[] = [
  [["r"], "keyReply"],
  [["n"], "keyNote"],
  [["c"], "keyClaim"],
  [["Ctrl", "Enter"], "keySend"],
  [["Esc"], "keyBack"],
  [["?"], "keyHelp"],
];

export function TicketPage() {
  const { ticketId = "" } = useParams();
  const { t, locale } = useI18n();
  const { api, config } = useDesk();
  const roles = useRoles();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const replyBox = useRef<ReplyBoxHandle>(null);
  const [helpOpened, help] = useDisclosure(false);
  const [teachOpen, setTeachOpen] = useState<"link" | "entry" | "out_of_scope" | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const path = `/tickets/${encodeURIComponent(ticketId)}`;

  const ticket = useQuery({
    queryKey: ["ticket", ticketId],
    queryFn: () => api.get<TicketDetail>(path),
    refetchInterval: config.pollMs,
  });

  // Reading the ticket clears its unread marker (the API does not mark anything read on GET).
  const unread = ticket.data?.unread ?? 0;
  useEffect(() => {
    if (unread > 0 && document.visibilityState === "visible") {
      api
        .post(`${path}/read`)
        .then(() => queryClient.invalidateQueries({ queryKey: ["tickets"] }))
        .catch(() => undefined); // a marker left set is harmless; the next poll tries again
    }
  }, [unread, api, path, queryClient]);

  const action = useMutation({
    mutationFn: (input: { verb: "claim" | "resolve" | "reopen" | "assign" | "transfer"; body?: unknown }) =>
      api.post<TicketSummary>(`${path}/${input.verb}`, input.body),
    onSuccess: () => setNotice(null),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ["ticket", ticketId] });
      void queryClient.invalidateQueries({ queryKey: ["tickets"] });
    },
  });

  useHotkeys([
    // Escape closes an open dialog first (Mantine handles that); only with none open does it leave the page.
    ["Escape", () => document.querySelector('[role="dialog"]') === null && navigate("/queue")],
    ["r", () => replyBox.current?.focus("reply")],
    ["n", () => replyBox.current?.focus("note")],
    ["c", () => ticket.data?.status === "open" && action.mutate({ verb: "claim" })],
    ["shift+?", help.open],
    ["?", help.open],
  ]);

  if (ticket.isPending) return <Loader m="xl" />;
  if (ticket.isError && !ticket.data) {
    return (
      <Alert color="red" m="md" role="alert">
        {errorText(ticket.error, t, locale)}
      </Alert>
    );
  }
  const data = ticket.data;
  const mine = data.assignee === roles.username;
  // The wording to teach: the ticket's question when its last message is only a "yes" to a person.
  const lastCustomer =
    data.question ?? [...data.transcript].reverse().find((turn) => turn.role === "customer")?.text ?? "";
  const lastAgent = [...data.transcript].reverse().find((turn) => turn.role === "agent")?.text ?? "";
  // What every teach dialog is opened with: this ticket, and a notice once its request is submitted.
  const teachDialog = {
    opened: true,
    ticketId: data.ticketId,
    onClose: () => setTeachOpen(null),
    onDone: () => {
      setTeachOpen(null);
      setNotice(t("teachSubmitted"));
    },
  };

  return (
    <Box style={{ display: "flex", gap: 16, height: "calc(100dvh - 52px - 2 * var(--mantine-spacing-md))" }}>
      <Stack gap="xs" style={{ flex: 1, minWidth: 0 }}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <Anchor component={Link} to="/queue" size="sm" style={{ whiteSpace: "nowrap" }}>
              ← {t("backToQueue")}
            </Anchor>
            <Title order={4} ff="monospace" style={{ whiteSpace: "nowrap" }} data-testid="ticket-id">
              {data.ticketId}
            </Title>
            <StatusBadge status={data.status} />
            <PriorityBadge priority={data.priority} />
            <SlaClock sla={data.sla} resolved={data.status === "resolved"} testId="ticket-sla" />
            {data.vip && (
              <Badge color="grape" style={{ flexShrink: 0 }}>
                {t("vip")}
              </Badge>
            )}
          </Group>
          <Group gap={6} wrap="nowrap">
            {data.status === "open" && (
              <Button size="xs" onClick={() => action.mutate({ verb: "claim" })} data-testid="claim">
                {t("claim")}
              </Button>
            )}
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <Button size="xs" variant="default" data-testid="teach-menu">
                  {t("teach")}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => setTeachOpen("link")} data-testid="teach-link-faq">
                  {t("teachLinkFaq")}
                </Menu.Item>
                <Menu.Item onClick={() => setTeachOpen("entry")} data-testid="teach-save-entry">
                  {t("teachSaveEntry")}
                </Menu.Item>
                <Menu.Item onClick={() => setTeachOpen("out_of_scope")} data-testid="teach-out-of-scope">
                  {t("teachOutOfScope")}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
            {data.status === "resolved" ? (
              <Button
                size="xs"
                variant="light"
                onClick={() => action.mutate({ verb: "reopen" })}
                data-testid="reopen"
              >
                {t("reopen")}
              </Button>
            ) : (
              <Button
                size="xs"
                color="green"
                onClick={() => action.mutate({ verb: "resolve" })}
                data-testid="resolve"
              >
                {t("resolve")}
              </Button>
            )}
          </Group>
        </Group>
        {action.error && (
          <Alert
            color="red"
            variant="light"
            role="alert"
            py={6}
            data-testid="action-error"
            withCloseButton
            onClose={action.reset}
          >
            {errorText(action.error, t, locale)}
          </Alert>
        )}
        {notice && (
          <Alert
            color="teal"
            variant="light"
            py={6}
            withCloseButton
            onClose={() => setNotice(null)}
            data-testid="notice"
          >
            {notice}
          </Alert>
        )}
        {data.status === "open" && !mine && (
          <Text size="xs" c="dimmed">
            {t("claimFirst")}
          </Text>
        )}
        <Paper withBorder style={{ flex: 1, minHeight: 0 }}>
          <ScrollArea h="100%" type="auto">
            <Transcript
              turns={data.transcript}
              omittedTurns={data.omittedTurns}
              channelName={channelLabel(data.channel, t)}
            />
          </ScrollArea>
        </Paper>
        <ReplyBox ref={replyBox} ticket={data} />
      </Stack>
      <ScrollArea w={340} style={{ flexShrink: 0 }} type="auto">
        <Stack gap="sm" pr="xs">
          <Section title={t("handoff")}>
            <Field label={t("reason")}>{reasonLabel(data.reason, t)}</Field>
            {data.question && (
              <Field label={t("customerQuestion")}>
                <Text size="sm" style={{ overflowWrap: "anywhere" }} data-testid="ticket-question">
                  {data.question}
                </Text>
              </Field>
            )}
            {data.detail && (
              <Field label={t("detail")}>
                <Text size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                  {data.detail}
                </Text>
              </Field>
            )}
            <Field label={t("channel")}>
              {channelLabel(data.channel, t)} · {languageLabel(data.language, t)}
            </Field>
            <Field label={t("skills")}>
              {data.skills.join(", ") || t("none")}
              {data.status !== "resolved" && (
                <TransferMenu
                  current={data.skills}
                  onTransfer={(skill) => action.mutate({ verb: "transfer", body: { skill } })}
                />
              )}
            </Field>
            <Field label={t("assignee")}>
              {data.assignee ?? t("unassigned")}
              {roles.isSupervisor && data.status !== "resolved" && (
                <AssignMenu onAssign={(agentId) => action.mutate({ verb: "assign", body: { agentId } })} />
              )}
            </Field>
            <Field label={t("created")}>{formatDateTime(data.createdAt, locale)}</Field>
            <SlaRows ticket={data} />
            {data.resolvedAt && (
              <Field label={t("status_resolved")}>{formatDateTime(data.resolvedAt, locale)}</Field>
            )}
            {data.reopenedAt && <Field label={t("reopen")}>{formatDateTime(data.reopenedAt, locale)}</Field>}
            {data.csat && (
              <Field label={t("csat")}>
                <Text size="sm" fw={600} data-testid="csat">
                  {"★".repeat(data.csat.score)}
                  {"☆".repeat(5 - data.csat.score)} {t("csatScore", { score: data.csat.score })}
                </Text>
                {data.csat.comment && (
                  <Text size="sm" c="dimmed">
                    “{data.csat.comment}”
                  </Text>
                )}
              </Field>
            )}
          </Section>
          <CustomerSection ticket={data} canReveal={roles.canReveal && data.customer.revealable} />
          <Section title={t("candidates")}>
            {data.candidates.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t("noCandidates")}
              </Text>
            ) : (
              data.candidates.map((candidate) => (
                <Box key={candidate.faqId} data-testid="candidate">
                  <Group justify="space-between" wrap="nowrap" gap={4}>
                    <Text size="sm" fw={600} lineClamp={2}>
                      {candidate.question}
                    </Text>
                    {candidate.rejectedByCustomer ? (
                      <Badge variant="light" color="red" style={{ flexShrink: 0 }}>
                        {t("rejectedByCustomer")}
                      </Badge>
                    ) : (
                      <Badge
                        variant="light"
                        color={candidate.score >= 0.75 ? "teal" : "gray"}
                        style={{ flexShrink: 0 }}
                      >
                        {candidate.score.toFixed(2)}
                      </Badge>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed" lineClamp={3}>
                    {candidate.faqId}
                    {candidate.category ? ` · ${candidate.category}` : ""} · {candidate.answer}
                  </Text>
                </Box>
              ))
            )}
          </Section>
        </Stack>
      </ScrollArea>
      <ShortcutsHelp opened={helpOpened} onClose={help.close} shortcuts={SHORTCUTS} />
      {teachOpen === "link" && (
        <LinkFaqModal
          {...teachDialog}
          candidates={data.candidates.map((c) => ({
            id: c.faqId,
            question: c.question,
            answer: c.answer,
            category: c.category,
            score: c.score,
          }))}
          wording={lastCustomer}
        />
      )}
      {teachOpen === "out_of_scope" && <OutOfScopeModal {...teachDialog} wording={lastCustomer} />}
      {teachOpen === "entry" && <NewEntryModal {...teachDialog} question={lastCustomer} answer={lastAgent} />}
    </Box>
  );
}

function Section(props: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" mb={6}>
        {props.title}
      </Text>
      <Stack gap={6}>{props.children}</Stack>
    </Paper>
  );
}

function Field(props: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={92} style={{ flexShrink: 0 }}>
        {props.label}
      </Text>
      <Box style={{ minWidth: 0, fontSize: "var(--mantine-font-size-sm)" }}>{props.children}</Box>
    </Group>
  );
}

function SlaRows(props: { ticket: TicketDetail }) {
  const { t } = useI18n();
  const now = useNow();
  const { sla, status } = props.ticket;
  const clock = (due: string | undefined, breached: boolean, met: boolean) => {
    if (!due)
      return (
        <Text size="sm" c="dimmed">
          {t("slaNone")}
        </Text>
      );
    if (met)
      return (
        <Text size="sm" c="teal.8">
          {t("slaMet")}
        </Text>
      );
    const left = Date.parse(due) - now;
    const late = breached || left <= 0;
    return (
      <Text
        size="sm"
        c={late ? "red.8" : undefined}
        fw={late ? 700 : 500}
        style={{ fontVariantNumeric: "tabular-nums" }}
      >
        {late
          ? t("slaOverdue", { time: formatDuration(left) })
          : t("slaLeft", { time: formatDuration(left) })}
      </Text>
    );
  };
  return (
    <>
      <Field label={t("slaFirstResponse")}>
        {clock(
          sla.firstResponseDueAt,
          sla.breached.includes("first_response"),
          Boolean(sla.firstRespondedAt),
        )}
      </Field>
      <Field label={t("slaResolution")}>
        {clock(sla.resolutionDueAt, sla.breached.includes("resolution"), status === "resolved")}
      </Field>
    </>
  );
}

function CustomerSection(props: { ticket: TicketDetail; canReveal: boolean }) {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const [confirming, setConfirming] = useState(false);
  const path = `/tickets/${encodeURIComponent(props.ticket.ticketId)}`;
  // The revealed value lives only in this component's state: never cached, gone when the page closes.
  const reveal = useMutation({
    mutationFn: () => api.post<{ value: string }>(`${path}/reveal`, { field: "customer" }),
    onSettled: () => setConfirming(false),
  });
  return (
    <Section title={t("customer")}>
      <Field label={t("identity")}>
        <Text size="sm" fw={600} style={{ overflowWrap: "anywhere" }} data-testid="customer-display">
          {props.ticket.customer.display}
        </Text>
      </Field>
      <Field label={t("channelId")}>
        <Text size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
          {reveal.data?.value ?? props.ticket.customer.channelId}
        </Text>
        {reveal.data ? (
          <Text size="xs" c="orange.8">
            {t("revealed")}
          </Text>
        ) : (
          props.canReveal && (
            <Button
              size="compact-xs"
              variant="light"
              color="orange"
              mt={4}
              onClick={() => setConfirming(true)}
              data-testid="reveal"
            >
              {t("reveal")}
            </Button>
          )
        )}
        {reveal.error && (
          <Text size="xs" c="red.8">
            {errorText(reveal.error, t, locale)}
          </Text>
        )}
      </Field>
      <Text size="xs" fw={700} c="dimmed" mt={4}>
        {t("earlierTickets")}
      </Text>
      {props.ticket.earlierTickets.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("noEarlierTickets")}
        </Text>
      ) : (
        props.ticket.earlierTickets.map((earlier) => (
          <Group key={earlier.ticketId} gap={6} wrap="nowrap">
            <Anchor component={Link} to={`/tickets/${earlier.ticketId}`} size="sm" ff="monospace">
              {earlier.ticketId}
            </Anchor>
            <StatusBadge status={earlier.status} />
            <Text size="xs" c="dimmed" truncate="end">
              {reasonLabel(earlier.reason, t)} · {formatDateTime(earlier.createdAt, locale)}
            </Text>
          </Group>
        ))
      )}
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={t("revealTitle")}>
        <Stack>
          <Text size="sm">{t("revealBody")}</Text>
          <ModalActions onCancel={() => setConfirming(false)}>
            <Button
              color="orange"
              loading={reveal.isPending}
              onClick={() => reveal.mutate()}
              data-testid="reveal-confirm"
            >
              {t("revealConfirm")}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
    </Section>
  );
}

function AssignMenu(props: { onAssign(agentId: string): void }) {
  const { api } = useDesk();
  const agents = useQuery({
    queryKey: ["agents"],
    queryFn: () => api.get<{ agents: Agent[] }>("/agents"),
    staleTime: 30_000,
  });
  return (
    <ActionSelect
      label="assignTo"
      onPick={props.onAssign}
      data={(agents.data?.agents ?? []).map((agent) => ({
        value: agent.id,
        label: `${agent.displayName} (${agent.openTickets}/${agent.maxConcurrent})${agent.status === "away" ? " ·" : ""}`,
      }))}
      testId="assign"
    />
  );
}

function TransferMenu(props: { current: string[]; onTransfer(skill: string): void }) {
  const { locale } = useI18n();
  const { api } = useDesk();
  const skills = useQuery({
    queryKey: ["skills"],
    queryFn: () => api.get<{ skills: SkillGroup[] }>("/skills"),
    staleTime: 5 * 60_000,
  });
  return (
    <ActionSelect
      label="transferTo"
      onPick={props.onTransfer}
      data={(skills.data?.skills ?? [])
        .filter((skill) => !props.current.includes(skill.id))
        .map((skill) => ({ value: skill.id, label: locale === "zh" ? skill.labelZh : skill.label }))}
      testId="transfer"
    />
  );
}

/** A picker that acts as soon as an option is chosen (assign, transfer), and stays empty. */
function ActionSelect(props: {
  label: MessageKey;
  data: { value: string; label: string }[];
  onPick(value: string): void;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <Select
      size="xs"
      w={200}
      mt={4}
      placeholder={t(props.label)}
      aria-label={t(props.label)}
      searchable
      value={null}
      onChange={(value) => value && props.onPick(value)}
      data={props.data}
      data-testid={props.testId}
    />
  );
}
