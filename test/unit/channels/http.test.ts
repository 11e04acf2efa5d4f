import { describe, expect, it } from "vitest";
import {
  ChannelUnreachableError,
  DeliveryUnknownError,
  httpCall,
  httpJson,
  withRetries,
} from "../../../shared/channels/http";
import { BUDGET, Deadline, OutOfTimeError } from "../../../shared/core/deadline";
import { ChannelApiError } from "../../../shared/core/errors";

/** What fetch throws when nothing listens: the request never left, so another try cannot deliver it twice. */
const refused = () =>
  new TypeError("fetch failed", {
    cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  });

const URL_WITH_SECRET = "https://api.example.test/cgi-bin/token?secret=s3cret";

/** A fetch that records each call's init and answers from a script. */
function scripted(answers: (Response | Error)[]) {
  const calls: RequestInit[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push(init ?? {});
    const next = answers.shift();
    if (!next) throw new Error("unexpected call");
    if (next instanceof Error) throw next;
    return next;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("httpCall", () => {
  it("posts JSON and returns the status and the body when it is a JSON object", async () => {
    const { fetch, calls } = scripted([json({ errcode: 0 }), new Response("<html>", { status: 502 })]);
    const ok = await httpCall({ url: URL_WITH_SECRET, label: "WeChat send", json: { a: 1 }, fetch });
    expect(ok).toEqual({ status: 200, ok: true, body: { errcode: 0 } });
    expect(calls[0]).toMatchObject({ method: "POST", body: '{"a":1}', redirect: "error" });
    expect(calls[0]?.headers).toEqual({ "content-type": "application/json" });
    const page = await httpCall({ url: URL_WITH_SECRET, label: "WeChat send", json: {}, fetch });
    expect(page).toEqual({ status: 502, ok: false, body: undefined });
  });

  it("reports no answer as retryable, naming the endpoint and never the URL", async () => {
    const { fetch } = scripted([new TypeError("fetch failed")]);
    const error = await rejection(httpCall({ url: URL_WITH_SECRET, label: "WeChat token", fetch }));
    expect(error).toBeInstanceOf(ChannelUnreachableError);
    expect(error).toMatchObject({ retryable: true, message: "WeChat token request did not complete" });
    expect(String((error as Error).message)).not.toContain("s3cret");
  });

  it("aborts a call that hangs, within the message's deadline", async () => {
    const hanging = (async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true });
      })) as typeof globalThis.fetch;
    // What is left after the record reserve is the call's timeout: 50 ms here, not the 10 s cap.
    const deadline = Deadline.in(BUDGET.recordReserveMs + 50);
    const error = await rejection(httpCall({ url: URL_WITH_SECRET, label: "X", fetch: hanging, deadline }));
    expect(error).toBeInstanceOf(ChannelUnreachableError);
    expect(((error as Error).cause as Error).name).toBe("TimeoutError");
  });
});

describe("httpJson", () => {
  it("takes 429 and 5xx as retryable, other statuses as final, and a 2xx without JSON as retryable", async () => {
    const outcome = async (response: Response) =>
      (await rejection(
        httpJson({ url: URL_WITH_SECRET, label: "X", fetch: scripted([response]).fetch }),
      )) as ChannelApiError;
    expect((await outcome(json({}, 429))).retryable).toBe(true);
    expect((await outcome(json({}, 503))).retryable).toBe(true);
    expect((await outcome(json({}, 400))).retryable).toBe(false);
    expect((await outcome(json({}, 403))).message).toBe("X request failed with HTTP 403");
    expect((await outcome(new Response("<html>proxy</html>", { status: 200 }))).retryable).toBe(true);
    expect((await outcome(json([1, 2]))).retryable).toBe(true);
  });
});

describe("withRetries", () => {
  const retry = { attempts: 3, baseDelayMs: 100 };

  it("backs off exponentially on retryable failures and returns the first success", async () => {
    const delays: number[] = [];
    const failures = [
      new ChannelApiError("busy", { retryable: true }),
      new ChannelUnreachableError("X", refused()),
    ];
    let calls = 0;
    const result = await withRetries(
      "X",
      async () => {
        calls++;
        const failure = failures.shift();
        if (failure) throw failure;
        return "sent";
      },
      { retry, sleep: async (ms) => void delays.push(ms) },
    );
    expect(result).toBe("sent");
    expect(calls).toBe(3);
    expect(delays).toEqual([100, 200]);
  });

  it("does not repeat a send whose outcome is unknown (timeout, dropped connection), unless it is idempotent", async () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const reset = new TypeError("fetch failed", {
      cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
    });
    for (const cause of [timeout, reset]) {
      let calls = 0;
      const unknown = () => {
        calls++;
        throw new ChannelUnreachableError("X send", cause);
      };
      const error = await rejection(
        withRetries("X send", async () => unknown(), { retry, sleep: async () => {} }),
      );
      expect(error).toBeInstanceOf(DeliveryUnknownError);
      expect(error).toMatchObject({
        retryable: true,
        code: "delivery_unknown",
        cause: { outcomeUnknown: true },
      });
      expect(calls).toBe(1);

      // A call the platform dedups (or a read) is safe to repeat.
      calls = 0;
      const result = await withRetries(
        "X send",
        async () => {
          if (calls === 0) return unknown();
          calls++;
          return "sent";
        },
        {
          retry,
          sleep: async () => {},
          idempotent: true,
        },
      );
      expect(result).toBe("sent");
    }
  });

  it("tells a request that never left (no connection) or a GET from one that may have been carried out", () => {
    expect(new ChannelUnreachableError("X", refused()).outcomeUnknown).toBe(false);
    expect(new ChannelUnreachableError("X", new DOMException("t", "TimeoutError")).outcomeUnknown).toBe(true);
    expect(
      new ChannelUnreachableError("X", new DOMException("t", "TimeoutError"), { changesState: false })
        .outcomeUnknown,
    ).toBe(false);
  });

  it("does not retry a final refusal", async () => {
    let calls = 0;
    const refusal = new ChannelApiError("bad request", { retryable: false });
    const error = await rejection(
      withRetries(
        "X",
        async () => {
          calls++;
          throw refusal;
        },
        { retry, sleep: async () => undefined },
      ),
    );
    expect(error).toBe(refusal);
    expect(calls).toBe(1);
  });

  it("ends retryable after the bounded attempts, with the last failure as its cause", async () => {
    const last = new ChannelApiError("busy", { retryable: true });
    const error = await rejection(
      withRetries(
        "WeChat send",
        async () => {
          throw last;
        },
        { retry, sleep: async () => undefined },
      ),
    );
    expect(error).toBeInstanceOf(ChannelApiError);
    expect(error).toMatchObject({
      retryable: true,
      message: "WeChat send failed after 3 attempts",
      cause: last,
    });
  });

  it("starts no retry that could not finish before the deadline", async () => {
    let calls = 0;
    const busy = new ChannelApiError("busy", { retryable: true });
    // Room for the first attempt, not for a second one after a 5 s back-off.
    const deadline = Deadline.in(BUDGET.partStartMs + 1_000);
    const error = await rejection(
      withRetries(
        "X",
        async () => {
          calls++;
          throw busy;
        },
        { retry: { attempts: 3, baseDelayMs: 5_000 }, deadline, sleep: async () => undefined },
      ),
    );
    expect(error).toBeInstanceOf(OutOfTimeError);
    expect((error as Error).cause).toBe(busy);
    expect(calls).toBe(1);
  });
});
