import { describe, expect, it, vi } from "vitest";

// Every z.object call counted: the message schemas are objects, and each is built with one.
vi.mock("zod/mini", async (importOriginal) => {
  const z = await importOriginal<typeof import("zod/mini")>();
  return { ...z, object: vi.fn(z.object) };
});

const message = {
  id: "m-1",
  channel: "wechat",
  conversationKey: "wechat:gh:o-1",
  sender: { id: "o-1" },
  kind: "text",
  text: "怎么退货？",
  receivedAt: "2026-12-02T06:00:00.000Z",
};

/**
 * The message schemas are built on first use (issue 10: building zod schemas is most of a cold start,
 * and the webhook validates no message before its first request), once per process.
 */
describe("the message schemas", () => {
  it("are not built when the module is imported, and are built once, at their first use", async () => {
    const z = await import("zod/mini");
    const objects = vi.mocked(z.object);
    const { AttachmentSchema, InboundMessageSchema, QueuedMessageSchema } = await import(
      "../../../shared/core/message"
    );
    expect(objects).not.toHaveBeenCalled();

    expect(InboundMessageSchema.parse(message)).toMatchObject({ attachments: [], replyContext: {} });
    const built = objects.mock.calls.length;
    expect(built).toBeGreaterThan(0);

    expect(QueuedMessageSchema.safeParse({ ...message, text: "x".repeat(4001) }).success).toBe(false);
    expect(AttachmentSchema.parse({ type: "image", ref: "media-1" })).toEqual({
      type: "image",
      ref: "media-1",
    });
    expect(InboundMessageSchema.safeParse({ ...message, channel: "fax" }).success).toBe(false);
    expect(objects).toHaveBeenCalledTimes(built);
  });
});
