/**
 * The time one worker invocation may still spend, derived from Lambda's remaining time. Every remote
 * call takes a timeout that fits it, and work that cannot finish in it is not started: a message is
 * returned to the queue whole rather than answered by halves.
 */

/** What a message needs before each step may start, in milliseconds. */
export const BUDGET = {
  /** Left unspent at the end of an invocation: returning the batch response, flushing logs and metrics. */
  invocationReserveMs: 3_000,
  /**
   * Of that reserve, what is never spent: the last part goes to handing the messages that failed on
   * their last receive to a person (pipeline/escalate.ts).
   */
  flushReserveMs: 1_000,
  /** A message starts only with this much left: time to decide, send one part and record it. */
  messageStartMs: 8_000,
  /** Kept back from deciding (the model calls) for sending the reply and recording it. */
  sendReserveMs: 5_000,
  /** One part of a reply starts only with this much left: a call and the record of it. */
  partStartMs: 2_000,
  /** Kept back from every remote call for writing down what it did. */
  recordReserveMs: 1_000,
} as const;

/** The budget ran out before a step could start; the message goes back to the queue and resumes later. */
export class OutOfTimeError extends Error {
  readonly code = "out_of_time";
  constructor(step: string, remainingMs: number, options?: { cause?: unknown }) {
    super(`not enough time left to ${step} (${Math.max(0, Math.round(remainingMs))} ms)`, options);
    this.name = "OutOfTimeError";
  }
}

export class Deadline {
  private constructor(
    /** Epoch milliseconds. */
    readonly at: number,
    private readonly clock: () => number,
  ) {}

  /** A deadline `ms` from now (`clock` for tests). */
  static in(ms: number, clock: () => number = Date.now): Deadline {
    return new Deadline(clock() + ms, clock);
  }

  /** No budget at all beyond each call's own timeout: the desk, tools, tests. */
  static none(): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY, Date.now);
  }

  remainingMs(): number {
    return this.at - this.clock();
  }

  /** Throws OutOfTimeError unless at least `needMs` remain, so that `step` is not started half-way. */
  ensure(needMs: number, step: string): void {
    const remaining = this.remainingMs();
    if (remaining < needMs) throw new OutOfTimeError(step, remaining);
  }

  /** A call's timeout: its own cap, shortened to what is left after `reserveMs`. */
  timeoutMs(capMs: number, reserveMs: number = BUDGET.recordReserveMs): number {
    return Math.max(1, Math.min(capMs, this.remainingMs() - reserveMs));
  }

  /**
   * Waits for `work` until the deadline (less `reserveMs`), then rejects with OutOfTimeError: for work
   * that takes no signal (a shared token refresh). The work itself runs on; its result is not awaited.
   */
  async race<T>(work: Promise<T>, step: string, reserveMs: number = BUDGET.recordReserveMs): Promise<T> {
    const ms = this.remainingMs() - reserveMs;
    if (!Number.isFinite(ms)) return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OutOfTimeError(step, this.remainingMs())), Math.max(0, ms));
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts after `timeoutMs(capMs, reserveMs)`, with a TimeoutError like AbortSignal.timeout. */
  signal(capMs: number, reserveMs: number = BUDGET.recordReserveMs): AbortSignal {
    const ms = this.timeoutMs(capMs, reserveMs);
    return Number.isFinite(ms) ? AbortSignal.timeout(ms) : new AbortController().signal;
  }
}

/** The signal of one remote call: `capMs` on its own, shortened to the deadline when there is one. */
export function callSignal(capMs: number, deadline?: Deadline): AbortSignal {
  return deadline ? deadline.signal(capMs) : AbortSignal.timeout(capMs);
}
