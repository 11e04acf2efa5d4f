import { Button, Modal, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
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

/** What opens a teach dialog, and what it tells when done (the pending change is created) or cancelled. */
interface TeachDialogProps {
  ticketId: string;
  opened: boolean;
  onClose(): void;
  onDone(): void;
}

/**
 * The frame the teach dialogs share: the modal, the teach request with its error, and the submit button.
 * Each dialog brings its fields and the `body` they make: null while something needed is missing.
 */
function TeachDialog(
  props: TeachDialogProps & {
    title: string;
    body: TeachBody | null;
    /** Why the submit button is disabled, shown on hover. */
    missing?: string | undefined;
    color?: string;
    submitTestId: string;
    children: ReactNode;
  },
) {
  const { t } = useI18n();
  const { api } = useDesk();
  const queryClient = useQueryClient();
  const teach = useMutation({
    mutationFn: (body: TeachBody) =>
      api.post<PendingChange>(`/tickets/${encodeURIComponent(props.ticketId)}/teach`, body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["changes"] });
      props.onDone();
    },
  });
  const { body } = props;
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} size="lg">
      <Stack>
        {props.children}
        <ErrorAlert error={teach.error} />
        <ModalActions onCancel={props.onClose}>
          <Button
            color={props.color}
            disabled={!body}
            title={body ? undefined : props.missing}
            loading={teach.isPending}
            onClick={() => body && teach.mutate(body)}
            data-testid={props.submitTestId}
          >
            {t("submitForApproval")}
          </Button>
        </ModalActions>
      </Stack>
    </Modal>
  );
}

/** "This question is FAQ X": the customer's wording becomes a phrasing of X once a supervisor approves. */
export function LinkFaqModal(props: TeachDialogProps & { candidates: FaqHit[]; wording: string }) {
  const { t } = useI18n();
  const [wording, setWording] = useState(props.wording);
  const [picked, setPicked] = useState<FaqHit | null>(null);
  const text = wording.trim();
  return (
    <TeachDialog
      {...props}
      title={t("teachLinkTitle")}
      body={picked && text ? { kind: "phrasing", faqId: picked.id, text } : null}
      missing={picked ? undefined : t("pickFaqFirst")}
      submitTestId="teach-submit"
    >
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
    </TeachDialog>
  );
}

/** "Save my reply as a new FAQ entry": a draft entry, pending until a supervisor approves it. */
export function NewEntryModal(props: TeachDialogProps & { question: string; answer: string }) {
  const { t } = useI18n();
  const [question, setQuestion] = useState(props.question);
  const [answer, setAnswer] = useState(props.answer);
  const [category, setCategory] = useState("");
  const entry = { question: question.trim(), answer: answer.trim(), category: category.trim() };
  return (
    <TeachDialog
      {...props}
      title={t("teachEntryTitle")}
      body={
        entry.question && entry.answer
          ? {
              kind: "entry",
              question: entry.question,
              answer: entry.answer,
              ...(entry.category ? { category: entry.category } : {}),
            }
          : null
      }
      submitTestId="teach-entry-submit"
    >
      <Textarea
        label={t("question")}
        value={question}
        onChange={(e) => setQuestion(e.currentTarget.value)}
        autosize
        minRows={2}
        required
        data-testid="teach-entry-question"
      />
      <Textarea
        label={t("answer")}
        value={answer}
        onChange={(e) => setAnswer(e.currentTarget.value)}
        autosize
        minRows={4}
        required
        data-testid="teach-entry-answer"
      />
      <TextInput
        label={t("category")}
        value={category}
        onChange={(e) => setCategory(e.currentTarget.value)}
        data-testid="teach-entry-category"
      />
    </TeachDialog>
  );
}

/**
 * "Not our business": the customer's wording is recorded as out of scope once a supervisor approves; the
 * bot then withholds answers near it and says what it can help with instead.
 */
export function OutOfScopeModal(props: TeachDialogProps & { wording: string }) {
  const { t } = useI18n();
  const [wording, setWording] = useState(props.wording);
  const text = wording.trim();
  return (
    <TeachDialog
      {...props}
      title={t("teachOutOfScopeTitle")}
      body={text ? { kind: "out_of_scope", text } : null}
      color="orange"
      submitTestId="teach-oos-submit"
    >
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
    </TeachDialog>
  );
}
