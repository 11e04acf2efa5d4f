/**
 * Named errors with an HTTP status. The webhook handler maps them to responses in one place; anything
 * else is a 500 (and the platform retries).
 */
export class KefuError extends Error {
  readonly status: number;
  /** A short code safe to log and to return: never contains the request body. */
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
  }
}

/** Signature, msg_signature or HMAC did not match. */
export class SignatureError extends KefuError {
  constructor(message = "signature mismatch", options?: { cause?: unknown }) {
    super(401, "bad_signature", message, options);
  }
}

/** The request's timestamp is outside the accepted window (a replay, or a badly skewed clock). */
export class StaleTimestampError extends KefuError {
  constructor(message = "timestamp outside the accepted window") {
    super(401, "stale_timestamp", message);
  }
}

/** The body could not be parsed, decrypted or validated. */
export class MalformedRequestError extends KefuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, "malformed_request", message, options);
  }
}

/** A method the endpoint does not take (a PUT to a webhook): 405, with the methods it does (`Allow`). */
export class MethodNotAllowedError extends KefuError {
  constructor(readonly allowed: readonly string[]) {
    super(
      405,
      "method_not_allowed",
      `only ${allowed.join(" and ")} ${allowed.length > 1 ? "are" : "is"} served`,
    );
  }
}

/** 413, as API Gateway itself refuses a body over its 10 MB. */
export class PayloadTooLargeError extends KefuError {
  constructor(limitBytes: number) {
    super(413, "payload_too_large", `body exceeds ${limitBytes} bytes`);
  }
}

export class NotFoundError extends KefuError {
  constructor(message = "not found") {
    super(404, "not_found", message);
  }
}

/** A platform API refused or failed a call; `retryable` says whether trying again may help. */
export class ChannelApiError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ChannelApiError";
    this.retryable = options.retryable;
  }
}

/**
 * A send whose outcome is unknown (shared/channels/http.ts: timed out, or the connection dropped, after the request went out) on an API without an
 * idempotency key: it is not tried again within the invocation, where a retry a moment later would
 * simply deliver the reply twice. The pipeline writes the unknown outcome in the outbox and the message
 * returns to the queue, whose redelivery sends the part again (at least once: see README, Reliability).
 */
export class DeliveryUnknownError extends ChannelApiError {
  readonly code = "delivery_unknown";
  constructor(label: string, cause: unknown) {
    super(`${label}: no answer after the request went out; not repeated at once`, { retryable: true, cause });
    this.name = "DeliveryUnknownError";
  }
}
