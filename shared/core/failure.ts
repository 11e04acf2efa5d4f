import { OutOfTimeError } from "./deadline";
import { ChannelApiError, KefuError } from "./errors";

/**
 * A failure as the logs may show it: a code to count and search by, and a message only from errors
 * whose messages are ours and name no customer data. Other messages may quote what they choke on
 * (JSON.parse quotes the body, some AWS errors quote the values they reject), so they stay out.
 */
export interface FailureSummary {
  /** The error's code (`out_of_time`, `enqueue_failed`…), else its name (`ThrottlingException`…). */
  code: string;
  /** Our own message, when the error is one of ours. */
  detail?: string;
  /** Whether another try may help, when the error says. */
  retryable?: boolean;
  /** The HTTP status of an AWS service error. */
  status?: number;
  /** The code of the error's cause, when it has one. */
  cause?: string;
}

const SAFE_MESSAGES = [KefuError, ChannelApiError, OutOfTimeError] as const;

export function describeFailure(error: unknown): FailureSummary {
  const summary: FailureSummary = { code: codeOf(error) };
  if (SAFE_MESSAGES.some((type) => error instanceof type)) summary.detail = (error as Error).message;
  if (error instanceof ChannelApiError) summary.retryable = error.retryable;
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  if (typeof status === "number") summary.status = status;
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause !== undefined) summary.cause = codeOf(cause);
  return summary;
}

function codeOf(error: unknown): string {
  if (typeof error !== "object" || error === null) return typeof error;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === "string" && code) return code;
  return typeof name === "string" && name ? name : "Error";
}
