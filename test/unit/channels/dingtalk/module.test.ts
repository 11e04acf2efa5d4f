import { afterEach, describe, expect, it, vi } from "vitest";
import { CredentialsError } from "../../../../shared/channels/credentials";
import { robotCodeOf } from "../../../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../../../shared/channels/dingtalk/module";
import { dingtalkSender } from "../../../../shared/channels/dingtalk/sender";
import type { ChannelContext } from "../../../../shared/channels/ports";
import { credentialsFor, moduleFor } from "../../../../shared/channels/registry";
import { channelSettingsFromEnv } from "../../../../shared/config/channels";

const PUBLIC_URL = "http://127.0.0.1:3000";
const SIM_SESSION = `${PUBLIC_URL}/sim/dingtalk/robot/sendBySession?session=abc`;
const REAL_SESSION = "https://oapi.dingtalk.com/robot/sendBySession?session=abc";

function context(local: boolean): ChannelContext {
  return {
    timestampWindowSeconds: 300,
    maxBodyBytes: 64 * 1024,
    publicUrl: PUBLIC_URL,
    apiBase: "https://api.example.test",
    tokenProvider: (_name, fetchToken) => ({
      get: async () => (await fetchToken()).token,
      invalidate: async () => {},
    }),
    state: { get: async () => undefined, put: async () => {}, putIfRevision: async () => true },
    blobs: { get: async () => new Uint8Array() },
    local,
    region: "us-east-1",
    settings: channelSettingsFromEnv({}),
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the DingTalk module", () => {
  it("is registered under its channel name", () => {
    expect(moduleFor("dingtalk")).toBe(dingtalkModule);
  });

  it("reads its credentials group, with the robot code defaulting to the app key", () => {
    const { KEFU_DINGTALK_ROBOT_CODE: _, ...withoutRobotCode } = dingtalkModule.demoCredentials;
    const credentials = credentialsFor(dingtalkModule, withoutRobotCode);
    expect(credentials && robotCodeOf(credentials as never)).toBe(
      dingtalkModule.demoCredentials.KEFU_DINGTALK_APP_KEY,
    );
    expect(credentialsFor(dingtalkModule, {})).toBeUndefined();
    expect(() =>
      credentialsFor(dingtalkModule, { ...withoutRobotCode, KEFU_DINGTALK_AES_KEY: "short" }),
    ).toThrow(CredentialsError);
  });

  it.each([
    [true, SIM_SESSION, SIM_SESSION],
    [false, SIM_SESSION, "https://api.example.test/v1.0/robot/oToMessages/batchSend"],
    [true, REAL_SESSION, SIM_SESSION],
    [false, REAL_SESSION, REAL_SESSION],
  ])("with local=%s, a session webhook %s is posted to %s", async (local, sessionWebhook, expectedUrl) => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (input: string | URL) => {
      const url = input.toString();
      urls.push(url);
      const body = url.endsWith("/accessToken") ? { accessToken: "t", expireIn: 7200 } : { errcode: 0 };
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    });
    const adapter = dingtalkSender.outbound(dingtalkModule.demoCredentials, context(local));
    await adapter.send({
      channel: "dingtalk",
      conversationKey: "dingtalk:cid:u1",
      to: "u1",
      text: "hi",
      replyContext: {
        conversationType: "1",
        conversationId: "cid",
        senderStaffId: "u1",
        sessionWebhook,
        sessionWebhookExpiredTime: String(Date.now() + 3600_000),
      },
    });
    expect(urls.at(-1)).toBe(expectedUrl);
  });
});
