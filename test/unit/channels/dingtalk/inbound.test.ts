import { describe, expect, it } from "vitest";
import type { DingTalkCredentials } from "../../../../shared/channels/dingtalk/credentials";
import {
  createDingTalkInbound,
  decryptEvent,
  encryptReply,
  robotSign,
} from "../../../../shared/channels/dingtalk/inbound";
import { stripLeadingMentions } from "../../../../shared/channels/dingtalk/normalise";
import type { WebhookOutcome, WebhookRequest } from "../../../../shared/channels/ports";
import {
  MalformedRequestError,
  PayloadTooLargeError,
  SignatureError,
  StaleTimestampError,
} from "../../../../shared/core/errors";
import type { InboundMessage } from "../../../../shared/core/message";
import groupAt from "../../../fixtures/dingtalk/group-text-at.json";
import groupNoAt from "../../../fixtures/dingtalk/group-text-no-at.json";
import vectors from "../../../fixtures/dingtalk/official-vectors.json";
import singleAudio from "../../../fixtures/dingtalk/single-audio.json";
import singleFile from "../../../fixtures/dingtalk/single-file.json";
import singlePicture from "../../../fixtures/dingtalk/single-picture.json";
import singleRichText from "../../../fixtures/dingtalk/single-richtext.json";
import singleText from "../../../fixtures/dingtalk/single-text.json";

const credentials: DingTalkCredentials = {
  KEFU_DINGTALK_APP_KEY: "dingkefutestappkey01",
  KEFU_DINGTALK_APP_SECRET: "kefu-test-app-secret",
  KEFU_DINGTALK_TOKEN: "kefu-test-token",
  KEFU_DINGTALK_AES_KEY: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
};
const adapter = createDingTalkInbound({ credentials, maxBodyBytes: 64 * 1024 });

/** A robot message as DingTalk posts it, signed at `signedAt` and received `delayMs` later. */
function robotRequest(
  body: unknown,
  options: { signedAt?: number; delayMs?: number; sign?: string; raw?: string } = {},
): WebhookRequest {
  const signedAt = options.signedAt ?? 1_700_000_000_000;
  const timestamp = String(signedAt);
  return {
    method: "POST",
    path: "/webhooks/dingtalk",
    query: {},
    rawQueryString: "",
    headers: {
      "content-type": "application/json; charset=utf-8",
      timestamp,
      sign: options.sign ?? robotSign(credentials.KEFU_DINGTALK_APP_SECRET, timestamp),
    },
    body: options.raw ?? JSON.stringify(body),
    receivedAt: new Date(signedAt + (options.delayMs ?? 250)),
  };
}

function enqueued(outcome: WebhookOutcome): InboundMessage {
  if (outcome.kind !== "enqueue") throw new Error(`expected enqueue, got ${outcome.kind}`);
  expect(outcome.messages).toHaveLength(1);
  expect(outcome.ack).toEqual({ status: 200, headers: { "content-type": "application/json" }, body: "{}" });
  const [message] = outcome.messages;
  if (!message) throw new Error("no message");
  return message;
}

describe("robot messages: authentication", () => {
  it("accepts a correctly signed message", async () => {
    const message = enqueued(await adapter.handle(robotRequest(singleText)));
    expect(message.id).toBe("msgkefu0single000000001");
  });

  it("rejects a bad sign", async () => {
    const request = robotRequest(singleText, { sign: robotSign("someone-elses-secret", "1700000000000") });
    await expect(async () => adapter.handle(request)).rejects.toThrow(SignatureError);
  });

  it("rejects a message without sign or timestamp headers", async () => {
    const request = robotRequest(singleText);
    delete request.headers.sign;
    await expect(async () => adapter.handle(request)).rejects.toThrow(SignatureError);
    const noTimestamp = robotRequest(singleText);
    delete noTimestamp.headers.timestamp;
    await expect(async () => adapter.handle(noTimestamp)).rejects.toThrow(SignatureError);
  });

  it("accepts a re-delivery a minute later, with the original timestamp", async () => {
    const message = enqueued(await adapter.handle(robotRequest(singleText, { delayMs: 61_000 })));
    expect(message.id).toBe("msgkefu0single000000001");
  });

  it("uses DingTalk's one-hour window, not the shared 300 s one", async () => {
    enqueued(await adapter.handle(robotRequest(singleText, { delayMs: 59 * 60_000 })));
  });

  it("rejects a timestamp more than an hour old", async () => {
    const request = robotRequest(singleText, { delayMs: 3600_000 + 1000 });
    await expect(async () => adapter.handle(request)).rejects.toThrow(StaleTimestampError);
  });

  it("rejects a timestamp more than an hour in the future", async () => {
    const request = robotRequest(singleText, { delayMs: -(3600_000 + 1000) });
    await expect(async () => adapter.handle(request)).rejects.toThrow(StaleTimestampError);
  });

  it("rejects malformed JSON once the signature holds, without quoting it", async () => {
    const request = robotRequest(undefined, { raw: '{"msgId": "secret-customer-text' });
    const error = await Promise.resolve()
      .then(() => adapter.handle(request))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect(String((error as Error).message)).not.toContain("secret-customer-text");
    expect((error as Error).cause).toBeUndefined();
  });

  it("rejects a body that is JSON but not a robot message", async () => {
    const request = robotRequest({ msgtype: "text", text: { content: "hi" } });
    await expect(async () => adapter.handle(request)).rejects.toThrow(MalformedRequestError);
    const badType = robotRequest({ ...singleText, conversationType: "3" });
    await expect(async () => adapter.handle(badType)).rejects.toThrow(MalformedRequestError);
  });

  it("rejects an oversized body before verifying anything", async () => {
    const small = createDingTalkInbound({ credentials, maxBodyBytes: 512 });
    const request = robotRequest({ ...singleText, text: { content: "退".repeat(400) } });
    await expect(async () => small.handle(request)).rejects.toThrow(PayloadTooLargeError);
  });

  it("serves POST only: another method is 405, naming POST", async () => {
    const request = { ...robotRequest(singleText), method: "GET" };
    await expect(async () => adapter.handle(request)).rejects.toMatchObject({
      status: 405,
      allowed: ["POST"],
    });
  });
});

describe("robot messages: normalisation", () => {
  it("normalises a one-to-one text message with everything the reply needs", async () => {
    const message = enqueued(await adapter.handle(robotRequest(singleText)));
    expect(message).toMatchObject({
      channel: "dingtalk",
      conversationKey: "dingtalk:cidkefuSingle000000000==:manager1234",
      sender: { id: "manager1234", name: "王芳" },
      recipient: "dingkefurobot0001",
      kind: "text",
      text: "怎么申请退货？",
      receivedAt: new Date(1613630252678).toISOString(),
      replyContext: {
        conversationType: "1",
        conversationId: "cidkefuSingle000000000==",
        robotCode: "dingkefurobot0001",
        senderStaffId: "manager1234",
        sessionWebhook: "https://oapi.dingtalk.com/robot/sendBySession?session=kefu0session0single",
        sessionWebhookExpiredTime: "1613635652738",
      },
    });
  });

  it("enqueues a group message that @-mentions the robot, per group and sender", async () => {
    const message = enqueued(await adapter.handle(robotRequest(groupAt)));
    expect(message.conversationKey).toBe("dingtalk:cidkefuGroup0000000000==:user123");
    expect(message.text).toBe("你好");
    expect(message.replyContext.conversationType).toBe("2");
  });

  it("answers 200 and enqueues nothing for a group message without the @-mention", async () => {
    const outcome = await adapter.handle(robotRequest(groupNoAt));
    expect(outcome).toEqual({
      kind: "respond",
      response: { status: 200, headers: { "content-type": "application/json" }, body: "{}" },
    });
    const missingFlag: Record<string, unknown> = { ...groupNoAt };
    delete missingFlag.isInAtList;
    expect((await adapter.handle(robotRequest(missingFlag))).kind).toBe("respond");
  });

  it("strips the @-mention that opens a group message", async () => {
    const body = { ...groupAt, text: { content: "@客服小助手\u2005退货 怎么办？" } };
    expect(enqueued(await adapter.handle(robotRequest(body))).text).toBe("退货 怎么办？");
    expect(stripLeadingMentions("@Kefu @Bot  where is my order? cc @alice")).toBe(
      "where is my order? cc @alice",
    );
    expect(stripLeadingMentions("@Kefu")).toBe("");
  });

  it("keeps an @ inside a one-to-one message", async () => {
    const body = { ...singleText, text: { content: "@all 是什么意思" } };
    expect(enqueued(await adapter.handle(robotRequest(body))).text).toBe("@all 是什么意思");
  });

  it("ignores the robot's own messages", async () => {
    const body = { ...groupAt, senderId: groupAt.chatbotUserId };
    expect((await adapter.handle(robotRequest(body))).kind).toBe("respond");
  });

  it("falls back to senderId for members without a staff id, and to our robot code", async () => {
    const body: Record<string, unknown> = { ...groupAt };
    delete body.senderStaffId;
    delete body.robotCode;
    const message = enqueued(await adapter.handle(robotRequest(body)));
    expect(message.sender.id).toBe(groupAt.senderId);
    expect(message.replyContext.senderStaffId).toBeUndefined();
    expect(message.replyContext.robotCode).toBe(credentials.KEFU_DINGTALK_APP_KEY);
  });

  it("normalises pictures, rich text, voice (with its transcript) and files", async () => {
    const picture = enqueued(await adapter.handle(robotRequest(singlePicture)));
    expect(picture).toMatchObject({
      kind: "media",
      text: "",
      attachments: [{ type: "image", ref: "mIofNkefuPictureDownloadCode==" }],
    });

    const rich = enqueued(await adapter.handle(robotRequest(singleRichText)));
    expect(rich).toMatchObject({
      kind: "text",
      text: "这个商品坏了能换吗",
      attachments: [{ type: "image", ref: "mIofNkefuRich1==" }],
    });

    const audio = enqueued(await adapter.handle(robotRequest(singleAudio)));
    expect(audio).toMatchObject({
      kind: "media",
      text: "我的快递到哪了",
      attachments: [{ type: "voice", ref: "mIofNkefuAudio==" }],
    });

    const file = enqueued(await adapter.handle(robotRequest(singleFile)));
    expect(file).toMatchObject({
      kind: "media",
      attachments: [{ type: "file", name: "发票.pdf", ref: "mIofNkefuFile==" }],
    });
  });

  it("passes an unknown message type on as media for a human", async () => {
    const body = { ...singlePicture, msgtype: "interactiveCard", msgId: "msgkefu-unknown" };
    expect(enqueued(await adapter.handle(robotRequest(body)))).toMatchObject({
      kind: "media",
      attachments: [{ type: "other", name: "interactiveCard" }],
    });
  });
});

describe("event subscription pushes", () => {
  const eventCredentials = {
    token: credentials.KEFU_DINGTALK_TOKEN,
    aesKey: credentials.KEFU_DINGTALK_AES_KEY,
    ownerKey: credentials.KEFU_DINGTALK_APP_KEY,
  };

  /** An event push as DingTalk sends it: encrypted body, signature in the query. */
  function eventRequest(
    plaintext: string,
    options: { ownerKey?: string; signedAt?: number; delayMs?: number; tamper?: boolean } = {},
  ): WebhookRequest {
    const signedAt = options.signedAt ?? 1_700_000_000_000;
    const sealed = encryptReply(
      { ...eventCredentials, ownerKey: options.ownerKey ?? eventCredentials.ownerKey },
      plaintext,
      {
        timestamp: String(signedAt),
        nonce: "WL4PK6yA",
      },
    );
    const query = {
      msg_signature: options.tamper
        ? sealed.msg_signature.replace(/^./, (c) => (c === "0" ? "1" : "0"))
        : sealed.msg_signature,
      timestamp: sealed.timeStamp,
      nonce: sealed.nonce,
    };
    return {
      method: "POST",
      path: "/webhooks/dingtalk",
      query,
      rawQueryString: new URLSearchParams(query).toString(),
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ encrypt: sealed.encrypt }),
      receivedAt: new Date(signedAt + (options.delayMs ?? 300)),
    };
  }

  function decryptSuccess(outcome: WebhookOutcome): string {
    if (outcome.kind !== "respond") throw new Error("expected a direct response");
    expect(outcome.response.status).toBe(200);
    const reply = JSON.parse(outcome.response.body) as Record<string, string>;
    expect(Object.keys(reply).sort()).toEqual(["encrypt", "msg_signature", "nonce", "timeStamp"]);
    return decryptEvent(eventCredentials.aesKey, reply.encrypt ?? "", eventCredentials.ownerKey);
  }

  it("answers check_url with an encrypted, signed success (round trip)", async () => {
    const outcome = await adapter.handle(eventRequest('{"EventType":"check_url"}'));
    expect(decryptSuccess(outcome)).toBe("success");
    if (outcome.kind !== "respond") return;
    const reply = JSON.parse(outcome.response.body) as Record<string, string>;
    const { eventSignature } = await import("../../../../shared/channels/dingtalk/inbound");
    expect(
      eventSignature(eventCredentials.token, reply.timeStamp ?? "", reply.nonce ?? "", reply.encrypt ?? ""),
    ).toBe(reply.msg_signature);
  });

  it("acknowledges other events the same way and enqueues nothing", async () => {
    const outcome = await adapter.handle(eventRequest('{"EventType":"user_add_org","UserId":["u1"]}'));
    expect(outcome.kind).toBe("respond");
    expect(decryptSuccess(outcome)).toBe("success");
  });

  it("accepts the official SDK's check_url push with the official credentials", async () => {
    const v = vectors.eventCrypto;
    const official = createDingTalkInbound({
      credentials: {
        ...credentials,
        KEFU_DINGTALK_TOKEN: v.token,
        KEFU_DINGTALK_AES_KEY: v.aesKey,
        KEFU_DINGTALK_APP_KEY: v.ownerKey,
      },
      maxBodyBytes: 64 * 1024,
    });
    const outcome = await official.handle({
      method: "POST",
      path: "/webhooks/dingtalk",
      query: { msg_signature: v.msgSignature, timestamp: v.timestamp, nonce: v.nonce },
      rawQueryString: "",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ encrypt: v.encrypt }),
      receivedAt: new Date(Number(v.timestamp) + 1000),
    });
    expect(outcome.kind).toBe("respond");
  });

  it("rejects a wrong msg_signature", async () => {
    const request = eventRequest('{"EventType":"check_url"}', { tamper: true });
    await expect(async () => adapter.handle(request)).rejects.toThrow(SignatureError);
  });

  it("rejects an event encrypted for another app key", async () => {
    const request = eventRequest('{"EventType":"check_url"}', { ownerKey: "dingsomeotherapp0001" });
    await expect(async () => adapter.handle(request)).rejects.toThrow(SignatureError);
  });

  it("rejects a stale event timestamp", async () => {
    const request = eventRequest('{"EventType":"check_url"}', { delayMs: 2 * 3600_000 });
    await expect(async () => adapter.handle(request)).rejects.toThrow(StaleTimestampError);
  });

  it("rejects an event push without encrypt, or a decrypted body without EventType", async () => {
    const request = eventRequest('{"EventType":"check_url"}');
    await expect(async () => adapter.handle({ ...request, body: "{}" })).rejects.toThrow(
      MalformedRequestError,
    );
    await expect(async () => adapter.handle(eventRequest('{"Other":1}'))).rejects.toThrow(
      MalformedRequestError,
    );
  });

  it("rejects a request signed neither way", async () => {
    const request = { ...robotRequest(singleText), headers: { "content-type": "application/json" } };
    await expect(async () => adapter.handle(request)).rejects.toThrow(SignatureError);
  });
});
