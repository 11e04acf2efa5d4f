import * as z from "zod/mini";
import { KefuError, MalformedRequestError } from "../../core/errors";

/**
 * The SES receipt-rule notification carried in an SNS Message: `notificationType: "Received"`, the
 * `mail` metadata, the `receipt` verdicts and action, and — for the SNS action — the raw message in
 * `content` (UTF-8 or base64 as the action's `encoding` says, up to 150 KB). The S3 action stores the
 * message in a bucket and names it in `receipt.action`.
 */

const Verdict = z.object({ status: z.optional(z.string()) });

export const SesReceivedSchema = z.object({
  notificationType: z.literal("Received"),
  mail: z.looseObject({
    messageId: z.string().check(z.minLength(1)),
    timestamp: z.optional(z.string()),
    source: z.optional(z.string()),
    destination: z.optional(z.array(z.string())),
  }),
  receipt: z.looseObject({
    timestamp: z.optional(z.string()),
    recipients: z.optional(z.array(z.string())),
    spamVerdict: z.optional(Verdict),
    virusVerdict: z.optional(Verdict),
    // Sender authentication (see auth.ts); absent when the receipt rule does not scan.
    spfVerdict: z.optional(Verdict),
    dkimVerdict: z.optional(Verdict),
    dmarcVerdict: z.optional(Verdict),
    dmarcPolicy: z.optional(z.string()),
    action: z.looseObject({
      type: z.string(),
      encoding: z.optional(z.string()),
      bucketName: z.optional(z.string()),
      objectKey: z.optional(z.string()),
    }),
  }),
  content: z.optional(z.string()),
});
export type SesReceived = z.infer<typeof SesReceivedSchema>;

/**
 * What SES publishes to a topic once, when the topic is set up for it: nothing to answer. Any other
 * type than Received (Bounce, Complaint, Delivery: another feature's topic pointed here) is refused.
 */
export const SES_SETUP_NOTIFICATION = "AmazonSnsSubscriptionSucceeded";

/** Another SES notification than a received mail or the setup one: a topic wired to the wrong feature. */
export class UnexpectedNotificationError extends KefuError {
  constructor(readonly notificationType: string) {
    super(400, "unexpected_notification", "the SNS Message is not an SES receipt notification");
  }
}

/**
 * The SES receipt notification in an SNS Message; undefined for SES's setup notification. Throws
 * MalformedRequestError for anything else (not JSON, not a notification, a malformed one), with
 * UnexpectedNotificationError for another SES notification type.
 */
export function parseSesNotification(message: string): SesReceived | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch (cause) {
    throw new MalformedRequestError("SNS Message is not an SES notification", { cause });
  }
  const type = (json as { notificationType?: unknown } | null)?.notificationType;
  if (type === SES_SETUP_NOTIFICATION) return undefined;
  if (type !== "Received") {
    // The type names SES's notification kinds, never content: bounded, it is safe to log.
    throw new UnexpectedNotificationError(typeof type === "string" ? type.slice(0, 40) : "none");
  }
  const parsed = SesReceivedSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
    throw new MalformedRequestError(`malformed SES receipt notification (${fields})`);
  }
  return parsed.data;
}

/** The raw RFC 822 bytes: inline for the SNS action, from S3 for the S3 action. */
export async function rawMail(
  notification: SesReceived,
  blobs: { get(bucket: string, key: string): Promise<Uint8Array> },
): Promise<{ bytes: Uint8Array; rawRef: string }> {
  const { action } = notification.receipt;
  const ref = `ses:${notification.mail.messageId}`;
  if (notification.content !== undefined) {
    // UTF-8 encoding cannot carry 8-bit bodies in other charsets intact: configure the action as BASE64.
    const bytes =
      action.encoding?.toUpperCase() === "BASE64"
        ? Buffer.from(notification.content, "base64")
        : Buffer.from(notification.content, "utf8");
    return { bytes, rawRef: ref };
  }
  if (action.type === "S3" && action.bucketName && action.objectKey) {
    const bytes = await blobs.get(action.bucketName, action.objectKey);
    return { bytes, rawRef: `s3://${action.bucketName}/${action.objectKey}` };
  }
  throw new MalformedRequestError(`SES notification without content (action ${action.type})`);
}

/** SES marks spam and viruses FAIL; GRAY and PROCESSING_FAILED are answered (a human may look). */
export function failedVerdict(notification: SesReceived): "spam" | "virus" | undefined {
  if (notification.receipt.virusVerdict?.status?.toUpperCase() === "FAIL") return "virus";
  if (notification.receipt.spamVerdict?.status?.toUpperCase() === "FAIL") return "spam";
  return undefined;
}
