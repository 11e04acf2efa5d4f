import {
  Alert,
  Button,
  Center,
  Group,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { type FormEvent, useState } from "react";
import { answerNewPassword, sessionStore, signIn } from "../api/auth";
import { LanguageSwitch } from "../components/LanguageSwitch";
import { useDesk, useStartSession } from "../context";
import { useI18n } from "../i18n";
import { signInErrorText } from "../lib/sign-in-errors";

export function LoginPage() {
  const { config } = useDesk();
  const { t } = useI18n();
  const startSession = useStartSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [newPasswordAgain, setNewPasswordAgain] = useState("");
  const [challenge, setChallenge] = useState<{ username: string; session: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const expired = sessionStore.endReason() === "expired";

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (challenge && newPassword !== newPasswordAgain) {
      setError(t("passwordsDiffer"));
      return;
    }
    setBusy(true);
    try {
      if (challenge) {
        startSession(await answerNewPassword(config, challenge.username, challenge.session, newPassword));
        return;
      }
      const result = await signIn(config, username.trim(), password);
      if (result.kind === "new-password") {
        setChallenge({ username: result.username, session: result.challengeSession });
        setPassword("");
      } else {
        startSession(result.session);
      }
    } catch (failure) {
      setError(signInErrorText(failure, challenge ? "new-password" : "sign-in", t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w={380} component="form" onSubmit={submit}>
        <Stack>
          <Group justify="space-between" wrap="nowrap">
            <Title order={3}>{challenge ? t("newPasswordTitle") : t("loginTitle")}</Title>
            <LanguageSwitch />
          </Group>
          {expired && !error && (
            <Alert color="yellow" variant="light">
              {t("sessionExpired")}
            </Alert>
          )}
          {challenge ? (
            <>
              <Text size="sm" c="dimmed">
                {t("newPasswordHint")}
              </Text>
              <PasswordInput
                label={t("newPassword")}
                value={newPassword}
                onChange={(e) => setNewPassword(e.currentTarget.value)}
                autoComplete="new-password"
                required
                autoFocus
                data-testid="login-new-password"
              />
              <PasswordInput
                label={t("newPasswordAgain")}
                value={newPasswordAgain}
                onChange={(e) => setNewPasswordAgain(e.currentTarget.value)}
                autoComplete="new-password"
                required
                data-testid="login-new-password-again"
              />
            </>
          ) : (
            <>
              <TextInput
                label={t("username")}
                value={username}
                onChange={(e) => setUsername(e.currentTarget.value)}
                autoComplete="username"
                required
                autoFocus
                data-testid="login-username"
              />
              <PasswordInput
                label={t("password")}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                autoComplete="current-password"
                required
                data-testid="login-password"
              />
            </>
          )}
          {error && (
            <Alert color="red" variant="light" role="alert" data-testid="login-error">
              {error}
            </Alert>
          )}
          <Button type="submit" loading={busy} data-testid="login-submit">
            {challenge ? t("setPassword") : t("signIn")}
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
