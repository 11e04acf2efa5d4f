import { describe, expect, it } from "vitest";
import { twilioInbound } from "../../local/platforms/twilio";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioModule } from "../../shared/channels/twilio/module";
import { useTestStack } from "../support/stack";
import { settle, waitFor } from "../support/wait";

/**
 * Twilio on one machine: a form POST signed with X-Twilio-Signature over KEFU_PUBLIC_URL → the webhook
 * → the FIFO queue (deduplicating) → worker → the Messages API simulator's outbox.
 */
const kefu = useTestStack("twilio");
const credentials = credentialsFor(twilioModule, demoCredentials()) as TwilioCredentials;

const post = kefu.deliver;
const repliesTo = (number: string) => kefu.repliesTo("twilio", number);

describe("a customer question by Twilio SMS", () => {
  it("is acknowledged with empty TwiML and answered exactly once, even when delivered twice", async () => {
    const customer = "+14155550101";
    const request = twilioInbound(credentials, kefu.stack.url, {
      from: customer,
      text: "How do I return an item?",
    });
    const first = await post(request);
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("text/xml");
    expect(await first.text()).toContain("<Response/>");
    await waitFor(() => repliesTo(customer).length > 0, { what: "the reply" });
    expect((await post(request)).status).toBe(200);
    await settle(1500);
    expect(repliesTo(customer)).toHaveLength(1);
    expect(repliesTo(customer)[0]?.text).toContain("AI");
  });
});

describe("STOP", () => {
  it("gets no reply, and later messages are not answered until START", async () => {
    const customer = "+14155550102";
    const stop = await post(twilioInbound(credentials, kefu.stack.url, { from: customer, text: "stop" }));
    expect(stop.status).toBe(200);
    await post(
      twilioInbound(credentials, kefu.stack.url, { from: customer, text: "How do I get an invoice?" }),
    );
    await waitFor(() => kefu.stack.inbox.some((m) => m.sender === customer), {
      what: "the question to be queued",
    });
    await settle(2000);
    expect(repliesTo(customer)).toHaveLength(0);

    await post(twilioInbound(credentials, kefu.stack.url, { from: customer, text: "START" }));
    await post(
      twilioInbound(credentials, kefu.stack.url, { from: customer, text: "How do I get an invoice?" }),
    );
    await waitFor(() => repliesTo(customer).length === 1, { what: "the answer after START" });
  });
});

describe("bad Twilio requests", () => {
  it("refuses a wrong signature, a URL that was not signed and a malformed body, queueing nothing", async () => {
    const before = kefu.stack.inbox.length;
    const good = twilioInbound(credentials, kefu.stack.url, { from: "+14155550103", text: "hello" });
    expect((await post({ ...good, body: good.body.replace("Body=hello", "Body=HELLO") })).status).toBe(401);
    expect((await post({ ...good, path: "/webhooks/twilio?extra=1" })).status).toBe(401);
    const signedElsewhere = twilioInbound(credentials, "https://elsewhere.example", {
      from: "+14155550103",
      text: "x",
    });
    expect((await post(signedElsewhere)).status).toBe(401);
    expect(
      (await post({ ...good, headers: { ...good.headers, "content-type": "application/json" } })).status,
    ).toBe(400);
    expect((await post({ ...good, body: `Body=${"a".repeat(70 * 1024)}` })).status).toBe(413);
    await settle(1000);
    expect(kefu.stack.inbox.length).toBe(before);
  });
});
