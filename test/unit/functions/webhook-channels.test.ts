import { afterEach, describe, expect, it, vi } from "vitest";
import { wireWebhook } from "../../../functions/webhook/wiring";
import { loadWebhookConfig } from "../../../shared/config/load";
import { TABLE_ENV } from "../../../shared/config/names";
import { fakeAwsFetch } from "../../support/fakes";

/**
 * The webhook evaluates a channel's module (its schemas, parsers, XML library) on the first request for
 * that channel, not at cold start (issue 10). Each module notes here when it is evaluated. A file of its
 * own: the worker's wiring, which other tests import, loads every channel up front.
 */
const evaluated = vi.hoisted(() => [] as string[]);
vi.mock("../../../shared/channels/wechat/module", async (load) => {
  evaluated.push("wechat");
  return load();
});
vi.mock("../../../shared/channels/wecom/module", async (load) => {
  evaluated.push("wecom");
  return load();
});
vi.mock("../../../shared/channels/wecom-kf/module", async (load) => {
  evaluated.push("wecom-kf");
  return load();
});
vi.mock("../../../shared/channels/dingtalk/module", async (load) => {
  evaluated.push("dingtalk");
  return load();
});
vi.mock("../../../shared/channels/twilio/module", async (load) => {
  evaluated.push("twilio");
  return load();
});

const env = {
  KEFU_MODE: "aws",
  AWS_REGION: "us-west-2",
  KEFU_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu",
  KEFU_QUEUE_URL: "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo",
  [TABLE_ENV.tokens]: "kefu-tokens",
};

afterEach(() => vi.unstubAllEnvs());

describe("the webhook's channels", () => {
  it("are evaluated on the first request for each, not when the webhook is wired", async () => {
    // What Lambda gives the role; the secret comes from the fake Secrets Manager below.
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    const aws = fakeAwsFetch();
    const deps = wireWebhook(loadWebhookConfig(env), { fetch: aws.fetch });
    expect(evaluated).toEqual([]);

    aws.answer("GetSecretValue", {
      status: 200,
      body: {
        SecretString: JSON.stringify({
          KEFU_DINGTALK_APP_KEY: "dingkefutest00000001",
          KEFU_DINGTALK_APP_SECRET: "kefu-test-dingtalk-app-secret",
          KEFU_DINGTALK_TOKEN: "kefu-test-dingtalk-token",
          KEFU_DINGTALK_AES_KEY: "kefuDingTalkTestAesKey0123456789abcdefghijk",
        }),
      },
    });
    expect((await deps.ingress.adapterFor("dingtalk"))?.channel).toBe("dingtalk");
    expect(await deps.ingress.adapterFor("nonsense")).toBeUndefined();
    expect(evaluated).toEqual(["dingtalk"]);
    // WeChat is loaded by a request for it, and is not configured in this secret.
    expect(await deps.ingress.adapterFor("wechat")).toBeUndefined();
    expect(evaluated).toEqual(["dingtalk", "wechat"]);
    expect(aws.callsOf("GetSecretValue")).toHaveLength(1); // the secret is read once per max age
  });
});
