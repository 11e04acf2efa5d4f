import { randomBytes, randomUUID } from "node:crypto";
import type { SNSEvent } from "aws-lambda";
import { KefuError } from "../shared/core/errors";

/**
 * Amazon SNS with Lambda subscriptions, on one machine: `POST /sns/publish` takes what SES and End User
 * Messaging publish to our topics and invokes the subscribed function with the event Lambda gets from
 * SNS, asynchronously as Lambda does: a failed invocation is retried (twice, like Lambda's async
 * retries, after a short delay here), then kept as the on-failure destination would keep it
 * (`failures`, GET /dev/sns-failures). Only subscribed topics are accepted, as SNS accepts only
 * existing topics and the function's permission only ours.
 */

/** What is published: the SNS Publish API's fields, plus a MessageId to replay a redelivery. */
export interface SnsPublish {
  TopicArn: string;
  Message: string;
  Subject?: string;
  /** Local only: SNS keeps its MessageId on redeliveries; tests replay one with it. */
  MessageId?: string;
}

/** One SNS notification as a Lambda subscription receives it: what AWS builds, field for field. */
export function snsEvent(publish: SnsPublish, at: Date = new Date()): SNSEvent {
  const subscriptionArn = `${publish.TopicArn}:${randomUUID()}`;
  return {
    Records: [
      {
        EventVersion: "1.0",
        EventSubscriptionArn: subscriptionArn,
        EventSource: "aws:sns",
        Sns: {
          Type: "Notification",
          MessageId: publish.MessageId ?? randomUUID(),
          TopicArn: publish.TopicArn,
          // SNS sends null when the publisher gave none.
          Subject: (publish.Subject ?? null) as string | undefined,
          Message: publish.Message,
          Timestamp: at.toISOString(),
          SignatureVersion: "1",
          // Present as in AWS; nobody checks it (IAM authorises the invocation).
          Signature: randomBytes(64).toString("base64"),
          SigningCertUrl: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem",
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** An invocation that failed every attempt, as the on-failure destination records it (no payload here). */
export interface FailedNotification {
  topicArn: string;
  messageId: string;
  attempts: number;
  /** The error's code (KefuError) or name: never its message, which may name input. */
  error: string;
  at: string;
}

export interface LocalSnsOptions {
  /** The topics the function is subscribed to. */
  topics(): readonly string[];
  /** Invokes the subscribed function once; resolves with what the trace of this attempt says. */
  invoke(event: SNSEvent, attempt: number): Promise<void>;
  /** Lambda's async retries (2) after the first attempt. */
  retries?: number;
  retryDelayMs?: number;
}

export class UnknownTopicPublishError extends KefuError {
  constructor() {
    super(404, "NotFound", "Topic does not exist");
  }
}

export function localSns(options: LocalSnsOptions) {
  const failures: FailedNotification[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const retries = options.retries ?? 2;
  const delay = options.retryDelayMs ?? 1000;

  async function attempt(event: SNSEvent, n: number): Promise<unknown> {
    try {
      await options.invoke(event, n);
      return undefined;
    } catch (error) {
      const sns = event.Records[0]?.Sns;
      if (n > retries) {
        failures.push({
          topicArn: sns?.TopicArn ?? "",
          messageId: sns?.MessageId ?? "",
          attempts: n,
          error: error instanceof KefuError ? error.code : (error as Error).name,
          at: new Date().toISOString(),
        });
        return error;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        void attempt(event, n + 1);
      }, delay);
      timers.add(timer);
      return error;
    }
  }

  return {
    failures,
    /**
     * Publishes and runs the first invocation before answering (later attempts run in the background),
     * so a caller can read its outcome; SNS itself answers at once with the MessageId.
     */
    async publish(input: SnsPublish): Promise<{ messageId: string; error?: unknown }> {
      if (!options.topics().includes(input.TopicArn)) throw new UnknownTopicPublishError();
      const event = snsEvent(input);
      const messageId = event.Records[0]?.Sns.MessageId ?? "";
      const error = await attempt(event, 1);
      return { messageId, ...(error ? { error } : {}) };
    },
    stop(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
