import { Button, Modal, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { FaqHit, PendingChange } from "../api/types";
import { useDesk } from "../context";
import { useI18n } from "../i18n";
import { ErrorAlert } from "./ErrorAlert";
import { FaqSearch } from "./FaqSearch";
import { ModalActions } from "./ModalActions";

type TeachBody =
  | { kind: "phrasing"; faqId: string; text: string }
  | { kind: "entry"; question: string; answer: string; category?: string }
  | { kind: "out_of_scope"; text: string };

function useTeach(ticketId: string, onDone: () => void) {
  const { api } = useDesk();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TeachBody) =>
      api.post<PendingChange>(`/tickets/${encodeURIComponent(ticketId)}/teach`, body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["changes"] });
      onDone();
    },
  });
}

/** "This question is FAQ X": the customer's wording becomes a phrasing of X once a supervisor approves. */
export function LinkFaqModal(props: {
  ticketId: string;
  candidates: FaqHit[];
  wording: string;
  opened: boolean;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const [wording, setWording] = useState(props.wording);
  const [picked, setPicked] = useState<FaqHit | null>(null);
  const teach = useTeach(props.ticketId, props.onDone);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t("teachLinkTitle")} size="lg">
      <Stack>
        <Textarea
          label={t("teachWording")}
          value={wording}
          onChange={(e) => setWording(e.currentTarget.value)}
          autosize
          minRows={2}
          data-testid="teach-wording"
        />
        <FaqSearch
          onPick={setPicked}
          selectedId={picked?.id}
          initialHits={props.candidates}
          label={t("teachPickFaq")}
          testId="teach-faq-search"
        />
        <ErrorAlert error={teach.error} />
        <ModalActions onCancel={props.onClose}>
          <Button
            disabled={!picked || wording.trim() === ""}
            title={picked ? undefined : t("pickFaqFirst")}
            loading={teach.isPending}
            onClick={() =>
              picked && teach.mutate({ kind: "phrasing", faqId: picked.id, text: wording.trim() })
            }
            data-testid="teach-submit"
          >
            {t("submitForApproval")}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}

/** "Save my reply as a new FAQ entry": a draft entry, pending until a supervisor approves it. */
export function NewEntryModal(props: {
  ticketId: string;
  question: string;
  answer: string;
  opened: boolean;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const [question, setQuestion] = useState(props.question);
  const [answer, setAnswer] = useState(props.answer);
  const [category, setCategory] = useState("");
  const teach = useTeach(props.ticketId, props.onDone);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t("teachEntryTitle")} size="lg">
      <Stack>
        <Textarea
          label={t("question")}
          value={question}
          onChange={(e) => setQuestion(e.currentTarget.value)}
          autosize
          minRows={2}
          required
        />
        <Textarea
          label={t("answer")}
          value={answer}
          onChange={(e) => setAnswer(e.currentTarget.value)}
          autosize
          minRows={4}
          required
        />
        <TextInput
          label={t("category")}
          value={category}
          onChange={(e) => setCategory(e.currentTarget.value)}
        />
        <ErrorAlert error={teach.error} />
        <ModalActions onCancel={props.onClose}>
          <Button
            disabled={question.trim() === "" || answer.trim() === ""}
            loading={teach.isPending}
            onClick={() =>
              teach.mutate({
                kind: "entry",
                question: question.trim(),
                answer: answer.trim(),
                ...(category.trim() ? { category: category.trim() } : {}),
              })
            }
            data-testid="teach-entry-submit"
          >
            {t("submitForApproval")}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}

/**
 * "Not our business": the customer's wording is recorded as out of scope once a supervisor approves; the
 * bot then withholds answers near it and says what it can help with instead.
 */
export function OutOfScopeModal(props: {
  ticketId: string;
  wording: string;
  opened: boolean;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const [wording, setWording] = useState(props.wording);
  const teach = useTeach(props.ticketId, props.onDone);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t("teachOutOfScopeTitle")} size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          {t("outOfScopeHint")}
        </Text>
        <Textarea
          label={t("teachWording")}
          value={wording}
          onChange={(e) => setWording(e.currentTarget.value)}
          autosize
          minRows={2}
          data-testid="teach-oos-wording"
        />
        <ErrorAlert error={teach.error} />
        <ModalActions onCancel={props.onClose}>
          <Button
            color="orange"
            disabled={wording.trim() === ""}
            loading={teach.isPending}
            onClick={() => teach.mutate({ kind: "out_of_scope", text: wording.trim() })}
            data-testid="teach-oos-submit"
          >
            {t("submitForApproval")}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}
