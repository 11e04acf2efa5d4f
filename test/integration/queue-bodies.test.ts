import { PutObjectCommand } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { provisionResources, s3Client, sqsClient } from "../../local/emulators";
import { ingressStore } from "../../shared/aws/ingress";
import { QUEUE_BODY_MAX_BYTES } from "../../shared/aws/queue";
import { readQueueBody, s3QueueBodyStore } from "../../shared/aws/queue-bodies";
import { INBOUND_QUEUE } from "../../shared/resources";
import { inbound } from "../support/fakes";
import { largestQueuedMessage, WORST_CHARACTERS } from "../support/largest-message";
import { testEnv } from "../support/local-env";

/** Against the emulators, with the queue as the local stack provisions it (local/emulators.ts). */
describe("queue bodies through the local queue", () => {
  const shared = testEnv();
  let env: Record<string, string>;
  let sqs: SQSClient;
  beforeAll(async () => {
    env = await provisionResources(
      { dynamoEndpoint: shared.KEFU_DYNAMODB_ENDPOINT ?? "", awsEndpoint: shared.KEFU_AWS_ENDPOINT ?? "" },
      `queue-bodies-${process.pid}`,
    );
    sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
  }, 60_000);

  const receiveOne = async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: env[INBOUND_QUEUE.envVar],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 5,
      }),
    );
    expect(Messages).toHaveLength(1);
    return Messages[0]?.Body ?? "";
  };

  it("is provisioned with SQS's 1 MiB message size, as in AWS", async () => {
    for (const url of [env[INBOUND_QUEUE.envVar], env.KEFU_DLQ_URL]) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["MaximumMessageSize"] }),
      );
      expect(Attributes?.MaximumMessageSize).toBe(String(INBOUND_QUEUE.maxMessageBytes));
    }
  });

  it("takes the largest message inline, as the ingress enqueues it, and gives it back whole", async () => {
    const store = ingressStore({ queueUrl: env[INBOUND_QUEUE.envVar] ?? "" }, { sqs });
    const message = largestQueuedMessage(WORST_CHARACTERS.control);
    await store.enqueue(message);
    const body = await receiveOne();
    expect(Buffer.byteLength(body)).toBeGreaterThan(600 * 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(QUEUE_BODY_MAX_BYTES);
    expect(
      await readQueueBody(body, { get: () => Promise.reject(new Error("no S3 read expected")) }),
    ).toEqual(message);
  });

  it("still resolves a body an earlier webhook stored in S3 by reference", async () => {
    const s3 = s3Client(env.KEFU_AWS_ENDPOINT ?? "");
    const bucket = env.KEFU_FAQ_BUCKET ?? "";
    const message = inbound({ id: `stored-${process.pid}` });
    const key = `queue-bodies/${"b".repeat(64)}.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(message) }));
    const reference = JSON.stringify({ bodyRef: key, channel: message.channel, id: message.id });
    expect(await readQueueBody(reference, s3QueueBodyStore(s3, bucket))).toEqual(message);
  });
});
