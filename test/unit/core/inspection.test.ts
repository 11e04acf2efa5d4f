import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  compileRuleSet,
  type InspectionRule,
  InspectionRuleSchema,
  inspect,
  type RuleSet,
} from "../../../shared/core/quality/inspection";

const DEFAULT_RULES = "local/seed/rules.default.jsonl";
const EXAMPLE_FAQ = "local/seed/faq.example.jsonl";

function loadDefaultRules(): RuleSet {
  const rules = readFileSync(DEFAULT_RULES, "utf8")
    .trim()
    .split("\n")
    .map((line) => InspectionRuleSchema.parse(JSON.parse(line)));
  return compileRuleSet("default", rules);
}

const rules = loadDefaultRules();
const rule = (input: Partial<InspectionRule> & Pick<InspectionRule, "id">): InspectionRule =>
  InspectionRuleSchema.parse({ category: "banned", severity: "block", ...input });

describe("the default rule set (Chinese advertising-law absolute terms and promises)", () => {
  it("parses, and every rule has a message in both languages", () => {
    for (const { rule } of rules.rules) {
      expect(rule.message, rule.id).toBeTruthy();
      expect(rule.messageZh, rule.id).toBeTruthy();
    }
  });

  it("blocks absolute claims and promises of returns", () => {
    for (const text of [
      "这款是国家级认证的全网最低价！",
      "我们的产品销量第一",
      "投资这个理财稳赚不赔",
      "ＴＨＥ　ＢＥＳＴ? no — 史上最划算",
    ]) {
      expect(inspect(text, rules, "bot").blocked, text).toBe(true);
    }
  });

  it("does not block or flag ordinary customer-service sentences that contain a listed character run", () => {
    for (const text of [
      "您最好先联系快递确认一下。",
      "第一次下单可以使用新人券，第一步请先登录。",
      "我们会在第一时间为您处理，最新物流信息请查看订单。",
      "押金即保证金，退货后原路退回。",
      "Best regards, the support team",
      "This is a bestseller; the only way to return it is via the order page.",
    ]) {
      expect(inspect(text, rules, "bot").findings, text).toEqual([]);
    }
  });

  it("lets every answer of the example knowledge base through without a block", () => {
    const answers = readFileSync(EXAMPLE_FAQ, "utf8")
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { answer: string }).answer);
    expect(answers.length).toBeGreaterThan(40);
    const blocked = answers.filter((answer) => inspect(answer, rules, "bot").blocked);
    expect(blocked).toEqual([]);
  });

  it("warns an agent who types a customer's ID or phone number in full, and never the bot for it", () => {
    const text = "已核实您的身份证 11010519491231002X 和手机 13812345678";
    const agent = inspect(text, rules, "agent");
    expect(agent.blocked).toBe(false);
    expect(agent.findings.map((f) => [f.ruleId, f.term])).toEqual([
      ["personal-data.agent", "id"],
      ["personal-data.agent", "phone"],
    ]);
    // The finding points at the data without copying it.
    expect(JSON.stringify(agent.findings)).not.toContain("13812345678");
    expect(inspect(text, rules, "bot").findings).toEqual([]);
  });
});

describe("matching", () => {
  it("matches full-width and upper-case text, and points at the normalised span", () => {
    const set = compileRuleSet("t", [rule({ id: "r", terms: ["100%"] })]);
    const { findings } = inspect("保证１００％正品", set, "bot");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: "r", term: "100%", start: 2, end: 6 });
  });

  it("matches a Latin term only as whole words, and Han terms anywhere", () => {
    const set = compileRuleSet("t", [rule({ id: "r", terms: ["best", "No.1", "顶级"] })]);
    expect(inspect("bestseller", set, "bot").findings).toEqual([]);
    expect(inspect("the best!", set, "bot").findings).toHaveLength(1);
    expect(inspect("No.1品牌", set, "bot").findings).toHaveLength(1);
    expect(inspect("这是顶级的", set, "bot").findings).toHaveLength(1);
  });

  it("finds every occurrence, sorted by position, and skips allowed phrases only where they occur", () => {
    const set = compileRuleSet("t", [rule({ id: "r", terms: ["第一"], allow: ["第一次"] })]);
    const { findings } = inspect("第一次买，就是销量第一，第一！", set, "bot");
    expect(findings.map((f) => f.start)).toEqual([9, 12]);
  });

  it("applies a rule only to the authors it names", () => {
    const set = compileRuleSet("t", [rule({ id: "r", terms: ["x"], appliesTo: ["agent"] })]);
    expect(inspect("x", set, "bot").findings).toEqual([]);
    expect(inspect("x", set, "agent").blocked).toBe(true);
  });

  it("stays linear on a long adversarial text", () => {
    const set = loadDefaultRules();
    const text = "最".repeat(20_000) + "第".repeat(20_000);
    const { findings } = inspect(text, set, "agent");
    expect(findings).toEqual([]);
  });
});

describe("a broken rule row", () => {
  it.each([
    [{ id: "bad id!", category: "banned", severity: "block", terms: ["x"] }, "id"],
    [{ id: "r", category: "nonsense", severity: "block", terms: ["x"] }, "category"],
    [{ id: "r", category: "banned", severity: "fatal", terms: ["x"] }, "severity"],
    [{ id: "r", category: "banned", severity: "block", terms: [] }, "needs terms"],
    [{ id: "r", category: "personal_data", severity: "warn" }, "needs terms"],
    [{ id: "r", category: "banned", severity: "block", terms: [""] }, "terms"],
  ])("is refused with a reason (%j)", (row, reason) => {
    const parsed = InspectionRuleSchema.safeParse(row);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(reason);
  });
});
