import { BUDGET, type Deadline } from "./deadline";

/**
 * How one reply is delivered when it takes several platform messages (WeChat's 2048-byte parts,
 * 微信客服's five, DingTalk's): parts go out in order, each is reported as soon as it is sent, and an
 * attempt that follows a failed one starts after the last part reported, so the customer never gets
 * the beginning of an answer twice.
 */
export interface SendOptions {
  /** The invocation's time budget: calls get timeouts that fit it, a part starts only if it can finish. */
  deadline?: Deadline;
  /** Parts an earlier attempt already delivered; they are skipped. */
  partsSent?: number;
  /** Called after each part is delivered (`sent` parts of `total` so far), before the next one starts. */
  onPartSent?(sent: number, total: number): Promise<void>;
}

/**
 * Sends `parts` in order from the first one not yet sent. Throws OutOfTimeError (retryable) before a
 * part that has no time left to finish, rather than starting it.
 */
export async function sendParts<T>(
  parts: readonly T[],
  options: SendOptions | undefined,
  sendOne: (part: T, index: number) => Promise<void>,
): Promise<void> {
  const first = Math.min(Math.max(0, options?.partsSent ?? 0), parts.length);
  for (let index = first; index < parts.length; index++) {
    options?.deadline?.ensure(BUDGET.partStartMs, `send part ${index + 1} of ${parts.length}`);
    await sendOne(parts[index] as T, index);
    await options?.onPartSent?.(index + 1, parts.length);
  }
}
