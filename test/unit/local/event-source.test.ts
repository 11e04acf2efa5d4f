import { FullBatchFailureError } from "@aws-lambda-powertools/batch";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { BatchFailedError, pollOnce, startEventSource } from "../../../local/event-source";
import { ChannelApiError } from "../../../shared/core/errors";
import { INBOUND_QUEUE } from "../../../shared/resources";

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: "us-east-1" });

const body = (id: string) => JSON.stringify({ id, channel: "wechat", text: "我的手机号是13812345678" });

beforeEach(() => {
  sqs.reset();
  sqs.on(ReceiveMessageCommand).resolves({
    Messages: [
      {
        MessageId: "q-1",
        ReceiptHandle: "r-1",
        Body: body("m-1"),
        Attributes: { ApproximateReceiveCount: "1" },
      },
      {
        MessageId: "q-2",
        ReceiptHandle: "r-2",
        Body: body("m-2"),
        Attributes: { ApproximateReceiveCount: String(INBOUND_QUEUE.maxReceiveCount) },
      },
    ],
  });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  sqs.on(DeleteMessageBatchCommand).resolves({});
});

describe("the local event source", () => {
  it("says what failed when the handler throws, and what becomes of each record, without its text", async () => {
    const errors: unknown[] = [];
    await pollOnce({
      sqs: client,
      queueUrl: "http://sqs.local/q.fifo",
      handler: async () => {
        throw new FullBatchFailureError([
          new ChannelApiError("WeChat send failed after 3 attempts", { retryable: true }),
          new ChannelApiError("WeChat send failed after 3 attempts", { retryable: true }),
        ]);
      },
      onError: (error) => errors.push(error),
    });

    expect(errors).toHaveLength(1);
    const error = errors[0] as BatchFailedError;
    expect(error).toBeInstanceOf(BatchFailedError);
    expect(error.message).toContain("ChannelApiError: WeChat send failed after 3 attempts");
    expect(error.message).toContain(
      `wechat message m-1 (receive 1 of ${INBOUND_QUEUE.maxReceiveCount}) returns to the queue`,
    );
    expect(error.message).toContain(
      `wechat message m-2 (receive ${INBOUND_QUEUE.maxReceiveCount} of ${INBOUND_QUEUE.maxReceiveCount}) goes to the dead-letter queue`,
    );
    expect(error.message).not.toContain("All records failed");
    expect(error.message).not.toContain("13812345678");
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(2);
  });

  it("gives the handler the worker's time limit, and leaves per-record failures to the handler's own log", async () => {
    const errors: unknown[] = [];
    let remaining = 0;
    await pollOnce({
      sqs: client,
      queueUrl: "http://sqs.local/q.fifo",
      handler: async (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
        return { batchItemFailures: [{ itemIdentifier: "q-2" }] };
      },
      onError: (error) => errors.push(error),
    });
    expect(remaining).toBeGreaterThan((INBOUND_QUEUE.workerTimeoutSeconds - 5) * 1000);
    expect(errors).toEqual([]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: "0", ReceiptHandle: "r-1" },
    ]);
  });

  it("runs as many invocations at once as its concurrency, like Lambda", async () => {
    let running = 0;
    let most = 0;
    const source = startEventSource({
      sqs: client,
      queueUrl: "http://sqs.local/q.fifo",
      concurrency: 3,
      handler: async () => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 50));
        running--;
        return { batchItemFailures: [] };
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await source.stop();
    expect(most).toBe(3);
  });
});
