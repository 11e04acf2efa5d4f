import { BUDGET, type Deadline } from "../deadline";

/** Errors of the store that no retry can change: the request itself is wrong, or not allowed. */
const PERMANENT_STORE_ERRORS = new Set([
  "ValidationException",
  "ConditionalCheckFailedException",
  "AccessDeniedException",
  "ResourceNotFoundException",
  // The conversation changed under us: retrying the same write cannot succeed.
  "ConcurrentUpdateError",
]);

/** Pauses between the retries of `persistently`, after the store client's own retries. */
const PERSIST_RETRY_DELAYS_MS = [250, 500, 1_000, 2_000];

/**
 * Runs a write that must not be lost (the record of a sent part, or of a message answered) and retries it on failures that may
 * pass — throttling past the SDK's own retries, a 5xx, a dropped connection — for as long as a retry and
 * the time to record fit before the deadline.
 */
export async function persistently(write: () => Promise<void>, deadline: Deadline): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      const pause = PERSIST_RETRY_DELAYS_MS[attempt];
      const name = (error as { name?: unknown } | null)?.name;
      if (pause === undefined || PERMANENT_STORE_ERRORS.has(String(name))) throw error;
      if (deadline.remainingMs() < pause + BUDGET.recordReserveMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
