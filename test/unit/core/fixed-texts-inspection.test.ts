import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { channelTexts } from "../../../shared/channels/registry";
import { CHANNELS } from "../../../shared/core/message";
import { compileRuleSet, InspectionRuleSchema, inspect } from "../../../shared/core/quality/inspection";
import type { Language } from "../../../shared/core/text";
import { DEFAULT_TEXTS, type Texts, textsFor, withChannelTexts } from "../../../shared/core/texts";

/** The rule set `npm start` loads into the bucket (and the deployment seeds). */
const rules = compileRuleSet(
  "default",
  readFileSync("local/seed/rules.default.jsonl", "utf8")
    .trim()
    .split("\n")
    .map((line) => InspectionRuleSchema.parse(JSON.parse(line))),
);

describe("the bot's own fixed sentences under the default rules", () => {
  it("raise no finding in any language on any channel (the AI disclosure's 'do my best' is no claim)", () => {
    const overrides = withChannelTexts({}, channelTexts());
    const found: string[] = [];
    for (const language of Object.keys(DEFAULT_TEXTS) as Language[]) {
      for (const channel of [undefined, ...CHANNELS]) {
        const texts = textsFor(language, channel, overrides);
        for (const name of Object.keys(texts) as (keyof Texts)[]) {
          for (const finding of inspect(texts[name], rules, "bot").findings) {
            found.push(`${language}/${channel ?? "default"}/${name}: ${finding.ruleId} "${finding.term}"`);
          }
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("still flags 'best' as a claim about the product", () => {
    expect(inspect("This is the best phone on the market.", rules, "bot").findings).toContainEqual(
      expect.objectContaining({ ruleId: "ad-law.absolute.warn", term: "best" }),
    );
    expect(inspect("Our best seller, guaranteed.", rules, "bot").findings.map((f) => f.term)).toContain(
      "best",
    );
  });
});
