/** What the bot sent, as each platform would have received it: `GET /dev/outbox`. */
export interface OutboxEntry {
  channel: string;
  to: string;
  text: string;
  sentAt: string;
}

/**
 * Faults a test or a curious user can inject: the next `count` sends on a channel fail with the given
 * platform error, so retries and the dead-letter queue can be seen working.
 */
export interface Fault {
  channel: string;
  count: number;
  errcode?: number;
  status?: number;
}

export class Outbox {
  readonly entries: OutboxEntry[] = [];
  private readonly faults: Fault[] = [];

  record(entry: Omit<OutboxEntry, "sentAt">): void {
    this.entries.push({ ...entry, sentAt: new Date().toISOString() });
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** Consumes one injected fault for the channel, if any. */
  takeFault(channel: string): Fault | undefined {
    const fault = this.faults.find((f) => f.channel === channel && f.count > 0);
    if (!fault) return undefined;
    fault.count--;
    return fault;
  }
}

export interface SimulatorResponse {
  status: number;
  body: unknown;
}

export interface SimulatorRequest {
  method: string;
  /** Path below the channel's simulator prefix, e.g. `/cgi-bin/token`. */
  path: string;
  query: URLSearchParams;
  body: string;
  /** Request headers, names in lower case (AWS JSON protocols name the operation in X-Amz-Target). */
  headers?: Record<string, string>;
}

/** One platform's API as the local stack imitates it; every channel's simulator has this shape. */
export interface ChannelSimulator {
  readonly channel: string;
  /** Prefix under /sim/ where this platform's API is served. */
  readonly prefix: string;
  handle(request: SimulatorRequest): SimulatorResponse;
}
