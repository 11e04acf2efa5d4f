import { describe, expect, it } from "vitest";
import { BUDGET, Deadline, OutOfTimeError } from "../../../shared/core/deadline";
import { sendParts } from "../../../shared/core/delivery";

function clockAt(start: number) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => (now += ms) };
}

describe("a deadline", () => {
  it("counts down with its clock and refuses a step that needs more than is left", () => {
    const { clock, advance } = clockAt(1_000);
    const deadline = Deadline.in(10_000, clock);
    expect(deadline.remainingMs()).toBe(10_000);
    advance(7_000);
    expect(deadline.remainingMs()).toBe(3_000);
    expect(() => deadline.ensure(2_000, "send")).not.toThrow();
    expect(() => deadline.ensure(3_001, "send")).toThrow(OutOfTimeError);
    expect(() => deadline.ensure(5_000, "start the message")).toThrow(
      expect.objectContaining({ code: "out_of_time", message: expect.stringContaining("start the message") }),
    );
  });

  it("gives a call its own cap, shortened to what is left after the reserve, never less than 1 ms", () => {
    const { clock, advance } = clockAt(0);
    const deadline = Deadline.in(30_000, clock);
    expect(deadline.timeoutMs(10_000)).toBe(10_000);
    advance(25_000);
    expect(deadline.timeoutMs(10_000)).toBe(5_000 - BUDGET.recordReserveMs);
    // All of what is left is reserved for sending: deciding gets the minimum.
    expect(deadline.timeoutMs(Number.POSITIVE_INFINITY, 5_000)).toBe(1);
    expect(deadline.timeoutMs(Number.POSITIVE_INFINITY, 2_000)).toBe(3_000);
    advance(10_000);
    expect(deadline.timeoutMs(10_000)).toBe(1);
  });

  it("aborts its signal when the shortened timeout passes", async () => {
    const deadline = Deadline.in(BUDGET.recordReserveMs + 20);
    const signal = deadline.signal(10_000);
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    expect(signal.reason).toMatchObject({ name: "TimeoutError" });
  });

  it("stops waiting for work that takes no signal when the time is up", async () => {
    const deadline = Deadline.in(BUDGET.recordReserveMs + 20);
    const never = new Promise<string>(() => {});
    await expect(deadline.race(never, "get a token")).rejects.toBeInstanceOf(OutOfTimeError);
    await expect(deadline.race(Promise.resolve("token"), "get a token")).resolves.toBe("token");
  });

  it("has no limit when there is none", () => {
    const none = Deadline.none();
    expect(() => none.ensure(1e12, "anything")).not.toThrow();
    expect(none.timeoutMs(10_000)).toBe(10_000);
  });
});

describe("sending parts", () => {
  it("sends from the first part not yet sent and reports each one before the next starts", async () => {
    const events: string[] = [];
    await sendParts(
      ["a", "b", "c", "d"],
      {
        partsSent: 1,
        async onPartSent(sent, total) {
          events.push(`recorded ${sent}/${total}`);
        },
      },
      async (part) => {
        events.push(`sent ${part}`);
      },
    );
    expect(events).toEqual(["sent b", "recorded 2/4", "sent c", "recorded 3/4", "sent d", "recorded 4/4"]);
  });

  it("does not start a part without the time to finish it", async () => {
    const { clock, advance } = clockAt(0);
    const deadline = Deadline.in(BUDGET.partStartMs + 500, clock);
    const sent: string[] = [];
    await expect(
      sendParts(["a", "b"], { deadline }, async (part) => {
        sent.push(part);
        advance(1_000);
      }),
    ).rejects.toBeInstanceOf(OutOfTimeError);
    expect(sent).toEqual(["a"]);
  });
});
