/**
 * A refusal by Cognito: `code` is its exception name (NotAuthorizedException, InvalidPasswordException…).
 * A module of its own so that what reads it (lib/sign-in-errors.ts) does not load the session store.
 */
export class CognitoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CognitoError";
  }
}
