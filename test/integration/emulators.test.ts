import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { dynamoClient, sqsClient } from "../../local/emulators";
import { toQueueBody } from "../../shared/aws/queue";
import { INBOUND_QUEUE, TABLES } from "../../shared/resources";
import { testEnv } from "../support/local-env";

describe("the local stack provisions what the CDK stack defines", () => {
  const env = testEnv();

  it("creates every table with its keys, indexes and TTL", async () => {
    const dynamo = dynamoClient(env.KEFU_DYNAMODB_ENDPOINT ?? "");
    for (const table of Object.values(TABLES)) {
      const name = env[table.envVar];
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.KeySchema?.[0]).toEqual({ AttributeName: table.partitionKey.name, KeyType: "HASH" });
      // DynamoDB lists a table's indexes in no particular order.
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort();
      expect(indexes).toEqual(
        ("globalIndexes" in table ? table.globalIndexes : []).map((i) => i.name).sort(),
      );
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: name }));
      const expected = "ttlAttribute" in table ? table.ttlAttribute : undefined;
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe(expected);
    }
  });

  it("creates a FIFO queue whose redrive policy bounds deliveries", async () => {
    const sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: env.KEFU_QUEUE_URL, AttributeNames: ["All"] }),
    );
    expect(Attributes?.FifoQueue).toBe("true");
    expect(JSON.parse(Attributes?.RedrivePolicy ?? "{}").maxReceiveCount).toBe(
      String(INBOUND_QUEUE.maxReceiveCount),
    );
  });

  it("carries the queue body's escaped emoji intact, which it refuses raw (fauxqs#278, not in 1.9.2)", async () => {
    const sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `emoji-${process.pid}.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    const send = (body: string, id: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: "emoji",
          MessageDeduplicationId: id,
        }),
      );
    const message = { text: "怎么退货？😀 𠮷" };
    // The day this send succeeds, the emulator takes them and toQueueBody's escaping may go.
    await expect(send(JSON.stringify(message), "raw")).rejects.toMatchObject({
      name: expect.stringContaining("InvalidMessageContents"),
    });
    await send(toQueueBody(message), "escaped");
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]?.Body ?? "null")).toEqual(message);
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  });
});
