import { createVerify, type KeyObject, X509Certificate } from "node:crypto";
import * as z from "zod/mini";
import { MalformedRequestError, SignatureError, StaleTimestampError } from "../../core/errors";

/**
 * Amazon SNS HTTP(S) deliveries (SES receipt notifications, inbound SMS from End User Messaging):
 * signature verification, shared by every channel that receives through an SNS topic.
 *
 * The string to sign is "Name\nValue\n" for a fixed set of fields in a fixed (alphabetical) order,
 * which differs between notifications and (un)subscription confirmations. The certificate must be
 * exactly `https://sns.<region of the TopicArn>.amazonaws.com[.cn]/SimpleNotificationService-<hex>.pem`:
 * any other URL lets an attacker bring their own key (an open redirect or an upload elsewhere on an AWS
 * host would be enough), and another region's endpoint is never the one that signed our topic.
 *
 * SignatureVersion: SNS signs with the version set on the topic, 1 (SHA1withRSA, the default for a new
 * topic) or 2 (SHA256withRSA). Both are accepted, each checked with its own algorithm, never one in place
 * of the other. Accepting 1 is safe here because forging it takes a SHA-1 collision between a message
 * SNS signs for our topic and the forgery: our topics only take messages from SES and End User
 * Messaging, and the signed string starts with content SES builds around an id and a time the attacker
 * learns only afterwards, so there is no prefix to precompute a collision for (SHAttered and chosen-prefix
 * attacks both need one). Version 2 is still preferable: set `SignatureVersion` 2 on the topics.
 */

export const SnsEnvelopeSchema = z.object({
  Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  MessageId: z.string().check(z.minLength(1)),
  TopicArn: z.string().check(z.minLength(1)),
  Message: z.string(),
  Timestamp: z.string().check(z.minLength(1)),
  SignatureVersion: z.string().check(z.minLength(1)),
  Signature: z.string().check(z.minLength(1)),
  SigningCertURL: z.string().check(z.minLength(1)),
  Subject: z.optional(z.string()),
  SubscribeURL: z.optional(z.string()),
  Token: z.optional(z.string()),
  UnsubscribeURL: z.optional(z.string()),
  MessageAttributes: z.optional(z.record(z.string(), z.unknown())),
});
export type SnsEnvelope = z.infer<typeof SnsEnvelopeSchema>;

/** The signed fields, in the order SNS signs them; optional ones are skipped when absent. */
const NOTIFICATION_FIELDS = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] as const;
const CONFIRMATION_FIELDS = [
  "Message",
  "MessageId",
  "SubscribeURL",
  "Timestamp",
  "Token",
  "TopicArn",
  "Type",
] as const;

const ALGORITHMS: Record<string, string> = { "1": "RSA-SHA1", "2": "RSA-SHA256" };

/**
 * SNS retries an HTTP delivery for at most an hour (the delivery policy caps the total retry time at
 * 3600 s) and keeps the original Timestamp, so an older message can only be a replay.
 */
export const SNS_MAX_AGE_SECONDS = 3600;
/** Tolerated clock skew for a Timestamp in the future. */
const FUTURE_SKEW_SECONDS = 300;

export interface VerifySnsOptions {
  /** Local mode: only the simulator's certificate is trusted (never a real SNS one). */
  local: boolean;
  /** Downloads a certificate PEM (default: global fetch). Only ever called with vetted URLs. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** The clock (tests). */
  now?: Date;
  /** Local mode: the simulator's certificate; when given, SigningCertURL is not fetched at all. */
  localCertificatePem?: string;
  /** Oldest accepted Timestamp, in seconds (default SNS_MAX_AGE_SECONDS). */
  maxAgeSeconds?: number;
}

/** The canonical string SNS signs for this message type. */
export function snsStringToSign(envelope: Record<string, unknown>): string {
  const fields = envelope.Type === "Notification" ? NOTIFICATION_FIELDS : CONFIRMATION_FIELDS;
  let out = "";
  for (const name of fields) {
    const value = envelope[name];
    if (value === undefined || value === null) {
      if (name === "Subject") continue;
      throw new MalformedRequestError(`SNS message without ${name}`);
    }
    if (typeof value !== "string") throw new MalformedRequestError(`SNS field ${name} is not a string`);
    out += `${name}\n${value}\n`;
  }
  return out;
}

/** `arn:<partition>:sns:<region>:<account>:<topic>` in the partitions whose SNS hosts we know. */
const TOPIC_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):sns:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):\d{12}:[\w-]{1,256}(?:\.fifo)?$/;

/** The SNS endpoint of the topic's region (`.amazonaws.com.cn` in China), or undefined for a bad ARN. */
export function snsHostOf(topicArn: string): string | undefined {
  const match = TOPIC_ARN.exec(topicArn);
  if (!match) return undefined;
  const [, partition, region] = match;
  return `sns.${region}.amazonaws.com${partition === "aws-cn" ? ".cn" : ""}`;
}

/** An https URL on exactly the SNS endpoint of the topic's region: no port, no credentials. */
function onSnsHostOf(raw: string, topicArn: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const host = snsHostOf(topicArn);
  const clean = url.protocol === "https:" && url.port === "" && url.username === "" && url.password === "";
  return host && clean && url.hostname === host ? url : undefined;
}

/** The one path SNS serves its signing certificates at. */
const CERT_PATH = /^\/SimpleNotificationService-[0-9a-f]+\.pem$/;

/** The local simulator serves its certificate from loopback only; no other host is trusted locally. */
export function isLocalSimulatorCertUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  return (
    (url.protocol === "http:" || url.protocol === "https:") &&
    loopback &&
    url.pathname === "/sim/sns/cert.pem"
  );
}

function certUrlIsTrusted(raw: string, topicArn: string, local: boolean): boolean {
  if (local) return isLocalSimulatorCertUrl(raw);
  const url = onSnsHostOf(raw, topicArn);
  return !!url && CERT_PATH.test(url.pathname) && url.search === "" && url.hash === "";
}

/** Public keys by certificate URL: SNS rotates certificates rarely, and each fetch costs a round trip. */
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 32;

async function defaultFetchCertificate(url: string): Promise<string> {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`certificate download failed with HTTP ${response.status}`);
  return response.text();
}

function publicKeyOf(pem: string, now: Date): KeyObject {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (cause) {
    throw new SignatureError("SNS signing certificate is not a valid X.509 certificate", { cause });
  }
  const t = now.getTime();
  if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) {
    throw new SignatureError("SNS signing certificate is outside its validity period");
  }
  return cert.publicKey;
}

async function signingKey(envelope: SnsEnvelope, options: VerifySnsOptions, now: Date): Promise<KeyObject> {
  if (options.local && options.localCertificatePem) return publicKeyOf(options.localCertificatePem, now);
  const url = envelope.SigningCertURL;
  if (!certUrlIsTrusted(url, envelope.TopicArn, options.local)) {
    throw new SignatureError("SigningCertURL is not an SNS certificate of the topic's region");
  }
  const cacheKey = `${options.local ? "local" : "aws"} ${url}`;
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  let pem: string;
  try {
    pem = await (options.fetchCertificate ?? defaultFetchCertificate)(url);
  } catch (cause) {
    // Not a forgery, but we cannot tell: a 5xx lets SNS retry once the certificate host answers.
    throw new Error("could not download the SNS signing certificate", { cause });
  }
  const key = publicKeyOf(pem, now);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

/** Forgets cached certificates (tests). */
export function clearSnsCertificateCache(): void {
  keyCache.clear();
}

function parseEnvelope(body: string): SnsEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new MalformedRequestError("SNS body is not JSON", { cause });
  }
  const parsed = SnsEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new MalformedRequestError(`not an SNS message (${fields})`);
  }
  return parsed.data;
}

function checkTimestamp(envelope: SnsEnvelope, now: Date, maxAgeSeconds: number): void {
  const sent = Date.parse(envelope.Timestamp);
  if (Number.isNaN(sent)) throw new MalformedRequestError("SNS Timestamp is not a date");
  const age = (now.getTime() - sent) / 1000;
  if (age > maxAgeSeconds || age < -FUTURE_SKEW_SECONDS) throw new StaleTimestampError();
}

/**
 * Parses and authenticates one SNS HTTP delivery. Throws MalformedRequestError (not an SNS message),
 * SignatureError (bad signature, untrusted certificate URL, unknown SignatureVersion) or
 * StaleTimestampError (older than `maxAgeSeconds`: a replay).
 */
export async function verifySnsMessage(body: string, options: VerifySnsOptions): Promise<SnsEnvelope> {
  const envelope = parseEnvelope(body);
  const algorithm = ALGORITHMS[envelope.SignatureVersion];
  if (!algorithm) throw new SignatureError(`unknown SNS SignatureVersion ${envelope.SignatureVersion}`);
  const now = options.now ?? new Date();
  const stringToSign = snsStringToSign(envelope);
  const key = await signingKey(envelope, options, now);
  const signature = Buffer.from(envelope.Signature, "base64");
  const verifier = createVerify(algorithm);
  verifier.update(stringToSign, "utf8");
  let valid = false;
  try {
    valid = verifier.verify(key, signature);
  } catch (cause) {
    throw new SignatureError("SNS signature could not be checked", { cause });
  }
  if (!valid) throw new SignatureError("SNS signature mismatch");
  checkTimestamp(envelope, now, options.maxAgeSeconds ?? SNS_MAX_AGE_SECONDS);
  return envelope;
}

/**
 * Confirms an HTTP subscription by visiting its SubscribeURL, which must be on the SNS endpoint of the
 * topic's region: the URL comes from the (verified) message, but we still refuse to GET anything else on
 * its say-so.
 */
export async function confirmSnsSubscription(
  envelope: SnsEnvelope,
  get: (url: string) => Promise<void> = defaultGet,
): Promise<void> {
  const url = envelope.SubscribeURL;
  if (!url || !onSnsHostOf(url, envelope.TopicArn)) {
    throw new MalformedRequestError("SubscribeURL is not on the SNS endpoint of the topic's region");
  }
  await get(url);
}

async function defaultGet(url: string): Promise<void> {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`subscription confirmation failed with HTTP ${response.status}`);
}
