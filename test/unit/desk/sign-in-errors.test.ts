/** What the desk's sign-in page says when Cognito (or cognito-local) refuses a step. */
import { describe, expect, it } from "vitest";
import { CognitoError } from "../../../desk/src/api/cognito-error";
import { signInErrorText } from "../../../desk/src/lib/sign-in-errors";

const t = (key: string, vars?: Record<string, string>) => (vars ? `${key} ${JSON.stringify(vars)}` : key);

describe("sign-in errors", () => {
  it("calls a refused password at sign-in wrong, whichever code the pool answers with", () => {
    // Cognito answers NotAuthorizedException; cognito-local answers InvalidPasswordException.
    for (const code of ["NotAuthorizedException", "InvalidPasswordException", "UserNotFoundException"]) {
      expect(signInErrorText(new CognitoError(code, "Invalid password"), "sign-in", t)).toBe(
        "badCredentials",
      );
    }
  });

  it("calls a refused new password a policy failure, with the pool's reason", () => {
    expect(
      signInErrorText(new CognitoError("InvalidPasswordException", "too short"), "new-password", t),
    ).toBe('passwordRejected {"detail":"too short"}');
  });

  it("says when Cognito cannot be reached, and names an unknown code", () => {
    expect(signInErrorText(new CognitoError("NetworkError", "x"), "sign-in", t)).toBe("cognitoUnreachable");
    expect(signInErrorText(new CognitoError("LimitExceededException", "x"), "sign-in", t)).toBe(
      'err_unknown {"code":"LimitExceededException"}',
    );
  });
});
