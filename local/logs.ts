import { Logger } from "@aws-lambda-powertools/logger";
import type { LogItemExtraInput, LogItemMessage } from "@aws-lambda-powertools/logger/types";

/** One record a function logs, as the local stack follows it: codes and ids, never message text. */
export interface FollowedLogRecord {
  level: "info" | "warn" | "error";
  message: string;
  attributes: Record<string, unknown>;
}

/**
 * The Powertools logger of a function run by the local stack, telling `follower` of every info, warning
 * and error first, whatever the log level, so that the stack can tell what became of each message (the
 * worker's "message processed" outcome) without printing it. Given to each function's wiring as its
 * logger; in Lambda the functions use the plain one.
 */
export class FollowedLogger extends Logger {
  constructor(
    private readonly follower: (record: FollowedLogRecord) => void,
    options: ConstructorParameters<typeof Logger>[0] = {},
  ) {
    super(options);
  }

  override info(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.tell("info", input, extra);
    super.info(input, ...extra);
  }

  override warn(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.tell("warn", input, extra);
    super.warn(input, ...extra);
  }

  override error(input: LogItemMessage, ...extra: LogItemExtraInput): void {
    this.tell("error", input, extra);
    super.error(input, ...extra);
  }

  private tell(level: FollowedLogRecord["level"], input: LogItemMessage, extra: LogItemExtraInput): void {
    const { message, ...fromInput } = typeof input === "string" ? { message: input } : input;
    const attributes: Record<string, unknown> = { ...fromInput };
    for (const item of extra) {
      if (item instanceof Error) attributes.error = item;
      else if (typeof item === "object") Object.assign(attributes, item);
    }
    try {
      this.follower({ level, message: String(message), attributes });
    } catch {
      // A follower's bug must not break the function that logs.
    }
  }
}
