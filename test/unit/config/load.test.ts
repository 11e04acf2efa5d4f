import { describe, expect, it, vi } from "vitest";
import { BedrockConfigError, ConfigError } from "../../../shared/config/errors";
import { loadIngestConfig, loadWebhookConfig } from "../../../shared/config/load";
import { loadWorkerConfig } from "../../../shared/config/load-desk";
import { TABLE_ENV } from "../../../shared/config/names";
import { TABLES } from "../../../shared/resources";

const tables = Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, `kefu-${t.id}`]));
const aws = {
  KEFU_MODE: "aws",
  KEFU_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu",
  KEFU_ANALYTICS_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu-analytics",
  KEFU_QUEUE_URL: "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo",
  KEFU_FAQ_BUCKET: "kefu-faq",
  KEFU_ENGINE: "local",
  ...tables,
};

describe("each function's configuration", () => {
  it("asks the webhook only for what it uses: no conversation tables, no engine", () => {
    const config = loadWebhookConfig({
      ...aws,
      KEFU_ENGINE: "nonsense",
      [TABLE_ENV.conversations]: undefined,
      [TABLE_ENV.faq]: undefined,
    });
    expect(config.tables).toEqual({ tokens: "kefu-TokensTable" });
    expect(config).not.toHaveProperty("engine");
    expect(config.credentials).toEqual({ secretArn: aws.KEFU_SECRET_ARN });
  });

  it("asks the worker for its tables and engine, and names every problem at once", () => {
    const broken = {
      ...aws,
      [TABLE_ENV.outbox]: undefined,
      KEFU_ANSWER_THRESHOLD: "2",
      KEFU_KB_REFRESH_MS: "x",
    };
    expect(() => loadWorkerConfig(broken)).toThrow(ConfigError);
    expect(() => loadWorkerConfig(broken)).toThrow(
      /KEFU_OUTBOX_TABLE.*KEFU_KB_REFRESH_MS.*KEFU_ANSWER_THRESHOLD|KEFU_OUTBOX_TABLE.*KEFU_ANSWER_THRESHOLD/,
    );
    const config = loadWorkerConfig(aws);
    expect(config.tables.outbox).toBe("kefu-OutboxTable");
    expect(config.engine.kind).toBe("local");
    expect(config.knowledgeBase).toEqual({ name: "default", refreshMs: 5000 });
  });

  it("needs the analytics key of the functions that record events: the stack's secret, or locally the key", () => {
    const { KEFU_ANALYTICS_KEY_SECRET_ARN: arn, ...withoutKey } = aws;
    expect(loadWorkerConfig(aws).analyticsKey).toEqual({ secretArn: arn });
    expect(() => loadWorkerConfig(withoutKey)).toThrow(/KEFU_ANALYTICS_KEY_SECRET_ARN: is required/);
    const local = { ...withoutKey, KEFU_MODE: "local" };
    expect(() => loadWorkerConfig(local)).toThrow(/KEFU_ANALYTICS_KEY: is required/);
    expect(() => loadWorkerConfig({ ...local, KEFU_ANALYTICS_KEY: "short" })).toThrow(/KEFU_ANALYTICS_KEY/);
    expect(loadWorkerConfig({ ...local, KEFU_ANALYTICS_KEY: "k".repeat(43) }).analyticsKey).toEqual({
      key: "k".repeat(43),
    });
    // The webhook records no analytics: it needs no key (and reads no secret for one).
    expect(() => loadWebhookConfig(withoutKey)).not.toThrow();
  });

  it("gives ingest the engine's embedder settings, and the Bedrock error when they are wrong", () => {
    expect(loadIngestConfig(aws).engine.kind).toBe("local");
    expect(() => loadIngestConfig({ ...aws, KEFU_ENGINE: "bedrock" })).toThrow(BedrockConfigError);
  });

  it("needs the credentials secret in AWS; locally the environment's KEFU_* values stand in for it", () => {
    expect(() => loadWebhookConfig({ ...aws, KEFU_SECRET_ARN: "" })).toThrow(/KEFU_SECRET_ARN: is required/);
    const local = loadWebhookConfig({
      ...aws,
      KEFU_MODE: "local",
      KEFU_SECRET_ARN: undefined,
      KEFU_WECHAT_TOKEN: "token-from-the-shell",
      HOME: "/home/someone",
    });
    expect(local.credentials).toEqual({
      environment: expect.objectContaining({ KEFU_WECHAT_TOKEN: "token-from-the-shell" }),
    });
    expect(JSON.stringify(local.credentials)).not.toContain("/home/someone");
  });

  it("reads Powertools' metrics switch as Powertools does: POWERTOOLS_METRICS_DISABLED, else POWERTOOLS_DEV", () => {
    // The webhook prints its EMF lines itself (shared/aws/metrics-emf.ts), so it applies the rule itself.
    const disabled = (switches: Record<string, string>) =>
      loadWebhookConfig({ ...aws, ...switches }).runtime.metricsDisabled;
    expect(disabled({})).toBe(false);
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: "true" })).toBe(true);
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: " On " })).toBe(true);
    expect(disabled({ POWERTOOLS_METRICS_DISABLED: "0" })).toBe(false);
    expect(disabled({ POWERTOOLS_DEV: "yes" })).toBe(true);
    expect(disabled({ POWERTOOLS_DEV: "true", POWERTOOLS_METRICS_DISABLED: "false" })).toBe(false);
    // Powertools takes a POWERTOOLS_DEV it cannot read for "not development", and fails on the other.
    expect(disabled({ POWERTOOLS_DEV: "maybe" })).toBe(false);
    expect(() => disabled({ POWERTOOLS_METRICS_DISABLED: "sometimes" })).toThrow(ConfigError);
    expect(() => disabled({ POWERTOOLS_METRICS_DISABLED: "sometimes" })).toThrow(
      /POWERTOOLS_METRICS_DISABLED/,
    );
  });

  it("reads the record it is given, not the process environment", () => {
    vi.stubEnv("KEFU_QUEUE_URL", "not a url");
    try {
      expect(loadWebhookConfig(aws).queueUrl).toBe(aws.KEFU_QUEUE_URL);
      expect(() => loadWebhookConfig()).toThrow(/KEFU_QUEUE_URL/);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
