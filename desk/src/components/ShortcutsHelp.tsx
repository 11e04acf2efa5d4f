import { Group, Kbd, Modal, Stack, Text } from "@mantine/core";
import { type MessageKey, useI18n } from "../i18n";

export type Shortcut = [keys: string[], description: MessageKey];

export function ShortcutsHelp(props: { opened: boolean; onClose(): void; shortcuts: Shortcut[] }) {
  const { t } = useI18n();
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t("shortcuts")} data-testid="shortcuts-help">
      <Stack gap="xs">
        {props.shortcuts.map(([keys, description]) => (
          <Group key={description} justify="space-between" wrap="nowrap">
            <Text size="sm">{t(description)}</Text>
            <Group gap={4} wrap="nowrap">
              {keys.map((key) => (
                <Kbd key={key}>{key}</Kbd>
              ))}
            </Group>
          </Group>
        ))}
      </Stack>
    </Modal>
  );
}
