import { describe, expect, it } from "vitest";
import { parseFault } from "../../../local/dev-routes";
import { errcodeFault, Outbox } from "../../../local/simulator/outbox";

import { MalformedRequestError } from "../../../shared/core/errors";

/** POST /dev/faults: faults are added, taken back and cleared, per channel, without a restart. */
describe("the simulators' injected faults", () => {
  const failing = (outbox: Outbox, channel: string) => {
    let n = 0;
    while (outbox.takeFault(channel)) n++;
    return n;
  };

  it("clears a channel's faults with count 0, and only that channel's", () => {
    const outbox = new Outbox();
    expect(outbox.injectFault({ channel: "wechat", count: 100, errcode: -1 })).toBe(100);
    outbox.injectFault({ channel: "wechat", count: 2, errcode: 45015 });
    outbox.injectFault({ channel: "dingtalk", count: 3, status: 500 });
    expect(outbox.injectFault({ channel: "wechat", count: 0 })).toBe(0);
    expect(outbox.takeFault("wechat")).toBeUndefined();
    expect(failing(outbox, "dingtalk")).toBe(3);
  });

  it("takes back as many as a negative count says, the latest added first", () => {
    const outbox = new Outbox();
    outbox.injectFault({ channel: "wechat", count: 3, errcode: -1 });
    outbox.injectFault({ channel: "wechat", count: 2, errcode: 45015 });
    expect(outbox.injectFault({ channel: "wechat", count: -3 })).toBe(2);
    expect(outbox.takeFault("wechat")).toMatchObject({ errcode: -1 });
    expect(outbox.takeFault("wechat")).toMatchObject({ errcode: -1 });
    expect(outbox.takeFault("wechat")).toBeUndefined();
    // More than there are: none left, and none owed to later injections.
    expect(outbox.injectFault({ channel: "wechat", count: -50 })).toBe(0);
    expect(outbox.injectFault({ channel: "wechat", count: 1, errcode: -1 })).toBe(1);
    expect(failing(outbox, "wechat")).toBe(1);
  });

  it("refuses a channel no simulator knows, instead of answering ok and failing nothing", () => {
    for (const channel of ["wechta", "WeChat", "wecom_kf", ""]) {
      expect(() => parseFault(JSON.stringify({ channel, count: 3 }))).toThrow(MalformedRequestError);
    }
    expect(() => parseFault('{"channel": "wechta", "count": 3}')).toThrow(
      "channel must be one of wechat, wecom, wecom-kf, dingtalk, email, sms, twilio, wecom-kf:sync_msg",
    );
    expect(parseFault('{"channel": "wecom-kf", "count": 1, "errcode": 95016}')).toEqual({
      channel: "wecom-kf",
      count: 1,
      errcode: 95016,
    });
    expect(parseFault('{"channel": "wecom-kf:sync_msg", "count": 0}')).toEqual({
      channel: "wecom-kf:sync_msg",
      count: 0,
    });
  });
});

describe("an injected fault answered with an errcode (the WeChat family, DingTalk's session webhook)", () => {
  it("is a busy errcode on HTTP 200 unless the fault names its errcode or status", () => {
    expect(errcodeFault({ channel: "wechat", count: 1 }, "system error")).toEqual({
      status: 200,
      body: { errcode: -1, errmsg: "system error" },
    });
    expect(errcodeFault({ channel: "wecom", count: 1, errcode: 45009, status: 503 }, "system busy")).toEqual({
      status: 503,
      body: { errcode: 45009, errmsg: "system busy" },
    });
  });
});
