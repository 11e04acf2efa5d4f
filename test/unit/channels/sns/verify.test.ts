import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  localSnsCertificatePem,
  signSnsNotification,
  signSnsSubscriptionConfirmation,
} from "../../../../local/simulator/sns-signer";
import {
  clearSnsCertificateCache,
  confirmSnsSubscription,
  snsHostOf,
  snsStringToSign,
  verifySnsMessage,
} from "../../../../shared/channels/sns/verify";
import { MalformedRequestError, SignatureError, StaleTimestampError } from "../../../../shared/core/errors";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:kefu-email";
const AWS_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000.pem";
const LOCAL_CERT_URL = "http://127.0.0.1:3000/sim/sns/cert.pem";
const PEM = localSnsCertificatePem();
const KEY = readFileSync(new URL("../../../../local/simulator/sns-cert/key.pem", import.meta.url), "utf8");

/** An AWS-mode verifier whose "download" returns the local certificate, so signatures can be made here. */
function awsOptions(now = new Date()) {
  const fetchCertificate = vi.fn(async (_url: string) => PEM);
  return { options: { local: false, fetchCertificate, now }, fetchCertificate };
}

function tamper(body: string, change: (json: Record<string, string>) => void): string {
  const json = JSON.parse(body) as Record<string, string>;
  change(json);
  return JSON.stringify(json);
}

beforeEach(() => clearSnsCertificateCache());

describe("SNS string to sign", () => {
  it("uses the notification field order and skips a missing Subject", () => {
    const base = { Type: "Notification", MessageId: "m", TopicArn: "t", Message: "x", Timestamp: "ts" };
    expect(snsStringToSign(base)).toBe(
      "Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n",
    );
    expect(snsStringToSign({ ...base, Subject: "s" })).toContain("MessageId\nm\nSubject\ns\nTimestamp\n");
  });

  it("uses SubscribeURL and Token for confirmations", () => {
    const s = snsStringToSign({
      Type: "SubscriptionConfirmation",
      MessageId: "m",
      TopicArn: "t",
      Message: "x",
      Timestamp: "ts",
      SubscribeURL: "u",
      Token: "k",
    });
    expect(s).toBe(
      "Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nSubscriptionConfirmation\n",
    );
  });
});

describe("verifySnsMessage", () => {
  for (const version of ["1", "2"] as const) {
    it(`accepts a SignatureVersion ${version} notification from an SNS host and caches the certificate`, async () => {
      const body = signSnsNotification(
        {
          topicArn: TOPIC,
          message: '{"a":"多字节\\n"}',
          subject: "Amazon SES Email Receipt",
          certUrl: AWS_CERT_URL,
        },
        { signatureVersion: version },
      );
      const { options, fetchCertificate } = awsOptions();
      const envelope = await verifySnsMessage(body, options);
      expect(envelope.Type).toBe("Notification");
      expect(envelope.Message).toBe('{"a":"多字节\\n"}');
      await verifySnsMessage(body, options);
      expect(fetchCertificate).toHaveBeenCalledTimes(1);
      expect(fetchCertificate).toHaveBeenCalledWith(AWS_CERT_URL);
    });

    it(`rejects a tampered Message (v${version})`, async () => {
      const body = signSnsNotification(
        { topicArn: TOPIC, message: "original", certUrl: AWS_CERT_URL },
        { signatureVersion: version },
      );
      const forged = tamper(body, (j) => {
        j.Message = "forged";
      });
      await expect(verifySnsMessage(forged, awsOptions().options)).rejects.toBeInstanceOf(SignatureError);
    });
  }

  it("rejects a v1 signature presented as v2 (and vice versa)", async () => {
    const body = signSnsNotification(
      { topicArn: TOPIC, message: "m", certUrl: AWS_CERT_URL },
      { signatureVersion: "1" },
    );
    const relabelled = tamper(body, (j) => {
      j.SignatureVersion = "2";
    });
    await expect(verifySnsMessage(relabelled, awsOptions().options)).rejects.toBeInstanceOf(SignatureError);
  });

  it("rejects a signature over the fields in the wrong order", async () => {
    const envelope: Record<string, string> = {
      Type: "Notification",
      MessageId: "11111111-2222-3333-4444-555555555555",
      TopicArn: TOPIC,
      Message: "hello",
      Timestamp: new Date().toISOString(),
      SignatureVersion: "2",
      SigningCertURL: AWS_CERT_URL,
    };
    // Declaration order instead of the alphabetical order SNS uses.
    const wrong = ["Type", "MessageId", "TopicArn", "Message", "Timestamp"]
      .map((k) => `${k}\n${envelope[k]}\n`)
      .join("");
    const signer = createSign("RSA-SHA256");
    signer.update(wrong);
    envelope.Signature = signer.sign(KEY, "base64");
    await expect(verifySnsMessage(JSON.stringify(envelope), awsOptions().options)).rejects.toBeInstanceOf(
      SignatureError,
    );
  });

  it.each([
    ["a non-SNS host", "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem"],
    ["a lookalike host", "https://evil.example/sns.us-east-1.amazonaws.com/cert.pem"],
    ["plain http", "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"],
    ["an S3 host", "https://s3.amazonaws.com/bucket/cert.pem"],
    ["a non-pem path", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"],
    ["userinfo", "https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem"],
    ["another region's SNS host", "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0a.pem"],
    [
      "the China suffix for a global topic",
      "https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-0a.pem",
    ],
    ["another .pem on the SNS host", "https://sns.us-east-1.amazonaws.com/evil.pem"],
    [
      "a certificate name that is not hex",
      "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-xyz.pem",
    ],
    ["a certificate in a sub-path", "https://sns.us-east-1.amazonaws.com/a/SimpleNotificationService-0a.pem"],
    ["a query string", "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a.pem?x=1"],
    ["an explicit port", "https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0a.pem"],
  ])("rejects a SigningCertURL on %s without fetching it", async (_label, certUrl) => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl });
    const { options, fetchCertificate } = awsOptions();
    await expect(verifySnsMessage(body, options)).rejects.toBeInstanceOf(SignatureError);
    expect(fetchCertificate).not.toHaveBeenCalled();
  });

  it.each([
    ["arn:aws:sns:us-east-1:123456789012:kefu-email", "sns.us-east-1.amazonaws.com"],
    ["arn:aws:sns:ap-southeast-1:123456789012:kefu.fifo", "sns.ap-southeast-1.amazonaws.com"],
    ["arn:aws-cn:sns:cn-north-1:123456789012:kefu-email", "sns.cn-north-1.amazonaws.com.cn"],
    ["arn:aws-us-gov:sns:us-gov-west-1:123456789012:kefu", "sns.us-gov-west-1.amazonaws.com"],
    ["arn:aws:sns:us-east-1.evil.example:123456789012:x", undefined],
    ["arn:aws:sqs:us-east-1:123456789012:kefu", undefined],
    ["not an arn", undefined],
  ])("derives the SNS host of topic %s", (arn, host) => {
    expect(snsHostOf(arn)).toBe(host);
  });

  it("accepts a certificate from the China partition's host for a China topic only", async () => {
    const chinaTopic = "arn:aws-cn:sns:cn-north-1:123456789012:kefu-email";
    const china = "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem";
    const body = signSnsNotification({ topicArn: chinaTopic, message: "m", certUrl: china });
    await expect(verifySnsMessage(body, awsOptions().options)).resolves.toBeTruthy();
    const global = signSnsNotification({
      topicArn: chinaTopic,
      message: "m",
      certUrl: "https://sns.cn-north-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
    });
    await expect(verifySnsMessage(global, awsOptions().options)).rejects.toBeInstanceOf(SignatureError);
  });

  it("rejects an unknown SignatureVersion", async () => {
    const body = tamper(
      signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: AWS_CERT_URL }),
      (j) => {
        j.SignatureVersion = "3";
      },
    );
    await expect(verifySnsMessage(body, awsOptions().options)).rejects.toThrow(/SignatureVersion/);
  });

  it("rejects a message older than an hour, even with a valid signature", async () => {
    const sent = new Date("2025-03-01T10:00:00Z");
    const body = signSnsNotification(
      { topicArn: TOPIC, message: "m", certUrl: AWS_CERT_URL },
      { timestamp: sent },
    );
    const fresh = awsOptions(new Date(sent.getTime() + 59 * 60_000)).options;
    await expect(verifySnsMessage(body, fresh)).resolves.toBeTruthy();
    const stale = awsOptions(new Date(sent.getTime() + 61 * 60_000)).options;
    await expect(verifySnsMessage(body, stale)).rejects.toBeInstanceOf(StaleTimestampError);
  });

  it("rejects bodies that are not SNS messages", async () => {
    const { options } = awsOptions();
    await expect(verifySnsMessage("not json", options)).rejects.toBeInstanceOf(MalformedRequestError);
    await expect(verifySnsMessage('{"Type":"Notification"}', options)).rejects.toBeInstanceOf(
      MalformedRequestError,
    );
  });

  it("reports a certificate download failure as a plain error (SNS retries), not a forgery", async () => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: AWS_CERT_URL });
    const options = { local: false, fetchCertificate: async () => Promise.reject(new Error("timeout")) };
    const error = await verifySnsMessage(body, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SignatureError);
  });

  it("rejects a signature made with another key", async () => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: AWS_CERT_URL });
    const { generateKeyPairSync } = await import("node:crypto");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = tamper(body, (j) => {
      const signer = createSign("RSA-SHA256");
      signer.update(snsStringToSign(j));
      j.Signature = signer.sign(other.privateKey, "base64");
    });
    await expect(verifySnsMessage(forged, awsOptions().options)).rejects.toBeInstanceOf(SignatureError);
  });
});

describe("local mode", () => {
  it("trusts the simulator certificate given as PEM, whatever the URL", async () => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: LOCAL_CERT_URL });
    const envelope = await verifySnsMessage(body, { local: true, localCertificatePem: PEM });
    expect(envelope.Message).toBe("m");
  });

  it("fetches only the loopback simulator URL", async () => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: LOCAL_CERT_URL });
    const fetchCertificate = vi.fn(async () => PEM);
    await expect(verifySnsMessage(body, { local: true, fetchCertificate })).resolves.toBeTruthy();
    const elsewhere = signSnsNotification({
      topicArn: TOPIC,
      message: "m",
      certUrl: "http://evil.example/sim/sns/cert.pem",
    });
    await expect(verifySnsMessage(elsewhere, { local: true, fetchCertificate })).rejects.toBeInstanceOf(
      SignatureError,
    );
  });

  it("does not trust the local certificate URL outside local mode", async () => {
    const body = signSnsNotification({ topicArn: TOPIC, message: "m", certUrl: LOCAL_CERT_URL });
    const { options, fetchCertificate } = awsOptions();
    await expect(verifySnsMessage(body, options)).rejects.toBeInstanceOf(SignatureError);
    expect(fetchCertificate).not.toHaveBeenCalled();
  });
});

describe("subscription confirmation", () => {
  it("verifies a SubscriptionConfirmation and visits its SNS SubscribeURL", async () => {
    const subscribeUrl =
      "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:kefu-email&Token=abc";
    const body = signSnsSubscriptionConfirmation({ topicArn: TOPIC, certUrl: AWS_CERT_URL, subscribeUrl });
    const envelope = await verifySnsMessage(body, awsOptions().options);
    expect(envelope.Type).toBe("SubscriptionConfirmation");
    const get = vi.fn(async () => {});
    await confirmSnsSubscription(envelope, get);
    expect(get).toHaveBeenCalledWith(subscribeUrl);
  });

  it("rejects a confirmation whose signed SubscribeURL was altered", async () => {
    const body = signSnsSubscriptionConfirmation({
      topicArn: TOPIC,
      certUrl: AWS_CERT_URL,
      subscribeUrl: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc",
    });
    const forged = tamper(body, (j) => {
      j.SubscribeURL = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=evil";
    });
    await expect(verifySnsMessage(forged, awsOptions().options)).rejects.toBeInstanceOf(SignatureError);
  });

  it("refuses to visit a SubscribeURL on another region's SNS host", async () => {
    const body = signSnsSubscriptionConfirmation({
      topicArn: TOPIC,
      certUrl: AWS_CERT_URL,
      subscribeUrl: "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc",
    });
    const envelope = await verifySnsMessage(body, awsOptions().options);
    const get = vi.fn(async () => {});
    await expect(confirmSnsSubscription(envelope, get)).rejects.toBeInstanceOf(MalformedRequestError);
    expect(get).not.toHaveBeenCalled();
  });

  it("refuses to visit a SubscribeURL off SNS", async () => {
    const body = signSnsSubscriptionConfirmation({
      topicArn: TOPIC,
      certUrl: AWS_CERT_URL,
      subscribeUrl: "https://internal.example/admin",
    });
    const envelope = await verifySnsMessage(body, awsOptions().options);
    const get = vi.fn(async () => {});
    await expect(confirmSnsSubscription(envelope, get)).rejects.toBeInstanceOf(MalformedRequestError);
    expect(get).not.toHaveBeenCalled();
  });
});
