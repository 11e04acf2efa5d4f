import { BedrockRuntimeClient, ConverseCommand, ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { modelDraft } from "../../../functions/desk-api/assist";
import { createBedrockGenerator } from "../../../shared/ai/bedrock-generator";
import type { DeskTicket } from "../../../shared/core/desk/desk";
import type { Suggestion } from "../../../shared/core/desk/wire";
import type { FaqEntry } from "../../../shared/core/faq";
import { answerToolResponse } from "../../support/bedrock";

const bedrock = mockClient(BedrockRuntimeClient);
const generator = createBedrockGenerator({
  client: new BedrockRuntimeClient({ region: "us-east-1" }),
  modelId: "anthropic.claude-3-haiku-20240307-v1:0",
  maxAttempts: 1,
});

const returns: FaqEntry = {
  id: "zh-returns",
  question: "怎么退货？",
  similarQuestions: [],
  answer: "签收后7天内可在订单页申请退货。",
};
const entries = async (ids: string[]) => new Map(ids.includes(returns.id) ? [[returns.id, returns]] : []);
const grounding: Suggestion[] = [
  { id: "faq:zh-returns", kind: "faq", faqId: "zh-returns", text: returns.answer },
];

const ticket = {
  ticketId: "KF-ASSIST01",
  transcript: [
    { role: "customer", text: "我要退货", at: "2026-12-01T10:00:00.000Z" },
    { role: "bot", text: "已为您转人工", at: "2026-12-01T10:00:01.000Z" },
    { role: "note", text: "内部备注：老客户，可以放宽", at: "2026-12-01T10:01:00.000Z", agent: "li" },
    { role: "agent", text: "请留下电话 13812345678 方便联系", at: "2026-12-01T10:02:00.000Z", agent: "li" },
    { role: "customer", text: "我的手机是13912345678，衣服不合适", at: "2026-12-01T10:03:00.000Z" },
  ],
  candidates: [{ faqId: "zh-returns", score: 0.4, matchedQuestion: "怎么退货" }],
} as unknown as DeskTicket;

const sentText = () => JSON.stringify(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input);

beforeEach(() => bedrock.reset());

describe("the model's draft for an agent", () => {
  it("is grounded in the suggested approved answers and the masked conversation, never the internal notes", async () => {
    bedrock.on(ConverseCommand).resolves(
      answerToolResponse(
        {
          answer: "您好，签收后7天内可在订单页申请退货。",
          faq_ids: ["zh-returns"],
          confidence: 0.9,
          needs_human: false,
        },
        { stopReason: "tool_use", usage: { inputTokens: 1, outputTokens: 1 } },
      ),
    );
    const draft = await modelDraft(generator, { faqEntries: entries })(ticket, grounding);
    expect(draft).toBe("您好，签收后7天内可在订单页申请退货。");
    const sent = sentText();
    expect(sent).toContain(returns.answer);
    expect(sent).toContain("衣服不合适");
    expect(sent).toContain("我要退货");
    expect(sent).not.toContain("13912345678");
    expect(sent).not.toContain("13812345678");
    expect(sent).not.toContain("内部备注");
  });

  it("is none when the model wants a person or fails, and none without an approved answer to ground it", async () => {
    const errors: unknown[] = [];
    const draft = modelDraft(generator, { faqEntries: entries, onError: (e) => errors.push(e) });
    bedrock
      .on(ConverseCommand)
      .resolves(
        answerToolResponse(
          { answer: "转人工", faq_ids: [], confidence: 0.2, needs_human: true, reason: "complaint" },
          { stopReason: "tool_use", usage: { inputTokens: 1, outputTokens: 1 } },
        ),
      );
    expect(await draft(ticket, grounding)).toBeUndefined();
    bedrock.reset();
    bedrock.on(ConverseCommand).rejects(new ThrottlingException({ message: "slow down", $metadata: {} }));
    expect(await draft(ticket, grounding)).toBeUndefined();
    expect(errors).toHaveLength(1);
    bedrock.reset();
    expect(await draft(ticket, [{ id: "faq:gone", kind: "faq", faqId: "gone", text: "x" }])).toBeUndefined();
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });
});
