import { CognitoError } from "../api/cognito-error";

/** The i18n keys these sentences use (i18n.tsx's Translate is one; the tests pass their own). */
type Translate = (
  key: "badCredentials" | "passwordRejected" | "cognitoUnreachable" | "err_unknown",
  vars?: Record<string, string>,
) => string;

/**
 * A failed sign-in in words, by the step that failed: a refused password at sign-in is a wrong password
 * (Cognito answers NotAuthorizedException, cognito-local InvalidPasswordException), while at the
 * new-password challenge InvalidPasswordException means the new password breaks the pool's policy.
 */
export function signInErrorText(error: unknown, step: "sign-in" | "new-password", t: Translate): string {
  if (!(error instanceof CognitoError)) return t("err_unknown", { code: String(error) });
  switch (error.code) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return t("badCredentials");
    case "InvalidPasswordException":
      return step === "new-password" ? t("passwordRejected", { detail: error.message }) : t("badCredentials");
    case "NetworkError":
      return t("cognitoUnreachable");
    default:
      return t("err_unknown", { code: error.code });
  }
}
