import {
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { LearningSuggestion, PendingChange } from "../api/types";
import { ErrorAlert } from "../components/ErrorAlert";
import { FaqSearch } from "../components/FaqSearch";
import { formatDateTime } from "../components/labels";
import { ModalActions } from "../components/ModalActions";
import { useDesk } from "../context";
import { type MessageKey, useI18n } from "../i18n";

/**
 * The learning loop for supervisors: unanswered questions grouped by topic (GET /insights/suggestions).
 * Each becomes phrasings of an entry, a new entry draft, out-of-scope wordings ("not our business": the
 * bot then withholds answers near them) — all pending changes, approved on the changes page like anything
 * taught — or is dismissed. A handled suggestion leaves the list.
 */
export default function SuggestionsPage() {
  const { t } = useI18n();
  const { api } = useDesk();
  const suggestions = useQuery({
    queryKey: ["suggestions"],
    queryFn: () => api.get<{ suggestions: LearningSuggestion[]; askedOnce: number }>("/insights/suggestions"),
  });
  return (
    <Stack maw={1000}>
      <Title order={3}>{t("suggestionsTitle")}</Title>
      <Text size="sm" c="dimmed">
        {t("suggestionsHint")}
      </Text>
      <ErrorAlert error={suggestions.error} />
      {suggestions.isPending ? (
        <Loader />
      ) : suggestions.data?.suggestions.length === 0 ? (
        <Text c="dimmed">{t("noSuggestions")}</Text>
      ) : (
        suggestions.data?.suggestions.map((s) => (
          // Keyed by its wordings too: a suggestion of picks taught in part comes back with the others,
          // and its card starts afresh (all of them ticked) rather than keep the taught ones ticked.
          <SuggestionCard key={`${s.id}\n${s.examples.join("\n")}`} suggestion={s} />
        ))
      )}
      {suggestions.data?.askedOnce ? (
        // The report's top unanswered lists these one-offs: say where they are.
        <Text size="sm" c="dimmed" data-testid="suggestions-asked-once">
          {t("suggestionsAskedOnce", { n: suggestions.data.askedOnce })}
        </Text>
      ) : null}
    </Stack>
  );
}

function SuggestionCard(props: { suggestion: LearningSuggestion }) {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const s = props.suggestion;
  const [picked, setPicked] = useState<string[]>(s.examples);
  // A suggestion of picks is taught to the entry the customers picked, unless the supervisor picks another.
  const [faqId, setFaqId] = useState<string | undefined>(s.picked?.faqId ?? s.closest[0]?.faqId);
  const [drafting, setDrafting] = useState(false);
  const [dismissing, setDismissing] = useState(false);
  const [outOfScope, setOutOfScope] = useState(false);
  const [question, setQuestion] = useState(s.representative);
  const [answer, setAnswer] = useState("");
  const [note, setNote] = useState("");
  const base = `/insights/suggestions/${encodeURIComponent(s.id)}`;
  const act = useMutation({
    mutationFn: (action: { path: string; body: unknown }) =>
      api.post<{ changes?: PendingChange[] }>(`${base}/${action.path}`, action.body),
    onSuccess: () => {
      setDrafting(false);
      setDismissing(false);
      setOutOfScope(false);
      void queryClient.invalidateQueries({ queryKey: ["suggestions"] });
      void queryClient.invalidateQueries({ queryKey: ["changes"] });
    },
  });
  return (
    <Paper withBorder p="md" data-testid="suggestion">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600}>“{s.representative}”</Text>
          <Group gap={4} wrap="nowrap">
            <Badge variant="filled">{t("askedTimes", { count: s.count })}</Badge>
            {Object.entries(s.reasons).map(([reason, n]) => (
              <Badge key={reason} variant="light" color="gray">
                {t(`learnReason_${reason}` as MessageKey)} {n}
              </Badge>
            ))}
          </Group>
        </Group>
        <Text size="xs" c="dimmed">
          {formatDateTime(s.firstAt, locale)} – {formatDateTime(s.lastAt, locale)}
        </Text>
        {s.picked ? <PickedLine picked={s.picked} count={s.count} /> : null}
        <Text size="sm" fw={500}>
          {t("exampleWordings")}
        </Text>
        <Checkbox.Group value={picked} onChange={setPicked}>
          <Stack gap={4}>
            {s.examples.map((text) => (
              <Checkbox key={text} value={text} label={text} size="sm" />
            ))}
          </Stack>
        </Checkbox.Group>
        {s.closest.length > 0 ? (
          <Text size="sm" fw={500}>
            {t("closestEntries")}
          </Text>
        ) : null}
        <Group gap="xs">
          {s.closest.map((c) => (
            <UnstyledButton key={c.faqId} onClick={() => setFaqId(c.faqId)} data-testid="closest-entry">
              <Badge
                variant={faqId === c.faqId ? "filled" : "outline"}
                tt="none"
                style={{ cursor: "pointer" }}
              >
                {c.faqId} · {c.matchedQuestion} · {c.score.toFixed(2)}
              </Badge>
            </UnstyledButton>
          ))}
        </Group>
        <FaqSearch onPick={(hit) => setFaqId(hit.id)} selectedId={faqId} />
        <ErrorAlert error={act.error} compact />
        <Group justify="flex-end" gap="xs">
          <Button
            variant="default"
            size="xs"
            onClick={() => setDismissing(true)}
            data-testid="suggestion-dismiss"
          >
            {t("dismiss")}
          </Button>
          <Button
            variant="default"
            size="xs"
            color="orange"
            disabled={picked.length === 0}
            onClick={() => setOutOfScope(true)}
            data-testid="suggestion-out-of-scope"
          >
            {t("markOutOfScope")}
          </Button>
          <Button
            variant="default"
            size="xs"
            onClick={() => setDrafting(true)}
            data-testid="suggestion-draft"
          >
            {t("draftEntry")}
          </Button>
          <Button
            size="xs"
            disabled={!faqId || picked.length === 0}
            loading={act.isPending}
            onClick={() => act.mutate({ path: "phrasings", body: { faqId, texts: picked } })}
            data-testid="suggestion-teach"
          >
            {!faqId
              ? t("pickEntryFirst")
              : faqId === s.picked?.faqId
                ? t("teachAsPicked", { count: picked.length, faq: faqId })
                : t("teachAsPhrasings", { count: picked.length, faq: faqId })}
          </Button>
        </Group>
      </Stack>
      <Modal opened={drafting} onClose={() => setDrafting(false)} title={t("draftEntry")}>
        <Stack>
          <TextInput
            label={t("question")}
            value={question}
            onChange={(e) => setQuestion(e.currentTarget.value)}
          />
          <Textarea
            label={t("answer")}
            value={answer}
            onChange={(e) => setAnswer(e.currentTarget.value)}
            autosize
            minRows={3}
          />
          <ModalActions onCancel={() => setDrafting(false)}>
            <Button
              loading={act.isPending}
              disabled={!question.trim() || !answer.trim()}
              onClick={() =>
                act.mutate({ path: "entry", body: { question: question.trim(), answer: answer.trim() } })
              }
            >
              {t("save")}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
      <Modal opened={outOfScope} onClose={() => setOutOfScope(false)} title={t("markOutOfScope")}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t("outOfScopeHint")}
          </Text>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {picked.map((text) => `“${text}”`).join("\n")}
          </Text>
          <Textarea label={t("dismissNote")} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          <ModalActions onCancel={() => setOutOfScope(false)}>
            <Button
              color="orange"
              loading={act.isPending}
              onClick={() =>
                act.mutate({
                  path: "out-of-scope",
                  body: { texts: picked, ...(note.trim() ? { note: note.trim() } : {}) },
                })
              }
              data-testid="suggestion-out-of-scope-submit"
            >
              {t("markOutOfScopeCount", { count: picked.length })}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
      <Modal opened={dismissing} onClose={() => setDismissing(false)} title={t("dismiss")}>
        <Stack>
          <Textarea label={t("dismissNote")} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          <ModalActions onCancel={() => setDismissing(false)}>
            <Button
              color="red"
              loading={act.isPending}
              onClick={() => act.mutate({ path: "dismiss", body: note.trim() ? { note: note.trim() } : {} })}
            >
              {t("dismiss")}
            </Button>
          </ModalActions>
        </Stack>
      </Modal>
    </Paper>
  );
}

/** What customers picked: the entry, how often, and the other entries picked for the same wordings. */
function PickedLine(props: { picked: NonNullable<LearningSuggestion["picked"]>; count: number }) {
  const { t } = useI18n();
  const { picked, count } = props;
  return (
    <Stack gap={2} data-testid="suggestion-picked">
      <Text size="sm">{t("pickedTimes", { count, faq: picked.faqId, question: picked.question })}</Text>
      {picked.others.length > 0 ? (
        <Text size="xs" c="dimmed">
          {t("pickedOthers", { others: picked.others.map((o) => `${o.faqId} ×${o.count}`).join(", ") })}
        </Text>
      ) : null}
    </Stack>
  );
}
