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
