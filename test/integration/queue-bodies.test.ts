import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { s3Client, sqsClient } from "../../local/emulators";
import { queueBody, readQueueBody, s3QueueBodyStore } from "../../shared/aws/queue";
import { inbound } from "../support/fakes";
import { testEnv } from "../support/local-env";

describe("a message too large to go inline", () => {
  const env = testEnv();

  it("goes through the real queue by S3 reference and comes back whole", async () => {
    const sqs = sqsClient(env.KEFU_AWS_ENDPOINT ?? "");
    const store = s3QueueBodyStore(s3Client(env.KEFU_AWS_ENDPOINT ?? ""), env.KEFU_FAQ_BUCKET ?? "");
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `queue-body-${process.pid}.fifo`,
        Attributes: { FifoQueue: "true", ContentBasedDeduplication: "true" },
      }),
    );
    const message = inbound({ id: `big-${process.pid}`, text: `请问发票怎么开？${"详".repeat(3000)}` });
    // A low inline limit stands in for a body over 192 KiB, which bounded messages do not reach.
    const body = await queueBody(message, store, 1024);
    expect(JSON.parse(body).bodyRef).toMatch(/^queue-bodies\//);

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageGroupId: "g" }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }),
    );
    expect(Messages).toHaveLength(1);
    expect(await readQueueBody(Messages[0]?.Body ?? "", store)).toEqual(message);
  });
});
