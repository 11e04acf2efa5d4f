import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { routeInboundSms } from "../../shared/channels/sms-common/channel";
import { loadWorkerConfig } from "../../shared/config/load";
import type { InboundMessage } from "../../shared/core/message";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { testEnv } from "../support/local-env";

const config = loadWorkerConfig(testEnv());
const state = createChannelStateStore(documentClient(config.runtime), config.tables.tokens);

describe("channel state on DynamoDB Local", () => {
  it("writes conditionally on the revision it read", async () => {
    const key = `test:revision:${Date.now()}`;
    expect(await state.putIfRevision(key, { n: "a", revision: 1 }, undefined)).toBe(true);
    expect(await state.putIfRevision(key, { n: "b", revision: 1 }, undefined)).toBe(false);
    expect(await state.putIfRevision(key, { n: "c", revision: 2 }, 1)).toBe(true);
    expect(await state.putIfRevision(key, { n: "d", revision: 2 }, 1)).toBe(false);
    expect(await state.get(key)).toEqual({ n: "c", revision: 2 });
  });

  it("takes over a value written before revisions existed", async () => {
    const key = `test:legacy:${Date.now()}`;
    await state.put(key, { optedOut: true, at: "2026-01-01T00:00:00.000Z", source: "keyword" });
    expect(await state.putIfRevision(key, { optedOut: false, revision: 1 }, undefined)).toBe(true);
    expect(await state.putIfRevision(key, { optedOut: true, revision: 1 }, undefined)).toBe(false);
  });
});

describe("SMS opt-outs on DynamoDB Local", () => {
  it("ends with the newest of concurrent STOP and START deliveries, each applied once", async () => {
    const ours = "+15550000000";
    const customer = `+1425${String(Date.now()).slice(-7)}`;
    const settings = { maxSegments: 3, keywordReplies: "platform" as const };
    const t0 = Date.now();
    const keyword = (text: string, id: string, offsetMs: number): InboundMessage => ({
      id,
      channel: "sms",
      conversationKey: `sms:${ours}:${customer}`,
      sender: { id: customer },
      recipient: ours,
      kind: "text",
      text,
      attachments: [],
      receivedAt: new Date(t0 + offsetMs).toISOString(),
      replyContext: {},
    });
    const deliveries = [
      keyword("STOP", "k1", 0),
      keyword("START", "k2", 1000),
      keyword("STOP", "k3", 2000),
      keyword("START", "k2", 1000),
      keyword("STOP", "k1", 0),
    ];
    // All at once: k1 and k2 twice, as a platform's retries racing the first attempts.
    await Promise.all(
      deliveries.map((m) =>
        routeInboundSms(m, { status: 200, body: "OK" }, { channel: "sms", state, settings }),
      ),
    );
    const record = await state.get<{ optedOut: boolean; keywords: { id: string }[] }>(
      `sms:optout:${ours}:${customer}`,
    );
    expect(record?.optedOut).toBe(true);
    expect(record?.keywords.map((k) => k.id).sort()).toEqual(["k1", "k2", "k3"]);
  });
});
