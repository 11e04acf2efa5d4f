import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { wireWebhook } from "../../functions/webhook/wiring";
import { wechatPush } from "../../local/platforms/wechat";
import { toWebhookRequest } from "../../shared/aws/apigw";
import { sqsClient } from "../../shared/aws/clients";
import { fifoIds, toQueueBody } from "../../shared/aws/queue";
import { forQueue } from "../../shared/channels/ingress";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { WeChatCredentials } from "../../shared/channels/wechat/credentials";
import { wechatModule } from "../../shared/channels/wechat/module";
import { loadWebhookConfig } from "../../shared/config/load";
import { webhookEvent } from "../support/lambda-harness";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * A delivery later than the FIFO queue's five-minute deduplication window (a Lambda retry of an SNS event
 * that waited, a redriven failure, a 微信客服 re-pull, a replayed request) is taken by SQS as a new
 * message: only the worker's memory of the messages it handled (the conversation's processed ids, the
 * outbox) keeps it from being answered again. The window cannot be waited out in a test, so the message
 * is enqueued as the webhook enqueues it, under a deduplication id the queue has not seen, as SQS takes the
 * original one once its window has passed.
 */
const kefu = useTestStack("late-redelivery");
const credentials = credentialsFor(wechatModule, demoCredentials()) as WeChatCredentials;

describe("a message delivered again after the queue's deduplication window", () => {
  it("reaches the worker and is not answered again", async () => {
    const openId = `o-late-${process.pid}`;
    const push = wechatPush(credentials, { openId, text: "怎么申请退货？" });
    expect((await kefu.deliver(push)).status).toBe(200);
    await waitFor(() => kefu.repliesTo("wechat", openId).length === 1, { what: "the reply" });

    const config = loadWebhookConfig(kefu.stack.env);
    const adapter = await wireWebhook(config).ingress.adapterFor("wechat");
    const outcome = await adapter?.handle(toWebhookRequest(webhookEvent(push), config.ingress.maxBodyBytes));
    if (outcome?.kind !== "enqueue") throw new Error("the push did not normalise to a message");
    const [message, ...more] = outcome.messages.map(forQueue);
    expect(more).toEqual([]);
    if (!message) throw new Error("no message");
    const ids = fifoIds(message);
    const received = kefu.stack.inbox.length;
    await sqsClient(config.runtime).send(
      new SendMessageCommand({
        QueueUrl: config.queueUrl,
        MessageBody: toQueueBody(message),
        MessageGroupId: ids.groupId,
        MessageDeduplicationId: `${ids.deduplicationId.slice(0, 100)}-after-window`,
      }),
    );

    // The worker did receive it (so the test cannot pass by the queue dropping it), and sent nothing.
    await waitFor(() => kefu.stack.inbox.length > received, { what: "the late copy at the worker" });
    await settle(1500);
    expect(kefu.repliesTo("wechat", openId)).toHaveLength(1);
  });
});
