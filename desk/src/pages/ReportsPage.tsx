import {
  Alert,
  Button,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  useMantineTheme,
} from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { EChartsCoreOption } from "echarts/core";
import { useMemo, useState } from "react";
import type { AnalyticsReport, Channel } from "../api/types";
import { Chart } from "../components/Chart";
import { ErrorAlert } from "../components/ErrorAlert";
import { channelLabel, reasonLabel } from "../components/labels";
import { useDesk } from "../context";
import { type MessageKey, type Translate, useI18n } from "../i18n";
import { downloadFile, toCsv } from "../lib/report-csv";

const CHANNELS: Channel[] = ["wechat", "wecom", "wecom-kf", "dingtalk", "email", "sms", "twilio"];
const DAY_MS = 86_400_000;
/** What GET /reports serves from the counters at a time (docs/desk-api.md). */
const MAX_DAYS = 92;

/** The UTC day `days − 1` days before today, and today: a report's range is UTC days, both included. */
function lastDays(days: number, now = Date.now()): { since: string; until: string } {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { since: day(now - (days - 1) * DAY_MS), until: day(now) };
}

/**
 * Reports for supervisors (GET /reports, issue 13): the figures of a range of days and a channel from
 * the real-time counters, as `npm run report` prints them; KPI tiles, charts (ECharts, loaded with this
 * page only) and a CSV of every figure.
 */
export default function ReportsPage() {
  const { t } = useI18n();
  const { api } = useDesk();
  const [range, setRange] = useState(() => lastDays(7));
  const [channel, setChannel] = useState<string | null>(null);
  const rangeProblem = problemOf(range);
  const params = new URLSearchParams({ since: range.since, until: range.until });
  if (channel) params.set("channel", channel);
  const report = useQuery({
    queryKey: ["report", range.since, range.until, channel],
    queryFn: () => api.get<AnalyticsReport>(`/reports?${params}`),
    // The previous figures stay while new ones load, so the page does not jump.
    placeholderData: keepPreviousData,
    // A range the API would refuse is not asked for; the page says what is wrong instead.
    enabled:
      rangeProblem === undefined &&
      !Number.isNaN(Date.parse(range.since)) &&
      !Number.isNaN(Date.parse(range.until)),
  });
  const data = report.data;

  return (
    <Stack maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3}>{t("reportsTitle")}</Title>
          <Text size="sm" c="dimmed">
            {t("reportsHint")}
          </Text>
          {data && (
            <Text size="sm" c="dimmed" data-testid="report-time-zone">
              {t("reportTimeZone", { zone: data.timeZone })}
            </Text>
          )}
        </div>
        <Button
          variant="default"
          disabled={!data}
          onClick={() => data && downloadFile(csvName(data), toCsv(csvRows(data, t)))}
          data-testid="report-csv"
        >
          {t("exportCsv")}
        </Button>
      </Group>
      <Group align="flex-end" gap="sm">
        <TextInput
          type="date"
          label={t("reportSince")}
          value={range.since}
          max={range.until}
          onChange={(e) => setRange({ ...range, since: e.currentTarget.value })}
          data-testid="report-since"
        />
        <TextInput
          type="date"
          label={t("reportUntil")}
          value={range.until}
          min={range.since}
          onChange={(e) => setRange({ ...range, until: e.currentTarget.value })}
          data-testid="report-until"
        />
        <Button variant="subtle" onClick={() => setRange(lastDays(7))}>
          {t("reportLast7")}
        </Button>
        <Button variant="subtle" onClick={() => setRange(lastDays(30))}>
          {t("reportLast30")}
        </Button>
        <Select
          label={t("reportChannel")}
          placeholder={t("allChannels")}
          clearable
          value={channel}
          onChange={setChannel}
          data={CHANNELS.map((c) => ({ value: c, label: channelLabel(c, t) }))}
          data-testid="report-channel"
          w={200}
        />
        {report.isFetching && <Loader size="sm" mb={8} />}
      </Group>
      {rangeProblem && (
        <Alert color="orange" variant="light" role="alert">
          {t(rangeProblem)}
        </Alert>
      )}
      <ErrorAlert error={report.error} />
      {report.isPending && !report.isError ? <Loader /> : data && <Figures report={data} />}
    </Stack>
  );
}

function Figures(props: { report: AnalyticsReport }) {
  const { t, locale } = useI18n();
  const r = props.report;
  const number = (n: number) => n.toLocaleString(locale === "zh" ? "zh-CN" : "en");
  const percent = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
  const tiles: { key: string; label: MessageKey; value: string; hint?: string }[] = [
    {
      key: "conversations",
      label: "kpiConversations",
      value: number(r.conversations),
      hint: t("kpiMessages", { count: number(r.messages) }),
    },
    {
      key: "containment",
      label: "kpiContainment",
      value: percent(r.containment),
      hint: t("kpiContainmentHint"),
    },
    { key: "handoffs", label: "kpiHandoffs", value: number(r.handoffs) },
    { key: "agentReplies", label: "kpiAgentReplies", value: number(r.agentReplies) },
    { key: "resolved", label: "kpiResolved", value: number(r.resolved) },
    {
      key: "csat",
      label: "kpiCsat",
      value: r.csat.average === null ? "—" : `${r.csat.average.toFixed(2)} / 5`,
      hint: t("kpiCsatCount", { count: number(r.csat.count) }),
    },
    { key: "slaBreaches", label: "kpiSlaBreaches", value: number(r.slaBreaches) },
    {
      key: "tokens",
      label: "kpiTokens",
      value: number(r.tokens.input + r.tokens.output),
      hint: t("kpiTokensSplit", { input: number(r.tokens.input), output: number(r.tokens.output) }),
    },
  ];
  const charts = useCharts(r);
  return (
    <>
      <SimpleGrid cols={4} spacing="sm">
        {tiles.map((tile) => (
          <Paper key={tile.key} withBorder p="sm" data-testid={`kpi-${tile.key}`}>
            <Text size="xs" c="dimmed">
              {t(tile.label)}
            </Text>
            <Text size="xl" fw={700} data-testid="kpi-value">
              {tile.value}
            </Text>
            {tile.hint && (
              <Text size="xs" c="dimmed">
                {tile.hint}
              </Text>
            )}
          </Paper>
        ))}
      </SimpleGrid>
      {r.conversations === 0 && r.messages === 0 ? (
        <Text c="dimmed">{t("noReportData")}</Text>
      ) : (
        <SimpleGrid cols={3} spacing="sm">
          {CHARTS.map((chart) => (
            <Paper withBorder p="sm" key={chart.testId}>
              <Text fw={600} size="sm">
                {t(chart.title)}
              </Text>
              <Chart option={charts[chart.option]} height={240} testId={chart.testId} />
            </Paper>
          ))}
        </SimpleGrid>
      )}
      {r.topUnanswered && <TopUnanswered topics={r.topUnanswered} />}
    </>
  );
}

/** What customers asked most that the bot could not answer: what to teach it next. */
function TopUnanswered(props: { topics: NonNullable<AnalyticsReport["topUnanswered"]> }) {
  const { t } = useI18n();
  return (
    <Paper withBorder p="sm" data-testid="top-unanswered">
      <Text fw={600} size="sm">
        {t("topUnanswered")}
      </Text>
      <Text size="xs" c="dimmed">
        {t("topUnansweredHint")}
      </Text>
      {props.topics.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t("topUnansweredNone")}
        </Text>
      ) : (
        <Table layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("topUnansweredQuestion")}</Table.Th>
              <Table.Th w={100}>{t("topUnansweredCount")}</Table.Th>
              <Table.Th w={200}>{t("topUnansweredClosest")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {props.topics.map((topic) => (
              <Table.Tr key={topic.question} data-testid="top-unanswered-row">
                <Table.Td>{topic.question}</Table.Td>
                <Table.Td>{topic.count}</Table.Td>
                <Table.Td ff="monospace">{topic.closestFaqId ?? "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

type ChartName = "channelMix" | "handoffReasons" | "outcomes";

/**
 * The axes' labels are kept inside the chart: the grid shrinks until they fit 4px within the chart's box
 * (ECharts 6's `outerBounds`; its old `containLabel` is a legacy module not loaded here). The 4px leave
 * room for the descenders ECharts does not count. Long labels wrap rather than squeeze the grid.
 */
const LABELS_INSIDE = { outerBoundsMode: "auto", outerBounds: { left: 4, right: 4, top: 4, bottom: 4 } };
/** Pixels a category label of the hand-off reasons may take before it wraps (a third of a 1280px desk). */
const AXIS_LABEL_WIDTH = 110;
/** Pixels an outcome's label under its bar may take before it wraps (a quarter of the chart). */
const OUTCOME_LABEL_WIDTH = 70;
/** Pixels a channel's name and count may take in the legend beside the ring before they wrap. */
const LEGEND_TEXT_WIDTH = 130;

/** The report's charts, in the order shown: title, options (useCharts) and the tests' handle. */
const CHARTS: readonly { title: MessageKey; option: ChartName; testId: string }[] = [
  { title: "chartChannelMix", option: "channelMix", testId: "chart-channels" },
  { title: "chartHandoffReasons", option: "handoffReasons", testId: "chart-reasons" },
  { title: "chartOutcomes", option: "outcomes", testId: "chart-outcomes" },
];

/** The charts' options, rebuilt only when the report or the language changes. */
function useCharts(r: AnalyticsReport): Record<ChartName, EChartsCoreOption> {
  const { t, locale } = useI18n();
  // The desk's own faces, named: ECharts measures labels on a canvas, where "inherit" is no font at all
  // and the measure falls back to 10px sans-serif, too narrow for what the SVG then draws.
  const { fontFamily } = useMantineTheme();
  // biome-ignore lint/correctness/useExhaustiveDependencies: t changes with locale, which is listed.
  return useMemo(() => {
    const channels = Object.entries(r.byChannel).sort(([, a], [, b]) => (b ?? 0) - (a ?? 0));
    const counts = new Map(channels.map(([c, n]) => [channelLabel(c, t), n ?? 0]));
    const reasons = Object.entries(r.handoffsByReason).sort(([, a], [, b]) => a - b);
    const font = { fontFamily };
    const barTooltip = { trigger: "axis", axisPointer: { type: "shadow" } };
    return {
      channelMix: {
        textStyle: font,
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        // The counts sit in the legend: labels around a ring of seven channels collide. A long name
        // ("WeChat Customer Service") wraps within the card rather than running past its edge, and the
        // legend pages when the wrapped entries outgrow the chart's height.
        legend: {
          orient: "vertical",
          left: "52%",
          top: "middle",
          type: "scroll",
          textStyle: { width: LEGEND_TEXT_WIDTH, overflow: "break", lineHeight: 14 },
          formatter: (name: string) => `${name}  ${counts.get(name) ?? 0}`,
        },
        series: [
          {
            type: "pie",
            radius: ["42%", "70%"],
            center: ["27%", "50%"],
            label: { show: false },
            data: channels.map(([c, n]) => ({ name: channelLabel(c, t), value: n })),
          },
        ],
      },
      handoffReasons: {
        textStyle: font,
        tooltip: barTooltip,
        grid: { ...LABELS_INSIDE, left: 8, right: 32, top: 8, bottom: 8 },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          data: reasons.map(([reason]) => reasonLabel(reason, t)),
          // "Customer asked for a person" on two lines, not cut at the card's edge.
          axisLabel: { width: AXIS_LABEL_WIDTH, overflow: "break", lineHeight: 14 },
        },
        series: [{ type: "bar", data: reasons.map(([, n]) => n), label: { show: true, position: "right" } }],
      },
      outcomes: {
        textStyle: font,
        tooltip: barTooltip,
        grid: { ...LABELS_INSIDE, left: 8, right: 8, top: 16, bottom: 8 },
        xAxis: {
          type: "category",
          data: [t("outcomeAnswered"), t("outcomeClarified"), t("outcomeSmallTalk"), t("outcomeHandedOff")],
          // All four named: ECharts would hide every other English label as overlapping; a long one wraps.
          axisLabel: { interval: 0, width: OUTCOME_LABEL_WIDTH, overflow: "break", lineHeight: 14 },
        },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          {
            type: "bar",
            data: [r.answered, r.clarified, r.smallTalk, r.handoffs],
            label: { show: true, position: "top" },
          },
        ],
      },
    };
  }, [r, locale, fontFamily]);
}

/** Why the range cannot be asked for, if it cannot. */
function problemOf(range: { since: string; until: string }): MessageKey | undefined {
  const since = Date.parse(`${range.since}T00:00:00Z`);
  const until = Date.parse(`${range.until}T00:00:00Z`);
  // A half-typed date: nothing to ask yet, nothing to complain about either.
  if (Number.isNaN(since) || Number.isNaN(until)) return undefined;
  if (since > until) return "reportRangeReversed";
  if ((until - since) / DAY_MS + 1 > MAX_DAYS) return "reportRangeTooLong";
  return undefined;
}

function csvName(r: AnalyticsReport): string {
  return `kefu-report-${r.since}-${r.until}${r.channel ? `-${r.channel}` : ""}.csv`;
}

/** Every figure of the report, one row each, with the page's labels and the API's keys. */
function csvRows(r: AnalyticsReport, t: Translate): (string | number)[][] {
  return [
    ["section", "key", t("csvFigure"), t("csvValue")],
    ["range", "since", t("reportSince"), r.since],
    ["range", "until", t("reportUntil"), r.until],
    ["range", "channel", t("reportChannel"), r.channel ? channelLabel(r.channel, t) : t("allChannels")],
    ["range", "timeZone", t("reportTimeZone", { zone: "" }).replace(/[:：]\s*$/, ""), r.timeZone],
    ["total", "conversations", t("kpiConversations"), r.conversations],
    ["total", "messages", t("kpiMessages", { count: "" }).trim(), r.messages],
    ["total", "containment", t("kpiContainment"), r.containment === null ? "" : r.containment.toFixed(4)],
    ["total", "handoffs", t("kpiHandoffs"), r.handoffs],
    ["total", "answered", t("outcomeAnswered"), r.answered],
    ["total", "clarified", t("outcomeClarified"), r.clarified],
    ["total", "smallTalk", t("outcomeSmallTalk"), r.smallTalk],
    ["total", "agentReplies", t("kpiAgentReplies"), r.agentReplies],
    ["total", "resolved", t("kpiResolved"), r.resolved],
    ["total", "slaBreaches", t("kpiSlaBreaches"), r.slaBreaches],
    ["total", "csatCount", t("kpiCsatCount", { count: "" }).trim(), r.csat.count],
    ["total", "csatAverage", t("kpiCsat"), r.csat.average === null ? "" : r.csat.average.toFixed(2)],
    ["total", "inputTokens", t("kpiTokens"), r.tokens.input],
    ["total", "outputTokens", t("kpiTokens"), r.tokens.output],
    ...Object.entries(r.byChannel).map(([c, n]) => ["byChannel", c, channelLabel(c, t), n ?? 0]),
    ...Object.entries(r.handoffsByReason).map(([reason, n]) => [
      "handoffsByReason",
      reason,
      reasonLabel(reason, t),
      n,
    ]),
  ];
}
