import type { Config } from "../config";
import type { CredentialsSource } from "../credentials";
import type { AccessTokenProvider } from "../stores/tokens";
import type { InboundAdapter, OutboundAdapter } from "./types";
import { createWeChatInbound, createWeChatOutbound } from "./wechat";

/**
 * Builds each channel's adapters from the current credentials. Adding a channel is one entry here plus
 * its folder under shared/channels/. Credentials are re-read through the (cached) source on every call,
 * so a rotated secret is picked up without a redeploy.
 */
export function inboundRegistry(config: Config, credentials: CredentialsSource) {
  return async (channel: string): Promise<InboundAdapter | undefined> => {
    const creds = await credentials.get();
    const limits = {
      timestampWindowSeconds: config.KEFU_TIMESTAMP_WINDOW_SECONDS,
      maxBodyBytes: config.KEFU_MAX_BODY_BYTES,
    };
    switch (channel) {
      case "wechat":
        return creds.wechat ? createWeChatInbound({ credentials: creds.wechat, ...limits }) : undefined;
      default:
        return undefined;
    }
  };
}

export interface OutboundDeps {
  /** Shared access-token providers, keyed by a name unique per platform account. */
  tokenProvider(
    name: string,
    fetchToken: () => Promise<{ token: string; expiresInSeconds: number }>,
  ): AccessTokenProvider;
}

export function outboundRegistry(config: Config, credentials: CredentialsSource, deps: OutboundDeps) {
  return async (channel: string): Promise<OutboundAdapter | undefined> => {
    const creds = await credentials.get();
    switch (channel) {
      case "wechat":
        return creds.wechat
          ? createWeChatOutbound({
              credentials: creds.wechat,
              apiBase: config.KEFU_WECHAT_API_BASE,
              tokens: deps,
            })
          : undefined;
      default:
        return undefined;
    }
  };
}
