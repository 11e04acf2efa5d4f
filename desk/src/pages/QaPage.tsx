import {
  Alert,
  Anchor,
  Badge,
  Group,
  List,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import type { QaReasonCode, QaReview, QaReviews } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { channelLabel, formatDateTime } from "../components/labels";
import { useDesk } from "../context";
import { type MessageKey, type Translate, useI18n } from "../i18n";

type Sort = "score" | "recent";
const DIMENSIONS = [
  ["empathy", "qaEmpathy"],
  ["resolution", "qaResolution"],
  ["accuracy", "qaAccuracy"],
] as const satisfies readonly [string, MessageKey][];

type DimensionGrade = Extract<QaReview, { status: "scored" }>["scores"]["empathy"];

/**
 * A dimension's reasons as the supervisor reads them: the heuristic's codes in the desk's language; a
 * model's reasons as it wrote them (in the conversation's language), and so are the Chinese sentences
 * of heuristic reviews stored before the codes.
 */
function reasonTexts(grade: DimensionGrade, t: Translate): string[] {
  return "reasonCodes" in grade ? grade.reasonCodes.map((reason) => reasonText(reason, t)) : grade.reasons;
}

function reasonText(reason: QaReasonCode, t: Translate): string {
  switch (reason.code) {
    case "courtesy_markers":
      return t("qaReason_courtesy_markers", {
        markers: reason.markers.map((marker) => t(`qaMarker_${marker}`)).join(t("listSeparator")),
      });
    case "customer_rating":
      return t("qaReason_customer_rating", { csat: reason.csat });
    case "faq_overlap":
      return t("qaReason_faq_overlap", { faqId: reason.faqId, percent: reason.percent });
    default:
      return t(`qaReason_${reason.code}`);
  }
}

/** Red below 2.5, yellow below 3.5, green above: the scores a supervisor should open first stand out. */
function scoreColor(score: number): string {
  return score < 2.5 ? "red" : score < 3.5 ? "yellow" : "teal";
}

/**
 * The QA queue (issue 13): every resolved ticket an agent replied on, graded for empathy, resolution
 * and accuracy against the FAQ, lowest overall score first. Who graded is always said: a heuristic is
 * labelled as one, never shown as a model's judgement; a failed review shows its reason, no score.
 */
export default function QaPage() {
  const { t } = useI18n();
  const { api, config } = useDesk();
  const [sort, setSort] = useState<Sort>("score");
  const reviews = useQuery({
    queryKey: ["qa-reviews", sort],
    queryFn: () => api.get<QaReviews>(`/quality/reviews?sort=${sort}&since=7d`),
    refetchInterval: config.pollMs * 5,
  });
  const data = reviews.data;
  const model = data?.reviews.find((r) => r.grader.kind === "model")?.grader.name;
  return (
    <Stack maw={1300}>
      <Group justify="space-between">
        <Title order={3}>{t("qaTitle")}</Title>
        <SegmentedControl
          value={sort}
          onChange={(value) => setSort(value === "recent" ? "recent" : "score")}
          data={[
            { value: "score", label: t("qaSortScore") },
            { value: "recent", label: t("qaSortRecent") },
          ]}
        />
      </Group>
      {data && data.grader !== "off" && (
        <Text size="sm" c="dimmed" data-testid="qa-grader">
          {data.grader === "heuristic" ? t("qaHintHeuristic") : t("qaHintModel", { model: model ?? "" })}
        </Text>
      )}
      <ErrorAlert error={reviews.error} />
      {data?.grader === "off" && (
        <Alert color="gray" variant="light">
          {t("qaOff")}
        </Alert>
      )}
      {reviews.isPending ? (
        <Loader />
      ) : data?.reviews.length === 0 ? (
        data.grader !== "off" && <Text c="dimmed">{t("qaNone")}</Text>
      ) : (
        <Table striped verticalSpacing="xs" data-testid="qa-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t("qaTicket")}</Table.Th>
              <Table.Th>{t("qaAgent")}</Table.Th>
              <Table.Th>{t("qaChannel")}</Table.Th>
              <Table.Th>{t("qaOverall")}</Table.Th>
              {DIMENSIONS.map(([key, label]) => (
                <Table.Th key={key}>{t(label)}</Table.Th>
              ))}
              <Table.Th>{t("qaReasons")}</Table.Th>
              <Table.Th>{t("qaResolvedAt")}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data?.reviews.map((review) => (
              <ReviewRow key={`${review.ticketId}#${review.resolvedAt}`} review={review} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function ReviewRow({ review }: { review: QaReview }) {
  const { t, locale } = useI18n();
  const grader = (
    <Badge size="xs" variant="outline" color={review.grader.kind === "model" ? "blue" : "gray"}>
      {t(review.grader.kind === "model" ? "qaGraderModel" : "qaGraderHeuristic")}
    </Badge>
  );
  return (
    <Table.Tr data-testid="qa-review" data-ticket={review.ticketId} style={{ verticalAlign: "top" }}>
      <Table.Td>
        <Anchor component={Link} to={`/tickets/${review.ticketId}`} ff="monospace" size="sm">
          {review.ticketId}
        </Anchor>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{review.agent}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{channelLabel(review.channel, t)}</Text>
      </Table.Td>
      {review.status === "scored" ? (
        <>
          <Table.Td>
            <Group gap={4} wrap="nowrap">
              <Badge color={scoreColor(review.overall)} variant="filled" data-testid="qa-overall">
                {review.overall.toFixed(1)}
              </Badge>
              {grader}
            </Group>
          </Table.Td>
          {DIMENSIONS.map(([key]) => (
            <Table.Td key={key}>
              <Badge color={scoreColor(review.scores[key].score)} variant="light">
                {review.scores[key].score}
              </Badge>
            </Table.Td>
          ))}
          <Table.Td>
            <List size="xs" spacing={2}>
              {DIMENSIONS.flatMap(([key, label]) =>
                reasonTexts(review.scores[key], t).map((reason) => (
                  <List.Item key={`${key}:${reason}`}>
                    <Text span size="xs" c="dimmed">
                      {t(label)}
                      {locale === "zh" ? "：" : ": "}
                    </Text>
                    <Text span size="xs">
                      {reason}
                    </Text>
                  </List.Item>
                )),
              )}
            </List>
          </Table.Td>
        </>
      ) : (
        <>
          <Table.Td>
            <Group gap={4} wrap="nowrap">
              <Badge color="gray" variant="outline">
                {t("qaFailed")}
              </Badge>
              {grader}
            </Group>
          </Table.Td>
          <Table.Td colSpan={3} />
          <Table.Td>
            <Text size="xs" c="dimmed">
              {review.failure.reason}
            </Text>
          </Table.Td>
        </>
      )}
      <Table.Td>
        <Text size="xs" c="dimmed">
          {formatDateTime(review.resolvedAt, locale)}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
