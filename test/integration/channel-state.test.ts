import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { routeInboundSms } from "../../shared/channels/sms-common/channel";
import { loadWorkerConfig } from "../../shared/config/load-desk";
import type { InboundMessage } from "../../shared/core/message";
import { createChannelStateStore } from "../../shared/stores/channel-state";
import { sdkDocumentTable } from "../../shared/stores/sdk-table";
import { testEnv } from "../support/local-env";

const config = loadWorkerConfig(testEnv());
const state = createChannelStateStore(sdkDocumentTable(documentClient(config.runtime)), config.tables.tokens);

// get/put/putIfRevision and TTLs: test/contract/stores.contract.ts, against these stores and the fakes.
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
