import { Loader, Paper, ScrollArea, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { FaqHit } from "../api/types";
import { useDesk } from "../context";
import { errorText } from "../errors";
import { useI18n } from "../i18n";

/** A search box over the knowledge base with clickable hits. */
export function FaqSearch(props: {
  onPick(hit: FaqHit): void;
  selectedId?: string;
  /** Shown while the box is empty (the bot's candidates, when teaching from a ticket). */
  initialHits?: FaqHit[];
  label?: string;
  autoFocus?: boolean;
  testId?: string;
}) {
  const { t, locale } = useI18n();
  const { api } = useDesk();
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const hits = useQuery({
    queryKey: ["faq-search", debounced],
    queryFn: () => api.get<{ hits: FaqHit[] }>(`/faq/search?q=${encodeURIComponent(debounced)}`),
    enabled: debounced.length > 0,
    staleTime: 30_000,
  });
  const shown = debounced.length > 0 ? (hits.data?.hits ?? []) : (props.initialHits ?? []);
  return (
    <Stack gap={6}>
      <TextInput
        label={props.label}
        placeholder={t("searchFaq")}
        aria-label={t("searchFaq")}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        rightSection={hits.isFetching ? <Loader size="xs" /> : null}
        autoFocus={props.autoFocus}
        data-testid={props.testId ?? "faq-search"}
      />
      {hits.isError && (
        <Text size="sm" c="red.8">
          {errorText(hits.error, t, locale)}
        </Text>
      )}
      {debounced.length > 0 && hits.data && hits.data.hits.length === 0 && (
        <Text size="sm" c="dimmed">
          {t("noFaqHits")}
        </Text>
      )}
      {shown.length > 0 && (
        <ScrollArea.Autosize mah={260}>
          <Stack gap={4}>
            {shown.map((hit) => (
              <UnstyledButton key={hit.id} onClick={() => props.onPick(hit)} data-testid="faq-hit">
                <Paper
                  withBorder
                  p={6}
                  bg={hit.id === props.selectedId ? "teal.0" : undefined}
                  style={{
                    borderColor: hit.id === props.selectedId ? "var(--mantine-color-teal-6)" : undefined,
                  }}
                >
                  <Text size="sm" fw={600} lineClamp={1}>
                    {hit.question}
                  </Text>
                  <Text size="xs" c="dimmed" lineClamp={2}>
                    {hit.id}
                    {hit.category ? ` · ${hit.category}` : ""} · {hit.answer}
                  </Text>
                </Paper>
              </UnstyledButton>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      )}
    </Stack>
  );
}
