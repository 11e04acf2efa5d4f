import { Badge, Box, Group, Paper, Stack, Text } from "@mantine/core";
import { useEffect, useRef } from "react";
import type { Turn } from "../api/types";
import { type MessageKey, useI18n } from "../i18n";
import { formatTime } from "./labels";

/** How each role looks: the customer on the left, the desk's side (bot, agent) on the right, notes apart. */
const LOOK: Record<
  Turn["role"],
  { align: "flex-start" | "flex-end" | "center"; bg: string; border?: string }
> = {
  customer: { align: "flex-start", bg: "var(--mantine-color-gray-1)" },
  bot: { align: "flex-end", bg: "var(--mantine-color-blue-0)" },
  agent: { align: "flex-end", bg: "var(--mantine-color-teal-1)" },
  note: {
    align: "center",
    bg: "var(--mantine-color-yellow-0)",
    border: "1px dashed var(--mantine-color-yellow-7)",
  },
  system: { align: "center", bg: "transparent" },
};

export function Transcript(props: { turns: Turn[]; omittedTurns?: number; channelName: string }) {
  const { t, locale } = useI18n();
  const end = useRef<HTMLDivElement>(null);
  // Keep the newest message in view when one arrives (the count is the trigger, not a value used inside).
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run exactly when a turn is added
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [props.turns.length]);
  return (
    <Stack gap="xs" data-testid="transcript" p="xs">
      {props.omittedTurns ? (
        <Text size="xs" c="dimmed" ta="center">
          {t("omittedTurns", { n: props.omittedTurns })}
        </Text>
      ) : null}
      {props.turns.map((turn, index) => {
        const look = LOOK[turn.role];
        if (turn.role === "system") {
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: turns have no id and are only ever appended
            <Text key={`${turn.at}-${index}`} size="xs" c="dimmed" ta="center" data-role="system">
              {formatTime(turn.at, locale)} · {turn.text}
            </Text>
          );
        }
        return (
          <Box
            // biome-ignore lint/suspicious/noArrayIndexKey: turns have no id and are only ever appended
            key={`${turn.at}-${index}`}
            style={{ display: "flex", justifyContent: look.align }}
            data-role={turn.role}
            data-testid="turn"
          >
            <Paper
              px="sm"
              py={6}
              maw={turn.role === "note" ? "92%" : "78%"}
              style={{ background: look.bg, border: look.border }}
            >
              <Group gap={6} mb={2} wrap="nowrap">
                <Text size="xs" fw={700} c={turn.role === "note" ? "yellow.9" : "dark.4"}>
                  {t(`role_${turn.role}` as MessageKey)}
                  {turn.agent ? ` · ${turn.agent}` : ""}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatTime(turn.at, locale)}
                  {turn.role === "customer" || turn.role === "agent" || turn.role === "bot"
                    ? ` · ${props.channelName}`
                    : ""}
                </Text>
                {turn.delivery === "unknown" && (
                  <Badge size="xs" variant="light" color="yellow" data-testid="turn-delivery-unknown">
                    {t("turnDeliveryUnknown")}
                  </Badge>
                )}
                {turn.delivery === "refused" && (
                  <Badge size="xs" variant="light" color="red" data-testid="turn-delivery-refused">
                    {t("turnDeliveryRefused")}
                  </Badge>
                )}
                {turn.suggestion && (
                  <Badge size="xs" variant="light" color="gray">
                    {t("suggestions")}
                    {turn.suggestion.edited ? " ✎" : ""}
                  </Badge>
                )}
              </Group>
              <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                {turn.text}
              </Text>
              {turn.omittedBytes ? (
                <Text size="xs" c="dimmed">
                  {t("omittedBytes", { n: turn.omittedBytes })}
                </Text>
              ) : null}
            </Paper>
          </Box>
        );
      })}
      <div ref={end} />
    </Stack>
  );
}
