import { Button, Group } from "@mantine/core";
import type { ReactNode } from "react";
import { useI18n } from "../i18n";

/** A dialog's buttons, right-aligned: Cancel, then the dialog's own (the children). */
export function ModalActions(props: { onCancel(): void; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={props.onCancel}>
        {t("cancel")}
      </Button>
      {props.children}
    </Group>
  );
}
