import { beforeEach, describe, expect, it, vi } from "vitest";
import { wireIngest } from "../../../functions/ingest/wiring";
import { wireWebhook } from "../../../functions/webhook/wiring";
import { wireWorker } from "../../../functions/worker/wiring";
import { EmfMetrics } from "../../../shared/aws/metrics-emf";
import { loadIngestConfig, loadWebhookConfig } from "../../../shared/config/load";
import { loadWorkerConfig } from "../../../shared/config/load-desk";
import { TABLES } from "../../../shared/resources";

/**
 * "No function builds what it does not use": each function's wiring, run on a valid configuration, with
 * every builder of a store, client, engine or adapter it could reach recording that it was called. The
 * builders still build (nothing is stubbed out), so the wired objects are the real ones.
 */

const built = vi.hoisted(() => new Set<string>());

/** The module as it is, with the named exports recording `what` each time they are called. */
function recording(module: Record<string, unknown>, exports: Record<string, string>) {
  const wrapped = { ...module };
  for (const [name, what] of Object.entries(exports)) {
    const original = module[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      built.add(what);
      return original(...args);
    };
  }
  return wrapped;
}

vi.mock("../../../shared/aws/ingress", async (load) =>
  recording(await load(), { ingressStore: "queue store" }),
);
vi.mock("../../../shared/stores/conversations", async (load) =>
  recording(await load(), { createConversationStore: "conversation store" }),
);
vi.mock("../../../shared/stores/tickets", async (load) =>
  recording(await load(), { createTicketStore: "ticket store" }),
);
vi.mock("../../../shared/stores/outbox", async (load) =>
  recording(await load(), { createOutboxStore: "outbox store" }),
);
vi.mock("../../../shared/stores/faq", async (load) =>
  recording(await load(), { createFaqRepository: "faq repository" }),
);
vi.mock("../../../shared/aws/bedrock", async (load) =>
  recording(await load(), { selectEngine: "answer engine", bedrockClient: "bedrock client" }),
);
vi.mock("../../../shared/kb/knowledge", async (load) =>
  recording(await load(), { createEngineCache: "engine cache" }),
);
vi.mock("../../../shared/aws/channels", async (load) =>
  recording(await load(), { createInboundChannels: "channel receivers" }),
);
vi.mock("../../../shared/aws/channel-context", async (load) =>
  recording(await load(), { inboundChannelsOf: "channel receivers" }),
);
vi.mock("../../../shared/aws/fetch/sqs", async (load) =>
  recording(await load(), { fetchEnqueue: "queue over fetch" }),
);
vi.mock("../../../shared/aws/fetch/dynamodb", async (load) =>
  recording(await load(), { dynamoDbTable: "dynamodb over fetch" }),
);
vi.mock("../../../shared/aws/senders", async (load) =>
  recording(await load(), { createChannelSenders: "channel senders" }),
);
vi.mock("../../../shared/aws/alerts", async (load) =>
  recording(await load(), { createAlerter: "agent alerts" }),
);
vi.mock("../../../shared/aws/notify", async (load) =>
  recording(await load(), { snsAgentNotifier: "agent alerts", snsClient: "sns client" }),
);
vi.mock("../../../shared/aws/s3-blobs", async (load) =>
  recording(await load(), { s3BlobStore: "faq bucket", s3Client: "s3 client" }),
);
vi.mock("../../../shared/aws/queue-bodies", async (load) =>
  recording(await load(), { s3QueueBodyStore: "queue bodies in S3" }),
);
vi.mock("../../../shared/ai/local-embedder", async (load) =>
  recording(await load(), { createLocalEmbedder: "local embedder" }),
);
vi.mock("../../../shared/ai/bedrock-embedder", async (load) =>
  recording(await load(), { createBedrockEmbedder: "bedrock embedder" }),
);
vi.mock("../../../shared/aws/clients", async (load) =>
  recording(await load(), {
    documentClient: "dynamodb client",
    sqsClient: "sqs client",
    secretsClient: "secrets client",
  }),
);
vi.mock("@aws-sdk/client-bedrock-runtime", async (load) => {
  const sdk = await load<typeof import("@aws-sdk/client-bedrock-runtime")>();
  class BedrockRuntimeClient extends sdk.BedrockRuntimeClient {
    constructor(...args: ConstructorParameters<typeof sdk.BedrockRuntimeClient>) {
      super(...args);
      built.add("bedrock client");
    }
  }
  return { ...sdk, BedrockRuntimeClient };
});

const env = {
  KEFU_MODE: "aws",
  AWS_REGION: "us-west-2",
  KEFU_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu",
  KEFU_ANALYTICS_KEY_SECRET_ARN: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu-analytics",
  KEFU_QUEUE_URL: "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo",
  KEFU_FAQ_BUCKET: "kefu-faq",
  KEFU_AGENT_TOPIC_ARN: "arn:aws:sns:us-west-2:123456789012:kefu-agents",
  KEFU_ENGINE: "local",
  ...Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, `kefu-${t.id}`])),
};
const bedrock = { ...env, KEFU_ENGINE: "bedrock", KEFU_ANSWER_MODEL_ID: "anthropic.claude-3-haiku" };

beforeEach(() => built.clear());

describe("the webhook's wiring", () => {
  it("builds the channels' inbound side and the queue over signed fetch: no claim store, no SDK client, no engine, no model, no records, no S3", () => {
    const deps = wireWebhook(loadWebhookConfig(env));
    expect(Object.keys(deps).sort()).toEqual(["ingress", "logger", "metrics", "transportLimitBytes"]);
    // Acknowledging takes the adapter and the enqueue alone: repeated deliveries are the queue's to drop.
    expect(Object.keys(deps.ingress).sort()).toEqual(["adapterFor", "enqueue"]);
    // DynamoDB is built for the channels' state and tokens (SMS opt-outs, the 微信客服 cursor), not the ack.
    expect([...built].sort()).toEqual(
      ["channel receivers", "dynamodb over fetch", "queue over fetch"].sort(),
    );
  });

  it("counts in EMF lines of its own, not with Powertools' Metrics (issue 10), silent when metrics are off", () => {
    const printed = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const on = wireWebhook(loadWebhookConfig(env)).metrics;
      const off = wireWebhook(loadWebhookConfig({ ...env, POWERTOOLS_METRICS_DISABLED: "true" })).metrics;
      expect(on).toBeInstanceOf(EmfMetrics);
      for (const metrics of [on, off]) {
        metrics.addMetric("WebhookRequests", "Count", 1);
        metrics.publishStoredMetrics();
      }
      expect(printed).toHaveBeenCalledTimes(1);
      expect(JSON.parse(String(printed.mock.calls[0]?.[0]))).toMatchObject({
        _aws: { CloudWatchMetrics: [{ Namespace: "Kefu", Dimensions: [["service"]] }] },
        service: "kefu",
        WebhookRequests: 1,
      });
    } finally {
      printed.mockRestore();
    }
  });
});

describe("the worker's wiring", () => {
  it.each([
    ["local", env, "local embedder"],
    ["bedrock", bedrock, "bedrock client"],
  ])(
    "builds the pipeline's stores, the %s engine and the senders: no ingress queue store",
    (_kind, vars, model) => {
      const deps = wireWorker(loadWorkerConfig(vars));
      expect(Object.keys(deps).sort()).toEqual(["logger", "metrics", "parse", "pipeline"]);
      expect([...built]).toEqual(
        expect.arrayContaining([
          "conversation store",
          "ticket store",
          "outbox store",
          "faq repository",
          "answer engine",
          "engine cache",
          "channel senders",
          "agent alerts",
          "queue bodies in S3",
          ...(model === "bedrock client" ? [model] : []),
        ]),
      );
      expect(built.has("queue store")).toBe(false);
      expect(built.has("channel receivers")).toBe(false);
    },
  );
});

describe("the ingest function's wiring", () => {
  it.each([
    ["local", env, "local embedder"],
    ["bedrock", bedrock, "bedrock embedder"],
  ])(
    "builds the bucket, the FAQ table and the %s embedder: no channels, no queue, no engine",
    (_kind, vars, embedder) => {
      const deps = wireIngest(loadIngestConfig(vars));
      expect(Object.keys(deps).sort()).toEqual(["blobs", "embedder", "logger", "repo"]);
      expect([...built].sort()).toEqual(
        [
          "dynamodb client",
          embedder,
          "faq bucket",
          "faq repository",
          "s3 client",
          ...(embedder === "bedrock embedder" ? ["bedrock client"] : []),
        ].sort(),
      );
    },
  );
});
