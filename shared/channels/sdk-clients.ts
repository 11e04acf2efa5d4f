import type { Deadline } from "../core/deadline";
import { ChannelApiError } from "../core/errors";
import { ChannelUnreachableError, withRetries } from "./http";
import type { ChannelContext } from "./ports";

/** What the channels' AWS SDK clients (SES, End User Messaging) are made with. */
export interface SdkClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * One SDK client per region and endpoint for the life of the Lambda instance (adapters are rebuilt per
 * call, clients are not). The endpoint is the context's API base: empty for the SDK's regional
 * endpoint, the simulator locally — which checks no signatures, so real credentials never reach it.
 */
export function sdkClients<T>(
  make: (config: SdkClientConfig) => T,
): (context: Pick<ChannelContext, "region" | "apiBase" | "local">) => T {
  const clients = new Map<string, T>();
  return (context) => {
    const endpoint = context.apiBase || undefined;
    const key = `${context.region} ${endpoint ?? ""}`;
    let client = clients.get(key);
    if (!client) {
      client = make({
        region: context.region,
        ...(endpoint ? { endpoint } : {}),
        ...(context.local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
      });
      clients.set(key, client);
    }
    return client;
  };
}

/**
 * What the channels' SDK clients are made with besides their endpoint: no retries of their own. The
 * SDK retries a call whose answer never came (a timeout, a reset connection), and for SendEmail or
 * SendTextMessage that may deliver the reply twice; `sdkSend` retries what is safe to retry instead.
 */
export const NO_SDK_RETRIES = { maxAttempts: 1 } as const;

/**
 * One SDK call that sends something to a customer (SES SendEmail, End User Messaging SendTextMessage),
 * tried the way `http.ts` tries platform HTTP calls: a service's answer is judged by `refusal` (final or
 * retryable), and tried again with back-off when retryable; no answer at all — the call's timeout, the
 * message's deadline, a connection dropped after the request went out — means the platform may have
 * sent it, which ends in DeliveryUnknownError rather than a blind second send. Only a connection that
 * never opened, or credentials that could not be found, is known not to have sent anything.
 */
export async function sdkSend(
  label: string,
  call: () => Promise<unknown>,
  refusal: (error: unknown) => ChannelApiError,
  deadline?: Deadline,
): Promise<void> {
  await withRetries(
    label,
    async () => {
      try {
        await call();
      } catch (error) {
        throw sdkFailure(label, error, refusal);
      }
    },
    deadline ? { deadline } : {},
  );
}

/** An SDK error as a channel error: a service answer is the service's word; anything else got no answer. */
export function sdkFailure(
  label: string,
  error: unknown,
  refusal: (error: unknown) => ChannelApiError,
): ChannelApiError {
  if (error instanceof ChannelApiError) return error;
  // A service exception (the SDK's ServiceException) carries its fault; a timeout or socket error does not.
  const answer = error as { $fault?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (answer?.$fault !== undefined || answer?.$metadata?.httpStatusCode !== undefined) return refusal(error);
  if ((error as { name?: unknown } | null)?.name === "CredentialsProviderError") {
    return new ChannelApiError(`${label}: no credentials`, { retryable: true, cause: error });
  }
  return new ChannelUnreachableError(label, error);
}
