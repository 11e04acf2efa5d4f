import { describe, expect, it } from "vitest";
import { documentClient } from "../../shared/aws/clients";
import { loadWorkerConfig } from "../../shared/config/load-desk";
import type { EngineResult } from "../../shared/core/engine";
import { processMessage } from "../../shared/core/pipeline";
import { ticketIdFor } from "../../shared/core/ticket";
import { createConversationStore } from "../../shared/stores/conversations";
import { createOutboxStore } from "../../shared/stores/outbox";
import { createTicketStore } from "../../shared/stores/tickets";
import { inbound, pipelineDeps, scriptedEngine } from "../support/fakes";
import { testEnv } from "../support/local-env";

/**
 * The worker's records on real DynamoDB Local, which enforces the 400 KB item limit: long e-mails on a
 * handed-off conversation, and SQS redeliveries of a message whose reply was already sent.
 */
const config = loadWorkerConfig(testEnv());
const doc = documentClient(config.runtime);

const handoff: EngineResult = {
  decision: { kind: "handoff", reason: "customer_request", priority: "normal" },
  candidates: [],
};
const answer: EngineResult = {
  decision: { kind: "answer", text: "退货请在订单页申请。", faqIds: ["returns"], confidence: 0.9 },
  candidates: [],
};

/** A long customer e-mail (about 12 KB of UTF-8): a quoted order history, Chinese and ASCII mixed. */
function longMail(n: number): string {
  const line = `第${n}封邮件：订单 A${String(n).padStart(6, "0")} 的包裹还没有到，物流显示停在转运中心。`;
  return Array.from({ length: 120 }, (_, i) => `${line} (${i})`).join("\n");
}

function realStores() {
  return {
    conversations: createConversationStore(doc, config.tables.conversations),
    tickets: createTicketStore(doc, config.tables.tickets, config.tables.ticketTurns),
    outbox: createOutboxStore(doc, config.tables.outbox),
    now: () => new Date(),
  };
}

/** What SQS does with a message whose processing throws: delivers it again, up to maxReceiveCount times. */
async function deliverLikeSqs(run: () => Promise<unknown>, maxReceiveCount = 5): Promise<number> {
  for (let receive = 1; receive <= maxReceiveCount; receive++) {
    try {
      await run();
      return receive;
    } catch {
      // Back on the queue; the next receive tries again.
    }
  }
  return maxReceiveCount + 1;
}

describe("a handed-off conversation receiving long e-mails", () => {
  it("records every one of 40 long e-mails on the ticket, whole and in order", async () => {
    let result = handoff;
    const stores = realStores();
    const { deps } = pipelineDeps(
      scriptedEngine(() => result),
      stores,
    );
    const conversationKey = `email:kefu@example.com:c-${Date.now()}@example.com`;
    const mail = (text: string) =>
      inbound({ channel: "email", conversationKey, sender: { id: "c@example.com" }, text });

    const first = mail("我要人工客服");
    expect((await processMessage(first, deps)).action).toBe("handed_off");
    const ticketId = ticketIdFor(first);

    for (let n = 1; n <= 40; n++) {
      const outcome = await processMessage(mail(longMail(n)), deps);
      expect(outcome, `e-mail ${n}`).toEqual({ action: "silent", ticketId });
    }
    const ticket = await stores.tickets.get(ticketId);
    const customerTexts = ticket?.transcript.filter((t) => t.role === "customer").map((t) => t.text);
    expect(customerTexts).toEqual(["我要人工客服", ...Array.from({ length: 40 }, (_, i) => longMail(i + 1))]);

    // Resolved: the bot answers the next message and records it.
    await stores.tickets.resolve(ticketId);
    result = answer;
    expect((await processMessage(mail("怎么退货"), deps)).action).toBe("answered");
  });
});

describe("a reply sent but not recorded", () => {
  it("is sent once per message over a conversation of long e-mails, however often SQS redelivers", async () => {
    const stores = realStores();
    const { deps, sent } = pipelineDeps(
      scriptedEngine(() => answer),
      stores,
    );
    const conversationKey = `email:kefu@example.com:r-${Date.now()}@example.com`;
    const mail = (text: string) =>
      inbound({ channel: "email", conversationKey, sender: { id: "r@example.com" }, text });

    // 20 KB e-mails: the conversation's 40 kept turns would hold 400 KB of them.
    for (let n = 1; n <= 30; n++) {
      const receives = await deliverLikeSqs(() => processMessage(mail(longMail(n).repeat(2)), deps));
      expect(receives, `e-mail ${n} was handled on its first receive`).toBe(1);
    }
    expect(sent).toHaveLength(30);
  });

  it("is not sent again when recording it failed and SQS redelivers the message", async () => {
    const stores = realStores();
    let failSaves = 2;
    const conversations = {
      get: stores.conversations.get,
      async save(...args: Parameters<typeof stores.conversations.save>) {
        if (failSaves-- > 0) throw Object.assign(new Error("throttled"), { name: "ThrottlingException" });
        return stores.conversations.save(...args);
      },
    };
    const { deps, sent } = pipelineDeps(
      scriptedEngine(() => answer),
      { ...stores, conversations },
    );
    const question = inbound({
      channel: "email",
      conversationKey: `email:kefu@example.com:t-${Date.now()}@example.com`,
      sender: { id: "t@example.com" },
      text: "怎么退货",
    });
    // The record of the sent reply is written again within the same receive (shared/core/pipeline/persist.ts).
    expect(await deliverLikeSqs(() => processMessage(question, deps))).toBe(1);
    expect(failSaves).toBeLessThan(0);
    expect(sent.map((m) => m.text)).toEqual([expect.stringContaining("退货请在订单页申请。")]);
    expect(await processMessage(question, deps)).toEqual({ action: "duplicate" });
  });
});

describe("a hand-off notice sent but not recorded", () => {
  it("is filed on the ticket once, however often SQS redelivers the message", async () => {
    const stores = realStores();
    let failSaves = 2;
    const conversations = {
      get: stores.conversations.get,
      async save(...args: Parameters<typeof stores.conversations.save>) {
        // Not retried within the receive: the message goes back to the queue, and comes again later.
        if (failSaves-- > 0) throw Object.assign(new Error("changed"), { name: "ConcurrentUpdateError" });
        return stores.conversations.save(...args);
      },
    };
    const { deps, sent } = pipelineDeps(
      scriptedEngine(() => handoff),
      { ...stores, conversations },
    );
    const message = inbound({
      channel: "email",
      conversationKey: `email:kefu@example.com:n-${Date.now()}@example.com`,
      sender: { id: "n@example.com" },
      text: "我要人工客服",
    });
    expect(await deliverLikeSqs(() => processMessage(message, deps))).toBe(3);
    expect(sent).toHaveLength(1);
    const ticket = await stores.tickets.get(ticketIdFor(message));
    expect(ticket?.transcript.map((t) => [t.role, t.text])).toEqual([
      ["customer", "我要人工客服"],
      ["bot", sent[0]?.text],
    ]);
  });
});
