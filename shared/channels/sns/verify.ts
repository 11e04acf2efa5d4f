import { createVerify, type KeyObject, X509Certificate } from "node:crypto";
import { z } from "zod";
import { MalformedRequestError, SignatureError, StaleTimestampError } from "../../core/errors";

/**
 * Amazon SNS HTTP(S) deliveries (SES receipt notifications, inbound SMS from End User Messaging):
 * signature verification, shared by every channel that receives through an SNS topic.
 *
 * The string to sign is "Name\nValue\n" for a fixed set of fields in a fixed (alphabetical) order,
 * which differs between notifications and (un)subscription confirmations. SignatureVersion 1 is
 * SHA1withRSA, 2 is SHA256withRSA. The certificate must come over https from an SNS host; anything
 * else lets an attacker bring their own key.
 */

export const SnsEnvelopeSchema = z.object({
  Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string().min(1),
  SignatureVersion: z.string().min(1),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
  Subject: z.string().optional(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
  UnsubscribeURL: z.string().optional(),
  MessageAttributes: z.record(z.string(), z.unknown()).optional(),
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

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** True for https URLs on an SNS regional endpoint (certificates, SubscribeURL). */
export function isSnsUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" &&
    SNS_HOST.test(url.hostname) &&
    url.port === "" &&
    url.username === "" &&
    url.password === ""
  );
}

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

function certUrlIsTrusted(raw: string, local: boolean): boolean {
  if (local) return isLocalSimulatorCertUrl(raw);
  if (!isSnsUrl(raw)) return false;
  return new URL(raw).pathname.endsWith(".pem");
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
  if (!certUrlIsTrusted(url, options.local)) {
    throw new SignatureError("SigningCertURL is not an https URL on an SNS host");
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
 * Confirms an HTTP subscription by visiting its SubscribeURL, which must be on an SNS host: the URL
 * comes from the (verified) message, but we still refuse to GET anything else on its say-so.
 */
export async function confirmSnsSubscription(
  envelope: SnsEnvelope,
  get: (url: string) => Promise<void> = defaultGet,
): Promise<void> {
  const url = envelope.SubscribeURL;
  if (!url || !isSnsUrl(url)) throw new MalformedRequestError("SubscribeURL is not an https SNS URL");
  await get(url);
}

async function defaultGet(url: string): Promise<void> {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`subscription confirmation failed with HTTP ${response.status}`);
}
