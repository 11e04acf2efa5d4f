import { fromEnv } from "@aws-sdk/credential-provider-env";
import type { DefaultProviderInit } from "@aws-sdk/credential-provider-node";

/**
 * The credential chain of a function that only ever runs in Lambda, where the role's credentials are in
 * the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN): read them from there,
 * and nothing else.
 *
 * It replaces `@aws-sdk/credential-provider-node` in the webhook's bundle (esbuild alias, set by
 * KefuFunction's `envCredentialsOnly`): every SDK client imports that module for its default chain, and
 * with it the SSO, ini-file, process, web-identity and instance-metadata providers and the STS/SSO
 * clients they use (about 110 KB minified), none of which a Lambda function reaches. Tests and the local
 * stack keep the SDK's own chain (locally the clients get explicit credentials anyway: clients.ts).
 * Same export and signature as the module it stands in for.
 */
export const defaultProvider = (init: DefaultProviderInit = {}) =>
  fromEnv(init.logger ? { logger: init.logger } : {});
