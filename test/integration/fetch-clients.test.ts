import { randomUUID } from "node:crypto";
import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { documentClient, sqsClient } from "../../shared/aws/clients";
import { dynamoDbTable } from "../../shared/aws/fetch/dynamodb";
import { fetchEnqueue } from "../../shared/aws/fetch/sqs";
import { awsCredentialsSource } from "../../shared/config/aws-credentials";
import { loadWebhookConfig } from "../../shared/config/load";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { createTokenStore } from "../../shared/stores/tokens";
import { channelStateContract, tokenContract } from "../contract/stores.contract";
import { inbound } from "../support/fakes";
import { testEnv } from "../support/local-env";

/**
 * The webhook's AWS adapters over signed fetch (shared/aws/fetch) on the real emulators: its stores on
 * DynamoDB Local, held to the same contract as the SDK stores (test/contract), and SendMessage through
 * fauxqs, read back with the SDK. What the fake fetch of the unit tests cannot show: that the emulators,
 * like AWS, accept these requests and answer as the adapters expect.
 */
const config = loadWebhookConfig(testEnv());
const { runtime, tables } = config;
const aws = (endpoint: string | undefined) => ({
  region: runtime.region,
  ...(endpoint ? { endpoint } : {}),
  credentials: awsCredentialsSource(runtime),
});
const table = dynamoDbTable(aws(runtime.endpoints.dynamodb));
const doc = documentClient(runtime);

/** The TTL attribute as DynamoDB stores it, read past the store, through the SDK. */
const ttl = (name: string, keyOf: (key: string) => Record<string, string>) => async (key: string) => {
  const { Item } = await doc.send(new GetCommand({ TableName: name, Key: keyOf(key), ConsistentRead: true }));
  return Item?.expiresAt as number | undefined;
};

describe("the store contract: signed fetch on DynamoDB Local", () => {
  tokenContract({
    tokens: () => createTokenStore(table, tables.tokens),
    expiresAt: { token: ttl(tables.tokens, (name) => ({ name })) },
  });
  channelStateContract({
    channelState: () => createChannelStateStore(table, tables.tokens),
    expiresAt: { channelState: ttl(tables.tokens, (key) => ({ name: `state:${key}` })) },
  });
});

describe("SendMessage over signed fetch on fauxqs", () => {
  it("puts the message on a FIFO queue, where the SDK reads it back as the worker would", async () => {
    const sqs = sqsClient(runtime);
    // A queue of its own: the inbound queue is the other integration tests'.
    const { QueueUrl = "" } = await sqs.send(
      new CreateQueueCommand({ QueueName: `fetch-${randomUUID()}.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    try {
      const message = inbound({ text: "怎么退货？😀" });
      await fetchEnqueue(aws(runtime.endpoints.aws), QueueUrl)(message);
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages).toHaveLength(1);
      expect(JSON.parse(String(Messages[0]?.Body))).toMatchObject({ text: "怎么退货？😀" });
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });
});
