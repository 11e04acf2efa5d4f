import { Alert } from "@mantine/core";
import { errorText } from "../errors";
import { useI18n } from "../i18n";

/** Why a request failed, in the agent's language; nothing while there is no error. */
export function ErrorAlert(props: { error: unknown; compact?: boolean; testId?: string }) {
  const { t, locale } = useI18n();
  if (!props.error) return null;
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      py={props.compact ? 6 : undefined}
      data-testid={props.testId}
    >
      {errorText(props.error, t, locale)}
    </Alert>
  );
}
