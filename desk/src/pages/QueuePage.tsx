import {
  Badge,
  Group,
  Indicator,
  Loader,
  SegmentedControl,
  Select,
  type SelectProps,
  Stack,
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useDisclosure, useHotkeys } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { Channel, Priority, QueueView, TicketSummary } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import {
  channelLabel,
  formatTime,
  languageLabel,
  PriorityBadge,
  reasonLabel,
  SlaClock,
} from "../components/labels";
import { type Shortcut, ShortcutsHelp } from "../components/ShortcutsHelp";
import { useDesk, useMe, useRoles } from "../context";
import { type MessageKey, useI18n } from "../i18n";

const VIEWS: QueueView[] = ["mine", "unassigned", "open", "breaching"];
const CHANNELS: Channel[] = ["wechat", "wecom", "wecom-kf", "dingtalk", "email", "sms", "twilio"];
const PRIORITIES: Priority[] = ["urgent", "high", "normal", "low"];
const FILTERS = ["channel", "priority", "skill", "language"] as const;

const SHORTCUTS: Shortcut[] = [
  [["j", "k"], "keyMove"],
  [["Enter"], "keyOpen"],
  [["/"], "keySearch"],
  [["?"], "keyHelp"],
];

export function QueuePage() {
  const { t, locale } = useI18n();
  const { api, config } = useDesk();
  const roles = useRoles();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const chosen = (VIEWS as string[]).includes(params.get("view") ?? "");
  const view = chosen ? (params.get("view") as QueueView) : roles.isSupervisor ? "open" : "mine";
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState(0);
  const [helpOpened, help] = useDisclosure(false);
  const searchRef = useRef<HTMLInputElement>(null);

  const query = new URLSearchParams({ view });
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  const tickets = useQuery({
    queryKey: ["tickets", query.toString()],
    queryFn: () => api.get<{ tickets: TicketSummary[] }>(`/tickets?${query}`),
    // New tickets and new customer messages show up without a reload, also while the tab is hidden
    // (the title's unread count is what tells an agent to come back).
    refetchInterval: config.pollMs,
    refetchIntervalInBackground: true,
  });

  // An agent who lands with nothing of their own (just signed in, say) is shown the tickets waiting to
  // be taken rather than an empty list; one who picks "Mine" keeps it, empty or not.
  const nothingMine = !chosen && view === "mine" && tickets.data?.tickets.length === 0;
  useEffect(() => {
    if (!nothingMine) return;
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.set("view", "unassigned");
        return next;
      },
      { replace: true },
    );
  }, [nothingMine, setParams]);

  // The search box narrows what the server returned; the server already sorted it.
  const rows = useMemo(() => {
    const all = tickets.data?.tickets ?? [];
    const needle = search.trim().toLowerCase();
    if (!needle) return all;
    return all.filter((ticket) =>
      [
        ticket.ticketId,
        ticket.customer.display,
        ticket.question ?? "",
        ticket.preview,
        ticket.assignee ?? "",
      ].some((field) => field.toLowerCase().includes(needle)),
    );
  }, [tickets.data, search]);

  const unread = rows.reduce((sum, ticket) => sum + ticket.unread, 0);
  useEffect(() => {
    document.title = `${unread > 0 ? `(${unread}) ` : ""}${t("appName")}`;
  }, [unread, t]);

  useEffect(() => {
    if (selected >= rows.length) setSelected(Math.max(0, rows.length - 1));
  }, [rows.length, selected]);

  useHotkeys([
    ["j", () => setSelected((i) => Math.min(i + 1, rows.length - 1))],
    ["k", () => setSelected((i) => Math.max(i - 1, 0))],
    [
      "Enter",
      () => {
        const ticket = rows[selected];
        if (ticket) navigate(`/tickets/${ticket.ticketId}`);
      },
    ],
    ["/", () => searchRef.current?.focus()],
    ["shift+?", help.open],
    ["?", help.open],
  ]);

  useEffect(() => {
    document.querySelector(`[data-row-index="${selected}"]`)?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  function setParam(name: string, value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setSelected(0);
  }

  const skillOptions = useMemo(() => {
    const skills = new Set(me.data?.skills ?? []);
    for (const ticket of tickets.data?.tickets ?? []) for (const skill of ticket.skills) skills.add(skill);
    return [...skills].sort();
  }, [me.data, tickets.data]);
  /** The filter boxes beside the search, each setting its URL parameter. */
  const filters: {
    param: (typeof FILTERS)[number];
    label: MessageKey;
    width: number;
    searchable?: boolean;
    data: SelectProps["data"];
  }[] = [
    {
      param: "channel",
      label: "filterChannel",
      width: 170,
      data: CHANNELS.map((c) => ({ value: c, label: channelLabel(c, t) })),
    },
    {
      param: "priority",
      label: "filterPriority",
      width: 120,
      data: PRIORITIES.map((p) => ({ value: p, label: t(`priority_${p}`) })),
    },
    { param: "skill", label: "filterSkill", width: 140, searchable: true, data: skillOptions },
    {
      param: "language",
      label: "filterLanguage",
      width: 110,
      data: ["zh", "en"].map((l) => ({ value: l, label: languageLabel(l, t) })),
    },
  ];

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="nowrap">
        <SegmentedControl
          value={view}
          onChange={(value) => setParam("view", value)}
          data={VIEWS.map((v) => ({
            value: v,
            label: t(`view${v[0]?.toUpperCase()}${v.slice(1)}` as "viewMine"),
          }))}
          data-testid="queue-views"
        />
        <Text size="sm" c="dimmed">
          {t("ticketsCount", { n: rows.length })}
          {unread > 0 ? ` · ${t("unreadCount", { n: unread })}` : ""}
        </Text>
      </Group>
      <Group gap="xs" wrap="nowrap">
        <TextInput
          ref={searchRef}
          placeholder={t("searchQueue")}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Escape leaves the box so j/k work again; Enter opens the first match.
            if (e.key === "Escape") e.currentTarget.blur();
            if (e.key === "Enter" && rows[selected]) navigate(`/tickets/${rows[selected].ticketId}`);
          }}
          style={{ flex: 1 }}
          data-testid="queue-search"
        />
        {filters.map((filter) => (
          <Select
            key={filter.param}
            w={filter.width}
            clearable
            searchable={filter.searchable}
            placeholder={t(filter.label)}
            aria-label={t(filter.label)}
            value={params.get(filter.param)}
            onChange={(value) => setParam(filter.param, value)}
            data={filter.data}
          />
        ))}
      </Group>
      <ErrorAlert error={tickets.error} />
      {tickets.isPending ? (
        <Loader m="xl" />
      ) : rows.length === 0 ? (
        <Text c="dimmed" m="xl" data-testid="queue-empty">
          {t("queueEmpty")}
        </Text>
      ) : (
        <Table highlightOnHover verticalSpacing={6} layout="fixed" data-testid="queue-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={150}>{t("colTicket")}</Table.Th>
              <Table.Th w={200}>{t("colCustomer")}</Table.Th>
              <Table.Th>{t("colMessage")}</Table.Th>
              <Table.Th w={86}>{t("colPriority")}</Table.Th>
              <Table.Th w={140}>{t("colSla")}</Table.Th>
              <Table.Th w={110}>{t("colAssignee")}</Table.Th>
              <Table.Th w={96}>{t("colUpdated")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((ticket, index) => (
              <Table.Tr
                key={ticket.ticketId}
                data-testid="ticket-row"
                data-row-index={index}
                data-unread={ticket.unread > 0}
                aria-selected={index === selected}
                onClick={() => navigate(`/tickets/${ticket.ticketId}`)}
                style={{
                  cursor: "pointer",
                  background: index === selected ? "var(--mantine-color-teal-0)" : undefined,
                  boxShadow: index === selected ? "inset 3px 0 0 var(--mantine-color-teal-6)" : undefined,
                }}
              >
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Indicator
                      disabled={ticket.unread === 0}
                      color="red"
                      size={8}
                      position="middle-start"
                      offset={-6}
                      // Mantine's default (200) draws the dot over the header and the menu when scrolled under them.
                      zIndex={1}
                      aria-label={ticket.unread > 0 ? t("unreadCount", { n: ticket.unread }) : undefined}
                    >
                      <Text
                        component={Link}
                        to={`/tickets/${ticket.ticketId}`}
                        size="sm"
                        ff="monospace"
                        fw={ticket.unread > 0 ? 700 : 400}
                        c="teal.9"
                        td="none"
                        onClick={(e) => e.stopPropagation()}
                        pl={4}
                      >
                        {ticket.ticketId}
                      </Text>
                    </Indicator>
                    {ticket.unread > 0 && (
                      <Badge size="xs" color="red" circle>
                        {ticket.unread}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate="end">
                    {ticket.customer.display}
                  </Text>
                  <Group gap={4} wrap="nowrap">
                    <Text size="xs" c="dimmed" truncate="end">
                      {channelLabel(ticket.channel, t)} · {languageLabel(ticket.language, t)}
                    </Text>
                    {ticket.vip && (
                      <Badge size="xs" color="grape" variant="light">
                        {t("vip")}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate="end" fw={ticket.unread > 0 ? 600 : 400}>
                    {/* The question, when the message that opened the ticket was only a "yes" to a person. */}
                    {ticket.question ?? ticket.preview}
                  </Text>
                  <Text size="xs" c="dimmed" truncate="end">
                    {reasonLabel(ticket.reason, t)}
                    {ticket.skills.length > 0 ? ` · ${ticket.skills.join(", ")}` : ""}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <PriorityBadge priority={ticket.priority} />
                </Table.Td>
                <Table.Td>
                  <SlaClock sla={ticket.sla} resolved={ticket.status === "resolved"} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={ticket.assignee ? undefined : "dimmed"} truncate="end">
                    {ticket.assignee ?? t("unassigned")}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatTime(ticket.updatedAt, locale)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ShortcutsHelp opened={helpOpened} onClose={help.close} shortcuts={SHORTCUTS} />
    </Stack>
  );
}
