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

/**
 * An injected fault answered as the WeChat family's APIs and DingTalk's session webhook answer an error:
 * HTTP 200 (unless the fault sets a status), the fault's errcode (-1, "busy", by default) and `errmsg`.
 */
export function errcodeFault(fault: Fault, errmsg: string): SimulatorResponse {
  return { status: fault.status ?? 200, body: { errcode: fault.errcode ?? -1, errmsg } };
}

export class Outbox {
  readonly entries: OutboxEntry[] = [];
  private readonly faults: Fault[] = [];

  record(entry: Omit<OutboxEntry, "sentAt">): void {
    this.entries.push({ ...entry, sentAt: new Date().toISOString() });
  }

  /**
   * A positive count adds that many failing sends on the channel; a negative one takes that many back
   * (the latest added first); 0 clears the channel's faults. Returns how many remain on the channel.
   */
  injectFault(fault: Fault): number {
    if (fault.count > 0) {
      this.faults.push({ ...fault });
    } else {
      let takeBack = fault.count === 0 ? Number.POSITIVE_INFINITY : -fault.count;
      for (const pending of this.faults.filter((f) => f.channel === fault.channel).reverse()) {
        const taken = Math.min(pending.count, takeBack);
        pending.count -= taken;
        takeBack -= taken;
      }
    }
    // Spent faults go, so the list stays what is pending.
    for (let i = this.faults.length - 1; i >= 0; i--)
      if ((this.faults[i]?.count ?? 0) <= 0) this.faults.splice(i, 1);
    return this.pendingFaults(fault.channel);
  }

  /** How many of the channel's next sends will fail. */
  pendingFaults(channel: string): number {
    return this.faults.filter((f) => f.channel === channel).reduce((sum, f) => sum + f.count, 0);
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
