/**
 * Development data for the mock desk API: invented customers, conversations and FAQ entries in Chinese and
 * English. Masked the way the real ticket store masks (nothing here is anyone's data).
 */

import { smsConstraints } from "../../shared/core/desk/wire";
import type {
  Agent,
  Channel,
  ChannelConstraints,
  HandoffReason,
  LearningSuggestion,
  Priority,
  Turn,
} from "../src/api/types";

export interface SeedFaq {
  id: string;
  question: string;
  answer: string;
  category: string;
  phrasings: string[];
}

export const SEED_FAQ: SeedFaq[] = [
  {
    id: "FAQ-0001",
    category: "账户",
    question: "如何修改绑定的手机号？",
    answer:
      "请在「我的-账户安全-手机号」中修改，需要验证原手机号的短信验证码。若原手机号已停用，请提供身份证照片由人工审核。",
    phrasings: ["换手机号", "手机号换绑"],
  },
  {
    id: "FAQ-0002",
    category: "退款",
    question: "退款多久到账？",
    answer: "退款审核通过后，原路退回：微信/支付宝 1-3 个工作日，银行卡 3-7 个工作日。",
    phrasings: ["钱什么时候退回来", "退款进度"],
  },
  {
    id: "FAQ-0003",
    category: "订单",
    question: "怎么查询物流？",
    answer: "在「我的订单」中点击对应订单即可查看物流详情；发货后 24 小时内更新。",
    phrasings: ["快递到哪了"],
  },
  {
    id: "FAQ-0004",
    category: "发票",
    question: "如何开具增值税专用发票？",
    answer:
      "订单完成后在「订单详情-申请发票」中选择专票，填写公司抬头、税号、开户行及账号，3 个工作日内开具。",
    phrasings: ["开专票"],
  },
  {
    id: "FAQ-0005",
    category: "billing",
    question: "How do I get a refund?",
    answer:
      "Open Orders, choose the order and tap Request refund. Refunds go back to the original payment method within 3-7 business days.",
    phrasings: ["refund my order", "money back"],
  },
  {
    id: "FAQ-0006",
    category: "account",
    question: "How do I reset my password?",
    answer:
      "Tap Forgot password on the sign-in page; we send a reset link to your e-mail. The link is valid for 30 minutes.",
    phrasings: ["forgot password"],
  },
  {
    id: "FAQ-0007",
    category: "会员",
    question: "会员可以退订吗？",
    answer: "连续包月会员可随时在「会员中心-管理自动续费」中关闭，已扣费的当期不退。",
    phrasings: ["取消自动续费"],
  },
  {
    id: "FAQ-0008",
    category: "shipping",
    question: "Do you ship internationally?",
    answer:
      "We ship to 38 countries. Shipping costs and delivery times are shown at checkout once you enter your address.",
    phrasings: ["international shipping"],
  },
];

export const SEED_AGENTS: (Agent & { password?: "temporary" })[] = [
  {
    id: "agent",
    displayName: "李娜 Li Na",
    groups: ["agent"],
    skills: ["zh", "en", "billing", "wechat"],
    status: "online",
    maxConcurrent: 5,
    openTickets: 0,
  },
  {
    id: "agent2",
    displayName: "Emily Chen",
    groups: ["agent"],
    skills: ["en", "email", "sms"],
    status: "online",
    maxConcurrent: 4,
    openTickets: 0,
  },
  {
    id: "supervisor",
    displayName: "王强 Wang Qiang",
    groups: ["agent", "supervisor", "pii"],
    skills: ["zh", "en", "complaints", "vip"],
    status: "online",
    maxConcurrent: 3,
    openTickets: 0,
  },
  {
    id: "admin",
    displayName: "Admin 管理员",
    // As the local stack's demo admin (local/cognito.ts): the knowledge base's, not an agent.
    groups: ["admin"],
    skills: ["zh", "en"],
    status: "away",
    maxConcurrent: 2,
    openTickets: 0,
  },
  {
    id: "newagent",
    displayName: "张伟 Zhang Wei",
    groups: ["agent"],
    skills: ["zh"],
    status: "away",
    maxConcurrent: 3,
    openTickets: 0,
    password: "temporary",
  },
];

export const SKILLS = ["zh", "en", "billing", "wechat", "email", "sms", "complaints", "vip", "regulated"];

export interface SeedTicket {
  channel: Channel;
  priority: Priority;
  reason: HandoffReason;
  detail: string;
  language: "zh" | "en";
  skills: string[];
  vip?: boolean;
  assignee?: string;
  display: string;
  channelId: string;
  real: string;
  /** Minutes before now that the conversation started. */
  ageMin: number;
  /** Minutes the SLA gives for the first response (deadline relative to creation). */
  firstResponseMin: number;
  resolutionMin: number;
  firstRespondedMinAfter?: number;
  turns: [role: Turn["role"], text: string, minutesAfterStart: number, agent?: string][];
  candidates: [faqId: string, score: number][];
  constraints?: Partial<Record<"optedOut" | "windowClosed", boolean>>;
  resolved?: boolean;
  csat?: 1 | 2 | 3 | 4 | 5;
}

export const SEED_TICKETS: SeedTicket[] = [
  {
    channel: "wechat",
    priority: "urgent",
    reason: "negative_sentiment",
    detail: "negative_sentiment: score=-0.82",
    language: "zh",
    skills: ["zh", "complaints"],
    vip: true,
    assignee: "agent",
    display: "wx:o6_b…kE",
    channelId: "o6_bmj…Xy3kE",
    real: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
    ageMin: 42,
    firstResponseMin: 15,
    resolutionMin: 240,
    turns: [
      ["customer", "我的订单 20261130-8841 三天了还没发货，你们到底怎么回事？", 0],
      ["bot", "很抱歉让您久等了。订单发货后 24 小时内会更新物流信息，您可以在「我的订单」中查看。", 0.1],
      ["customer", "我已经看了三遍了！一直显示待发货，我要投诉！", 2],
      ["system", "已转人工：客户情绪负面", 2.1],
    ],
    candidates: [
      ["FAQ-0003", 0.58],
      ["FAQ-0002", 0.31],
    ],
  },
  {
    channel: "sms",
    priority: "high",
    reason: "customer_request",
    detail: "human_request:人工",
    language: "zh",
    skills: ["zh", "billing"],
    assignee: "agent",
    display: "+86 138****1234",
    channelId: "+86 138****1234",
    real: "+86 138 0013 1234",
    ageMin: 25,
    firstResponseMin: 30,
    resolutionMin: 480,
    turns: [
      ["customer", "退款什么时候到账", 0],
      [
        "bot",
        "退款审核通过后原路退回：微信/支付宝 1-3 个工作日，银行卡 3-7 个工作日。回复“人工”转人工客服。",
        0.1,
      ],
      ["customer", "人工", 3],
      // The hand-off notice, filed on the ticket as the customer got it.
      ["bot", "已为您转接人工客服，工单号 {ticket}。客服人员会尽快回复您，请稍候。", 3.1],
    ],
    candidates: [
      ["FAQ-0002", 0.91],
      ["FAQ-0005", 0.44],
    ],
  },
  {
    channel: "email",
    priority: "normal",
    reason: "low_confidence",
    detail: "low_confidence: top=0.61",
    language: "en",
    skills: ["en", "email"],
    display: "j***@example.com",
    channelId: "j***@example.com",
    real: "jamie.doe@example.com",
    ageMin: 95,
    firstResponseMin: 120,
    resolutionMin: 1440,
    turns: [
      [
        "customer",
        "Hello, I was charged twice for order #55120 (two identical charges of $49.90 on my card statement). Can you refund one of them? Thanks, Jamie",
        0,
      ],
      [
        "bot",
        "Refunds go back to the original payment method within 3-7 business days after approval. Was there anything else?",
        0.2,
      ],
      ["customer", "That doesn't answer my question. I need one of the two charges reversed.", 30],
    ],
    candidates: [
      ["FAQ-0005", 0.61],
      ["FAQ-0002", 0.4],
    ],
  },
  {
    channel: "wecom-kf",
    priority: "high",
    reason: "repeated_failure",
    detail: "repeated_failure: 3 unanswered",
    language: "zh",
    skills: ["zh", "wechat"],
    display: "kf:wmAb…9Qx",
    channelId: "wmAb…9Qx",
    real: "wmAbCdEf0123456789Qx",
    ageMin: 200,
    firstResponseMin: 30,
    resolutionMin: 240,
    turns: [
      ["customer", "发票抬头开错了能重开吗", 0],
      ["bot", "订单完成后在「订单详情-申请发票」中选择专票，填写公司抬头、税号……", 0.1],
      ["customer", "不是，我是说已经开了的发票写错了", 1],
      ["bot", "抱歉，我没有理解您的问题。", 1.1],
      ["customer", "重开发票！！", 2],
    ],
    candidates: [["FAQ-0004", 0.52]],
    constraints: { windowClosed: false },
  },
  {
    channel: "dingtalk",
    priority: "normal",
    reason: "sensitive_topic",
    detail: "sensitive_topic: regulated=insurance",
    language: "zh",
    skills: ["zh", "regulated"],
    assignee: "supervisor",
    display: "dt:manager…42",
    channelId: "manager…42",
    real: "manager7342",
    ageMin: 60,
    firstResponseMin: 60,
    resolutionMin: 480,
    firstRespondedMinAfter: 10,
    turns: [
      ["customer", "你们的延保服务算不算保险产品？出了问题谁来赔？", 0],
      ["system", "已转人工：敏感话题（受监管）", 0.1],
      ["agent", "您好，延保服务由合作保险公司承保，我为您查询具体条款，请稍等。", 10, "supervisor"],
      ["note", "需要法务确认话术，别承诺赔付比例。", 11, "supervisor"],
    ],
    candidates: [],
  },
  {
    channel: "twilio",
    priority: "low",
    reason: "model_requested",
    detail: "model_requested: account_change",
    language: "en",
    skills: ["en", "sms"],
    display: "+1 (415) ***-0199",
    channelId: "+1415***0199",
    real: "+1 415 555 0199",
    ageMin: 15,
    firstResponseMin: 240,
    resolutionMin: 2880,
    turns: [
      ["customer", "Can you change the name on my account to my married name?", 0],
      ["bot", "I'll pass this to a colleague who can change account details.", 0.1],
    ],
    candidates: [["FAQ-0006", 0.33]],
  },
  {
    channel: "wecom",
    priority: "normal",
    reason: "engine_error",
    detail: "engine_error: timeout",
    language: "zh",
    skills: ["zh"],
    display: "wecom:ZhangSan…",
    channelId: "ZhangSan…",
    real: "ZhangSan",
    ageMin: 8,
    firstResponseMin: 60,
    resolutionMin: 480,
    turns: [["customer", "会员自动续费怎么关？扣了我两个月了", 0]],
    candidates: [["FAQ-0007", 0.88]],
  },
  {
    channel: "wechat",
    priority: "high",
    reason: "customer_request",
    detail: "human_request:转人工",
    language: "zh",
    skills: ["zh", "wechat"],
    display: "wx:o6_c…pL",
    channelId: "o6_c…pL",
    real: "o6_cQ1w2e3r4t5y6u7i8o9pL",
    ageMin: 60 * 50,
    firstResponseMin: 30,
    resolutionMin: 60 * 24,
    turns: [
      ["customer", "转人工", 0],
      ["bot", "正在为您转接人工客服，请稍候。", 0.1],
    ],
    candidates: [],
    constraints: { windowClosed: true },
  },
  {
    channel: "sms",
    priority: "normal",
    reason: "low_confidence",
    detail: "low_confidence: top=0.48",
    language: "en",
    skills: ["en", "sms"],
    display: "+44 7700 ***123",
    channelId: "+447700***123",
    real: "+44 7700 900123",
    ageMin: 300,
    firstResponseMin: 60,
    resolutionMin: 480,
    firstRespondedMinAfter: 20,
    assignee: "agent2",
    turns: [
      ["customer", "Do u ship to Norway", 0],
      ["bot", "We ship to 38 countries; costs are shown at checkout.", 0.1],
      ["customer", "is Norway one of them or not", 5],
      ["agent", "Yes, we ship to Norway: 5-8 business days.", 20, "agent2"],
      ["customer", "STOP", 30],
    ],
    candidates: [["FAQ-0008", 0.48]],
    constraints: { optedOut: true },
  },
  {
    channel: "email",
    priority: "low",
    reason: "customer_request",
    detail: "human_request:agent",
    language: "en",
    skills: ["en", "email"],
    display: "m***@example.org",
    channelId: "m***@example.org",
    real: "morgan@example.org",
    ageMin: 60 * 26,
    firstResponseMin: 240,
    resolutionMin: 1440,
    firstRespondedMinAfter: 30,
    assignee: "agent",
    turns: [
      ["customer", "Please have a person call me about my invoice.", 0],
      ["agent", "Hello Morgan, I have re-sent the invoice to this address. Anything else?", 30, "agent"],
      ["customer", "Got it, thanks!", 60],
    ],
    candidates: [["FAQ-0004", 0.22]],
    resolved: true,
    csat: 5,
  },
];

export function constraintsFor(
  channel: Channel,
  windowEndsAt: string | undefined,
  optedOut: boolean,
): ChannelConstraints {
  switch (channel) {
    case "wechat":
    case "wecom":
      return {
        kind: "weixin",
        maxPartBytes: 2048,
        windowEndsAt: channel === "wechat" ? windowEndsAt : undefined,
      };
    case "wecom-kf":
      return { kind: "weixin", maxPartBytes: 2048, maxParts: 5, windowEndsAt };
    case "sms":
    case "twilio":
      return smsConstraints(3, optedOut);
    case "email":
      return { kind: "email", subject: "Re: Your question to Kefu", threaded: true };
    case "dingtalk":
      return { kind: "dingtalk", maxPartBytes: 6000 };
  }
}

/**
 * How often customers picked each wording of a seeded suggestion of picks (its count is their sum): a
 * decision on some of its wordings takes their picks out and leaves the rest suggested, as the real API does.
 */
export const SEED_PICKS: Record<string, Record<string, number>> = {
  "picked-refund-time": { 钱什么时候退回来: 2, 退的钱啥时候到: 2, 退款几天到: 1 },
};

/** Learning suggestions (issue 13): topics of questions the bot handed off, as GET /insights/suggestions lists them. */
export const SEED_SUGGESTIONS: LearningSuggestion[] = [
  {
    id: "sg-refund-card",
    representative: "退款能退到信用卡吗",
    count: 7,
    reasons: { low_confidence: 6, dissatisfied: 1 },
    examples: [
      "退款能退到信用卡吗",
      "钱会退回我的卡里吗",
      "退款是原路返回到银行卡吗",
      "信用卡付的款退到哪里",
      "退款退回哪张卡 138****5678",
    ],
    closest: [
      { faqId: "FAQ-0002", score: 0.62, matchedQuestion: "退款多久到账？" },
      { faqId: "FAQ-0005", score: 0.21, matchedQuestion: "How do I get a refund?" },
    ],
    ticketIds: ["KF-10000001", "KF-10000002"],
    firstAt: "2026-11-24T02:10:00.000Z",
    lastAt: "2026-12-01T08:45:00.000Z",
  },
  {
    id: "sg-invoice-email",
    representative: "电子发票可以发到邮箱吗",
    count: 3,
    reasons: { low_confidence: 2, failed_clarify: 1 },
    examples: ["电子发票可以发到邮箱吗", "发票能发邮件给我吗", "怎么把发票寄到我的邮箱"],
    closest: [{ faqId: "FAQ-0004", score: 0.48, matchedQuestion: "如何开具增值税专用发票？" }],
    ticketIds: ["KF-10000003"],
    firstAt: "2026-11-28T06:00:00.000Z",
    lastAt: "2026-11-30T12:30:00.000Z",
  },
  {
    // Not the shop's business: what "not our business" (an out-of-scope change) is for.
    id: "sg-other-shop-parcel",
    representative: "帮我查一下在别家店买的快递",
    count: 4,
    reasons: { low_confidence: 3, failed_clarify: 1 },
    examples: ["帮我查一下在别家店买的快递", "拼多多买的东西到哪了", "别的平台的快递能帮查吗"],
    closest: [{ faqId: "FAQ-0001", score: 0.41, matchedQuestion: "我的快递到哪了？" }],
    ticketIds: ["KF-10000004"],
    firstAt: "2026-11-26T03:00:00.000Z",
    lastAt: "2026-12-01T09:10:00.000Z",
  },
  {
    // Customers' picks when the bot offered options: "picked", taught to the entry picked in one click.
    id: "picked-refund-time",
    representative: "钱什么时候退回来",
    count: 5,
    reasons: { picked: 5 },
    examples: ["钱什么时候退回来", "退的钱啥时候到", "退款几天到"],
    closest: [],
    ticketIds: [],
    firstAt: "2026-11-25T01:20:00.000Z",
    lastAt: "2026-12-01T07:05:00.000Z",
    picked: {
      faqId: "FAQ-0002",
      question: "退款多久到账？",
      others: [{ faqId: "FAQ-0005", count: 1 }],
    },
  },
];
