import { createSign, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { snsStringToSign } from "../../shared/channels/sns/verify";
import type { ChannelSimulator } from "./outbox";

/**
 * Signs SNS HTTP deliveries the way Amazon SNS does, with the committed LOCAL-ONLY key
 * (local/simulator/sns-cert/, see its README). Kefu trusts this key in local mode only.
 */

const certDir = new URL("./sns-cert/", import.meta.url);
let cached: { key: string; cert: string } | undefined;

function material(): { key: string; cert: string } {
  cached ??= {
    key: readFileSync(new URL("key.pem", certDir), "utf8"),
    cert: readFileSync(new URL("cert.pem", certDir), "utf8"),
  };
  return cached;
}

/** The simulator's certificate (PEM), as served at `/sim/sns/cert.pem`. */
export function localSnsCertificatePem(): string {
  return material().cert;
}

/** Path under the local stack where the certificate is served; SigningCertURL = `${url}${this}`. */
export const LOCAL_SNS_CERT_PATH = "/sim/sns/cert.pem";

export interface SignOptions {
  /** "1" (SHA1withRSA) or "2" (SHA256withRSA, the default for new topics). */
  signatureVersion?: "1" | "2";
  messageId?: string;
  timestamp?: Date;
}

function sign(fields: Record<string, string | undefined>, options: SignOptions): string {
  const signatureVersion = options.signatureVersion ?? "2";
  const envelope: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) envelope[name] = value;
  envelope.MessageId = options.messageId ?? randomUUID();
  envelope.Timestamp = (options.timestamp ?? new Date()).toISOString();
  envelope.SignatureVersion = signatureVersion;
  const signer = createSign(signatureVersion === "1" ? "RSA-SHA1" : "RSA-SHA256");
  signer.update(snsStringToSign(envelope), "utf8");
  envelope.Signature = signer.sign(material().key, "base64");
  return JSON.stringify(envelope);
}

/** The JSON body SNS would POST to an HTTPS subscription for one published message. */
export function signSnsNotification(
  input: { topicArn: string; message: string; subject?: string; certUrl: string },
  options: SignOptions = {},
): string {
  return sign(
    {
      Type: "Notification",
      TopicArn: input.topicArn,
      Subject: input.subject,
      Message: input.message,
      SigningCertURL: input.certUrl,
      UnsubscribeURL: `${new URL(input.certUrl).origin}/?Action=Unsubscribe&SubscriptionArn=${input.topicArn}:local`,
    },
    options,
  );
}

/** The JSON body SNS POSTs when an HTTPS endpoint is subscribed to a topic. */
export function signSnsSubscriptionConfirmation(
  input: { topicArn: string; certUrl: string; subscribeUrl: string; token?: string },
  options: SignOptions = {},
): string {
  return sign(
    {
      Type: "SubscriptionConfirmation",
      TopicArn: input.topicArn,
      Token: input.token ?? randomUUID().replace(/-/g, ""),
      Message: `You have chosen to subscribe to the topic ${input.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
      SubscribeURL: input.subscribeUrl,
      SigningCertURL: input.certUrl,
    },
    options,
  );
}

/** Serves the simulator's certificate at `/sim/sns/cert.pem`, where its notifications point. */
export function snsCertificateSimulator(): ChannelSimulator {
  return {
    channel: "sns",
    prefix: "/sim/sns",
    handle(request) {
      if (request.method === "GET" && request.path === "/cert.pem") {
        return { status: 200, body: localSnsCertificatePem() };
      }
      return { status: 404, body: { error: "unknown simulator path" } };
    },
  };
}
