import { describe, expect, it } from "vitest";
import { z } from "zod";
import { NOTIFICATION_MODULES } from "../../../shared/channels/notification-modules";
import type { ChannelModule } from "../../../shared/channels/ports";
import {
  CHANNEL_MODULES,
  credentialKeys,
  credentialsFor,
  moduleFor,
} from "../../../shared/channels/registry";
import { CHANNEL_SENDERS } from "../../../shared/channels/senders";
import { WEBHOOK_MODULES } from "../../../shared/channels/webhook-modules";
import { CHANNELS } from "../../../shared/core/message";

describe("the channel registry", () => {
  it("serves every channel of the message schema, each with demo credentials its own schema accepts", () => {
    expect(CHANNEL_MODULES.map((m) => m.channel).sort()).toEqual([...CHANNELS].sort());
    for (const module of CHANNEL_MODULES) {
      const found = moduleFor(module.channel);
      expect(found && credentialsFor(found, found.demoCredentials)).toBeTruthy();
    }
  });

  it("gives the webhook, on first use, the registry's module of each of its channels, and SNS the others", async () => {
    for (const loader of WEBHOOK_MODULES) {
      const module = await loader.load();
      expect(module.channel).toBe(loader.channel);
      expect(module).toBe(moduleFor(loader.channel));
      expect(module.inbound, loader.channel).toBeTypeOf("function");
      // The webhook's transport cap is KEFU_MAX_BODY_BYTES, known before any channel is loaded.
      expect(module.maxBodyBytes, loader.channel).toBeUndefined();
    }
    expect([...WEBHOOK_MODULES, ...NOTIFICATION_MODULES].map((m) => m.channel).sort()).toEqual(
      CHANNEL_MODULES.map((m) => m.channel).sort(),
    );
  });

  it("has a sender for every channel it receives from", () => {
    expect(CHANNEL_SENDERS.map((s) => s.channel).sort()).toEqual([...CHANNELS].sort());
  });

  it("lists optional credential keys too, so they can be set in the secret", () => {
    const module = {
      ...moduleFor("wechat"),
      credentials: z.object({ KEFU_X_TOKEN: z.string(), KEFU_X_OPTIONAL: z.string().optional() }),
      demoCredentials: { KEFU_X_TOKEN: "t" },
    } as unknown as ChannelModule;
    expect(credentialKeys(module)).toEqual(["KEFU_X_TOKEN", "KEFU_X_OPTIONAL"]);
    expect(credentialsFor(module, { KEFU_X_TOKEN: "t", KEFU_X_OPTIONAL: "o" })).toEqual({
      KEFU_X_TOKEN: "t",
      KEFU_X_OPTIONAL: "o",
    });
  });

  it("treats a channel with none of its keys as off, and a half-configured one as an error naming the key", () => {
    const wechat = moduleFor("wechat");
    if (!wechat) throw new Error("no wechat module");
    expect(credentialsFor(wechat, {})).toBeUndefined();
    expect(() => credentialsFor(wechat, { KEFU_WECHAT_TOKEN: "abc" })).toThrow(/KEFU_WECHAT_APP_ID/);
    expect(() => credentialsFor(wechat, { KEFU_WECHAT_TOKEN: "abc" })).not.toThrow(/abc/);
  });
});
