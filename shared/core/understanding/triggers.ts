import type { Turn } from "../conversation";
import type { HandoffReason } from "../engine";
import { parseChoice } from "../policy";
import { normalize } from "../text";
import type { TicketPriority } from "../ticket";
import { ANGER_SCORE, readEmotion } from "./emotion";

/**
 * Hand-off triggers, checked before retrieval. Each is a pure function of the text (and history) with
 * its own switch, and each maps to one HandoffReason. They are tuned for precision: a false hand-off
 * costs an agent's time, a missed one is usually caught by the low-confidence path anyway.
 */

export interface TriggerHit {
  reason: HandoffReason;
  priority: TicketPriority;
  /** Which rule fired, for the ticket and the logs (e.g. "human_request:转人工"). */
  detail: string;
}

export interface TriggerConfig {
  humanRequest: boolean;
  negativeSentiment: boolean;
  repeatedFailure: boolean;
  sensitiveTopic: boolean;
  /** Emotion score (emotion.ts) at or above which the customer is angry enough for a person. */
  sentimentThreshold: number;
  /** Dissatisfied customer turns in a row (including the current one) that trigger a hand-off. */
  failureStreak: number;
}

export const DEFAULT_TRIGGER_CONFIG: TriggerConfig = {
  humanRequest: true,
  negativeSentiment: true,
  repeatedFailure: true,
  sensitiveTopic: true,
  sentimentThreshold: ANGER_SCORE,
  failureStreak: 3,
};

/** Text without spaces and punctuation, for Chinese phrase matching ("转 人工！" → "转人工"). */
function compact(text: string): string {
  return normalize(text).replace(/[\s\p{P}\p{S}]+/gu, "");
}

function words(text: string): string[] {
  return normalize(text)
    .replace(/[\u2019']/g, "")
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

/** Damerau–Levenshtein distance ≤ 1 (one insertion, deletion, substitution or transposition). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

// ---------------------------------------------------------------------------------------------------------
// Explicit request for a person

const ZH_HUMAN_PHRASES = [
  "转人工",
  "人工客服",
  "人工服务",
  "人工坐席",
  "找人工",
  "要人工",
  "接人工",
  "换人工",
  "叫人工",
  "真人",
  "活人",
  "转客服",
  "找客服",
  "叫客服",
  "换个人",
  "找你们经理",
  "叫你们经理",
  "找你们领导",
  "叫你们领导",
  "找你们主管",
  "找经理",
];
/** "真人秀", "真人版": shows and films, not a person to talk to. */
const ZH_HUMAN_FALSE = /真人(秀|版|cs|电影|游戏|真事)/g;
/**
 * Fillers around a bare "人工"/"客服": "我要人工", "请给我客服". Every filler can be read only one way
 * ("我要" is 我 + 要, "请给我" is 请 + 给我, "麻烦转" is 麻烦 + 转, so none is listed whole): with two readings
 * of the same characters the engine tries every combination, and "我要"×30 took 10 s.
 */
const ZH_FILLER =
  /^(?:我想|我|要|请|给我|帮我|麻烦|转|找|接|联系)*(?:人工客服|人工|客服)(?:吧|啊|呀|谢谢|好吗|可以吗|行吗)*$/;
/** "客服电话是多少", "人工服务时间": asking about the service, not asking for it. */
const ZH_INFO_QUESTION =
  /(电话|号码|热线|邮箱|地址|时间|几点|多少|哪里|在哪|怎么联系|如何联系|上班|工作时间|微信号)/;
/**
 * 人工 typed with a pinyin input method picks a homophone now and then (rén gōng: 人宫, 人功, 人攻, 仁工). Read
 * as 人工 only where 人工 is asked for — after 转/接/找/要/叫/换, or before 客服/服务/坐席 — so that a word of
 * its own (主人公, 找人公司) stays what it is.
 */
const ZH_HOMOPHONE_RENGONG =
  /(?<=[转接找要叫换])(?:[人仁][宫功攻]|仁工)|(?:[人仁][宫功攻]|仁工)(?=客服|服务|坐席)/g;
/** Who the customer asks for: a person, not the bot. */
const ZH_PERSON = "(?:人工客服|人工|真人客服|真人|活人|工作人员|客服(?:人员|小姐姐|小哥哥|小姐|妹子|妹妹)?)";
/**
 * A verb of asking for or being put through to a person, a few words of filler, the person: "帮我转一下人工",
 * "能不能给我接个人工客服", "让你们的客服来", "找个人工问问". The fillers are single readings (一下, 个, 给我…)
 * so that the match stays linear.
 */
const ZH_ASK_FOR_PERSON = new RegExp(
  `(?:转接|转|接|找|要|换|叫|喊|联系|呼叫|安排|让)(?:一下|一个|个|下|给我|帮我|我|到|去|你们的|你们|再)*${ZH_PERSON}`,
);
/** Talking with a person: "我要和客服聊一下", "想跟人工客服沟通一下退款的事". */
const ZH_TALK_WITH_PERSON = new RegExp(
  `(?:跟|和|与|同)(?:你们的|你们)?${ZH_PERSON}(?:客服)?(?:说|聊|谈|沟通|对话|交流|讲|联系)`,
);
/**
 * Not the bot: "不要机器人", "我不想跟机器人聊了", "别让机器人回了". Only with a verb of talking or at the end
 * of the message, so that "不要机器人吸尘器了" (a product) is not a request.
 */
const ZH_NOT_THE_BOT =
  /(?:不要|不想|不用|别|不跟|不和)(?:再)?(?:跟|和|让|用)?(?:机器人|机器|智能客服|自动回复|ai)(?:客服)?(?:聊|说|回|答|对话|$)/;

/**
 * Declining a person: "我不要客服，我自己看看", "不用人工", "别转人工了". Removed before the request patterns
 * read the text, so that 要客服 inside 不要客服 is not a request. "不转人工" and "为什么不给我转人工" are
 * complaints of not being put through, so a bare 不 before 转/接 is left alone.
 */
const ZH_DECLINED_PERSON = new RegExp(
  `(?:不要|不用|不需要|不必|无需|别|不找)(?:再)?(?:转接|转|接|找|叫|联系)?(?:一下|个)?${ZH_PERSON}`,
  "g",
);

/** Person words the fuzzy match stands for (each is read as "human" below, typos included). */
const EN_PERSON = [
  "human",
  "agent",
  "representative",
  "person",
  "operator",
  "someone",
  "somebody",
  "manager",
  "supervisor",
  "rep",
  "staff",
];
const EN_PERSON_FUZZY = ["human", "agent", "representative", "person", "operator", "manager", "supervisor"];
const EN_FILLER = new Set(
  "i want need would like to talk speak chat connect transfer me with a an the real live actual please pls can could get let put through give now just human being you your one customer service support want a".split(
    " ",
  ),
);
/** Words that name the shop's service desk: "customer service", "support", "sales". */
const EN_DESK = String.raw`(?:customer\s+(?:service|support|care)|support|sales)`;
/**
 * A person, after the fuzzy reading (every person word is "human"): "a human", "a real person", "a customer
 * service representative", "a member of staff".
 */
const EN_PERSON_PHRASE = String.raw`(?:(?:a|an|the|your|some|one\s+of\s+your)\s+)?(?:member\s+of\s+(?:your\s+|the\s+)?)?(?:(?:real|live|actual)\s+)?(?:${EN_DESK}\s+)?(?:human|people)s?\b`;
/** The shop's own team: "your support team", "a member of the team". */
const EN_TEAM = String.raw`(?:(?:your|the)\s+|(?:a\s+)?member\s+of\s+(?:your\s+|the\s+)?)(?:${EN_DESK}\s+)?team\b|${EN_DESK}\s+team\b`;
const EN_SOMEONE = `${EN_PERSON_PHRASE}|${EN_TEAM}`;
/** "talk to a real person", "get me a human", "put me through to someone". */
const EN_REQUEST = new RegExp(
  String.raw`\b(?:talk|speak|chat|connect|transfer|put|pass|get|want|need)\b(?:\s+\w+){0,4}?\s+(?:to|with|through\s+to|a|an)\s+(?:${EN_PERSON_PHRASE})`,
);
/**
 * The desk or the team, only after a verb of talking or reaching: "talk to customer service", "chat with
 * support", "contact your team". "send it back to your team" is about a parcel, not a person.
 */
const EN_TALK_TO_DESK = new RegExp(
  String.raw`\b(?:talk|speak|chat|connect|transfer|put|pass)\b(?:\s+\w+){0,3}?\s+(?:to|with|through\s+to)\s+(?:(?:your|the)\s+)?${EN_DESK}\b` +
    String.raw`|\b(?:talk|speak|chat|connect|(?:put|transfer|pass)\s+me)\b(?:\s+\w+){0,3}?\s+(?:to|with|through\s+to)\s+(?:${EN_TEAM})` +
    String.raw`|\b(?:contact|reach)\s+(?:${EN_TEAM})`,
);
const EN_DIRECT = /\b(real|live|actual)\s+(human|people)\b|\bhuman\s+being\b|\bcustomer\s+service\s+human\b/;
/** "is there a human i can talk to", "is anyone there i could speak with". */
const EN_ANYONE_TO_TALK_TO =
  /\b(is|are)\s+there\s+(a\s+|an\s+|any\s+)?(real\s+|live\s+)?(human|anyone|anybody)\b(\s+\w+){0,3}?\s+(i|we)\s+(can|could)\s+(talk|speak|chat)\b/;
/**
 * A person asked to get in touch: "could a customer service representative contact me", "have a member of
 * your team get in touch with me", "can someone from support call me".
 */
const EN_PERSON_CONTACT_ME = new RegExp(
  String.raw`\b(?:can|could|would|please|have|get)\s+(?:${EN_SOMEONE})(?:\s+from\s+(?:your\s+|the\s+)?(?:${EN_DESK}\s+team|${EN_DESK}|team))?\s+(?:please\s+)?(?:contact|call|phone|ring|reach\s+out\s+to|get\s+in\s+touch\s+with|get\s+back\s+to)\s+me\b`,
);
/** "Do I need to speak to a representative to change my PIN?" is a question about the process. */
const EN_QUESTION_ABOUT =
  /\b(do|does|should|must|will)\s+(i|we|you)\s+(need|have)\s+to\b|\bwithout\s+(talking|speaking)\b/;

function isFuzzyPersonWord(w: string): boolean {
  if (EN_PERSON.includes(w)) return true;
  return w.length >= 5 && EN_PERSON_FUZZY.some((k) => withinOneEdit(w, k));
}

export function detectHumanRequest(text: string): string | undefined {
  const zh = compact(text)
    .replace(ZH_HUMAN_FALSE, "")
    .replace(ZH_HOMOPHONE_RENGONG, "人工")
    .replace(ZH_DECLINED_PERSON, "");
  if (zh.length > 0) {
    const phrase = ZH_HUMAN_PHRASES.find((p) => zh.includes(p));
    const asked = phrase ?? (ZH_ASK_FOR_PERSON.exec(zh) ?? ZH_TALK_WITH_PERSON.exec(zh))?.[0];
    if (asked && !(ZH_INFO_QUESTION.test(zh) && !zh.includes("转人工"))) return asked;
    const notTheBot = ZH_NOT_THE_BOT.exec(zh);
    if (notTheBot) return notTheBot[0];
    if (ZH_FILLER.test(zh)) return zh;
  }
  const norm = normalize(text).replace(/[\u2019']/g, "");
  if (EN_QUESTION_ABOUT.test(norm)) return undefined;
  const ws = words(text);
  if (ws.length === 0) return undefined;
  // Every person word, typos included, reads "human": "someone from support" is "human from support".
  const fuzzy = ws.map((w) => (isFuzzyPersonWord(w) ? "human" : w)).join(" ");
  const m =
    EN_REQUEST.exec(fuzzy) ??
    EN_TALK_TO_DESK.exec(fuzzy) ??
    EN_DIRECT.exec(fuzzy) ??
    EN_ANYONE_TO_TALK_TO.exec(fuzzy) ??
    EN_PERSON_CONTACT_ME.exec(fuzzy);
  if (m) return m[0];
  // Short messages made only of a person word and request fillers: "human", "agent please", "humen!!".
  if (
    ws.length <= 6 &&
    ws.some(isFuzzyPersonWord) &&
    ws.every((w) => EN_FILLER.has(w) || isFuzzyPersonWord(w))
  ) {
    return ws.join(" ");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Dissatisfaction and repeated failure

/**
 * The customer says the bot's answer did not help or missed the question. In Chinese, "也不是"/"还是不对" count
 * only at the start of the message ("也不是 我说的是…"), where they judge the answer: "我也不是很急" does not.
 */
const ZH_DISSATISFIED =
  /没用|没有用|用都没有|没帮上|没帮到|不对|答非所问|牛头不对马嘴|驴唇不对马嘴|文不对题|不是这个|不是我要|不是我问|不是我想问|根本不是|跟我问的.{0,3}(?:关系|不一样)|没解决|没有解决|还是不行|不行啊|看不懂|听不懂|不明白|不懂你|没听懂|没理解|不理解我|没看懂我|没回答|没有回答|白说|等于没说|说了等于|没说清楚|没讲清楚|又是这套|车轱辘|复读机|什么鬼|胡说|乱说|问的不是|^(?:也|还|还是|仍然|依然)(?:不是|不对)/;
const EN_DISSATISFIED =
  /\b(not helpful|unhelpful|useless|no help|(not|isnt|arent|is not|are not) helping|(does not|doesnt|did not|didnt) (help|answer)|(not|isnt) what i (asked|meant|wanted|need|said)|(thats|that is|this is|its) not (it|my question)|not my question|nothing to do with (my|what)|(not|never) answer(ed|ing)?|that(s| is) wrong|wrong answer|(you (do not|dont|are not|arent)|youre not) (understand|understanding|getting)|you misunderstood|(the )?same (answer|reply|thing) again|keep (giving|sending|saying) (me )?the same|(does not|doesnt) answer|not (an )?answer|makes no sense|still (not|doesnt|does not) work)\b/;

export function isDissatisfied(text: string): boolean {
  const norm = normalize(text).replace(/[\u2019']/g, "");
  return ZH_DISSATISFIED.test(compact(text)) || EN_DISSATISFIED.test(norm);
}

function bigrams(text: string): Set<string> {
  const chars = [...compact(text)];
  const set = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) set.add(`${chars[i]}${chars[i + 1]}`);
  if (chars.length === 1) set.add(chars[0] as string);
  return set;
}

/** Character-bigram Jaccard ≥ 0.7: the customer asked the same thing again. */
export function isRepeat(a: string, b: string): boolean {
  const x = bigrams(a);
  const y = bigrams(b);
  if (x.size === 0 || y.size === 0) return false;
  let inter = 0;
  for (const g of x) if (y.has(g)) inter++;
  return inter / (x.size + y.size - inter) >= 0.7;
}

/**
 * Counts the customer's dissatisfied turns in a row, ending with the current text. A turn counts when it
 * says so ("没用", "not helpful") or repeats the customer's previous message. A bare pick of an offered
 * option ("2", "第一个") neither counts nor breaks the run: it answers the bot's question, and says nothing
 * of whether the answer that follows it helped.
 */
export function dissatisfiedStreak(text: string, history: Turn[]): number {
  const customerTurns = [...history.filter((t) => t.role === "customer").map((t) => t.text), text].filter(
    (turn) => parseChoice(turn) === undefined,
  );
  let streak = 0;
  for (let i = customerTurns.length - 1; i >= 0; i--) {
    const current = customerTurns[i] as string;
    const previous = customerTurns[i - 1];
    if (isDissatisfied(current) || (previous !== undefined && isRepeat(current, previous))) streak++;
    else break;
  }
  return streak;
}

// ---------------------------------------------------------------------------------------------------------
// Urgent or regulated topics

/**
 * What makes a matter sensitive, by kind (the kind goes into the ticket's detail): each is for a person,
 * fast, and none is for the bot to answer from an FAQ.
 * - legal: a threat to go to court, a lawyer, a regulator or the consumer association (12315, 消协,
 *   "trading standards"), or the police;
 * - fraud: someone else acting as the customer or as the shop — a stolen or taken-over account, purchases
 *   the customer did not make, people posing as the shop's staff;
 * - safety: harm done by a product — fire, smoke, an explosion, an electric shock, burns, cuts, an allergic
 *   reaction, poisoning, a child swallowing a part, a hospital visit.
 * A message that only asks about such a thing ("防过敏的枕头有吗", "is the heater safe overnight", "投诉
 * 建议在哪里提交") is a question, not a matter: the patterns name the event, not the topic.
 */
type SensitiveKind = "legal" | "fraud" | "phishing" | "safety";

const ZH_SENSITIVE: [SensitiveKind, RegExp][] = [
  [
    "legal",
    /12315|12378|消协|消费者协会|律师|起诉|法院|诉讼|仲裁|报警|银保监|金融监管|监管局|市场监管|工商局|曝光你们|法律程序|走法律|法律途径|举报你们|去举报|向.{0,8}举报|投诉/,
  ],
  [
    "fraud",
    /诈骗|被骗|骗子|骗了我|骗走|盗刷|(?:账号|账户|帐号|帐户|号|卡|密码|微信|支付宝)(?:被|让人|叫人)(?:盗|黑|别人登|人登|盗用|冒用)|盗号|被盗号|冒用|冒充|盗用|假冒(?:你们|客服|官方)|(?:不是我|我没有?)(?:本人)?(?:下|买|登录|操作|付)(?:的|过)(?!.{0,2}吗)/,
  ],
  [
    "safety",
    /起火|着火|失火|冒烟|爆炸|自燃|烧伤|烫伤|烧焦|触电|(?<!防)漏电|被电|电到了?我|受伤|划伤|割伤|扎伤|砸伤|夹伤|流血|出血|住院|在医院|去医院|进了?医院|送医|急诊|看医生|就医|中毒|(?<![防抗])过敏(?![肌体性原人群])|红疹|起疹|疹子|红肿|呕吐|上吐下泻|拉肚子|腹泻|肚子疼|吞下|误食|窒息|噎住/,
  ],
];
/**
 * "不是我下的", "我没买过…" deny an order, never when they ask about being a new customer ("我没买过你们家的
 * 东西，新人有优惠吗"). "我没…过" is also said of a product ("我没买过这种面料"), so it counts only with an
 * order, a charge, an account or a card in the message. A denial followed by 吗 ("不是我下的单吗") is a
 * question, left out by the pattern itself.
 */
const ZH_DENIAL = /^(?:不是我|我没有?)/;
const ZH_NEW_CUSTOMER = /新人|新客|新用户|新会员|第一次|首次|首单|优惠|折扣|福利|券/;
const ZH_DENIED_OBJECT =
  /订单|单子|(?:下|的|过|这|那|笔)单|这笔|那笔|这些|那些|扣|钱|账户|帐户|账号|帐号|银行卡|信用卡|登录|记录|付款|支付/;
/** Someone got in touch claiming to be the shop, and asked for money, a code or a click: phishing. */
const ZH_CONTACTED =
  /收到.{0,4}(?:短信|电话|邮件|消息|链接)|有人.{0,6}(?:打电话|来电|发短信|加我|联系我)|陌生|自称/;
const ZH_ASKED_FOR =
  /链接|验证码|银行卡|卡号|密码|扫码|转账|理赔|交.{0,2}费|付.{0,2}费|是你们发的|是你们的人|是真的吗|是不是诈骗/;
/** Asking where or how to complain is a question about the service, not a complaint. */
const ZH_ASKS_HOW_TO_COMPLAIN =
  /投诉.{0,6}(?:在哪|哪里|怎么|如何|渠道|入口|方式|电话)|(?:在哪|哪里|怎么|如何)投诉/;

/**
 * Cuts and bleeding are harm only to a person: "cut my finger", "my hand is bleeding", "im bleeding"; the
 * dye bleeding onto other clothes and "cut my order in half" are not.
 */
const EN_BODY = String.raw`(?:my|his|her|their|our|the (?:babys|kids|childs))(?: \w+)? (?:finger|thumb|hand|palm|wrist|arm|leg|foot|feet|toe|knee|face|lip|mouth|tongue|nose|head|ear|eye|skin|gum)s?`;
const EN_BLEEDING = String.raw`(?:i|im|he|hes|she|shes|they|theyre|baby|kid|child|son|daughter|toddler|dog|cat|puppy|${EN_BODY})(?: \w+){0,2} (?:bleeding|bled|bleeds)|(?:made|left|leaving) (?:me|him|her|them|us) bleeding`;
const EN_SENSITIVE: [SensitiveKind, RegExp][] = [
  [
    "legal",
    /\b(lawyer|attorney|solicitor|sue|suing|lawsuit|legal action|legal proceedings|court|regulator|ombudsman|trading standards|small claims|complaint|complain|police|cfpb|fca|report(ing)? (you|this|your (company|store|shop)) to)\b/,
  ],
  [
    "fraud",
    /\b(fraud|fraudulent|scam|scammed|scammer|identity theft|phishing|hacked|compromised|unauthori[sz]ed (purchase|order|charge|transaction|payment|login|access)s?|account takeover|(someone|somebody|a stranger) (logged|signed|got) (in|into)|without my (permission|consent|knowledge|authori[sz]ation)|(pretending|claiming|posing) (to be|as)|(never|didnt|did not) (placed?|made?|authori[sz]ed?)\b.{0,20}\b(orders?|purchases?)|(orders?|purchases?)\b.{0,30}\b(i|we) (never|didnt|did not) (placed?|made?|authori[sz]ed?))\b/,
  ],
  [
    "safety",
    new RegExp(
      String.raw`\b(caught fire|on fire|burst into flames|in flames|exploded|explosion|(started|was|is|began|kept) smoking|smoke (came|coming|pouring)|(got|was|were|been|badly) (burned|burnt)|burn(ed|t|s)? (me|my|myself|him|her|his|their|them|us|our|the house)|electric shock|electrocut\w*|shocked (me|him|her|my)|injur(ed|y|ies)|(got|was|were|been) hurt|hurt (me|my|myself|him|her|himself|herself|them|us)|cut (me(?! (?:a|an|some|off)\b)|myself|himself|herself|themselves|${EN_BODY})|${EN_BLEEDING}|(in|at|went to|go to|gone to|taken to|rushed to|ended up in|trip to|(take|took|taking) \w+ to) (the )?hospital|hospitali[sz]ed|emergency room|(the|in) er|a&e|allergic reaction|broke out in|rash(?! guard)|hives|poison(ed|ing)|sick after (eating|using|drinking)|choked|choking(?! hazard)|(child|kid|baby|toddler|son|daughter|he|she|dog|cat|puppy) (has |had |nearly |almost )?swallowed)\b`,
    ),
  ],
];
/** Someone got in touch claiming to be the shop, and asked for money, details or a click: phishing. */
const EN_CONTACTED =
  /\b((got|received|getting|had) (a|an|this|some|these) (\w+ )?(text|sms|message|email|e-mail|call|phone call|whatsapp)s?|(someone|somebody) (called|texted|emailed|messaged|contacted|rang))\b/;
const EN_ASKED_FOR =
  /\b(pay|fee|verify|bank details|card (number|details)|password|code|gift card|click(ing)? (a|the|this|on) link|link to (pay|enter|verify|confirm)|is (that|this|it) (really )?(you|from you|legit|genuine|real)|suspicious|fake)\b/;
/** "i never made a purchase before, do new customers get a discount?" asks about being new, not about fraud. */
const EN_DENIAL = /^(never|didnt|did not|orders?|purchases?)\b/;
const EN_NEW_CUSTOMER =
  /\b(before|new (customer|user|member)s?|first (time|order|purchase)|discount|coupon|promo( code)?|welcome offer)\b/;
const EN_ASKS_HOW_TO_COMPLAIN =
  /\b(how|where) (do|can|could|should) (i|we) (complain|make a complaint|file a complaint|submit a complaint)\b/;

/** The kind of sensitive matter and the words that showed it ("fraud:盗号"), or undefined. */
export function detectSensitiveTopic(text: string): string | undefined {
  const zh = compact(text);
  const norm = normalize(text).replace(/[\u2019']/g, "");
  for (const [kind, pattern] of ZH_SENSITIVE) {
    const hit = pattern.exec(zh);
    if (!hit) continue;
    if (hit[0] === "投诉" && ZH_ASKS_HOW_TO_COMPLAIN.test(zh)) continue;
    if (ZH_DENIAL.test(hit[0]) && ZH_NEW_CUSTOMER.test(zh)) continue;
    if (hit[0].startsWith("我没") && !ZH_DENIED_OBJECT.test(zh)) continue;
    return `${kind}:${hit[0]}`;
  }
  if (ZH_CONTACTED.test(zh) && ZH_ASKED_FOR.test(zh)) return `phishing:${ZH_CONTACTED.exec(zh)?.[0]}`;
  for (const [kind, pattern] of EN_SENSITIVE) {
    const hit = pattern.exec(norm);
    if (!hit) continue;
    if (/^complain/.test(hit[0]) && EN_ASKS_HOW_TO_COMPLAIN.test(norm)) continue;
    if (EN_DENIAL.test(hit[0]) && EN_NEW_CUSTOMER.test(norm)) continue;
    return `${kind}:${hit[0]}`;
  }
  if (EN_CONTACTED.test(norm) && EN_ASKED_FOR.test(norm)) return `phishing:${EN_CONTACTED.exec(norm)?.[0]}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// How much text the triggers read

/**
 * The triggers read at most this many characters of a message, and of each earlier turn: far more than
 * anyone types into a chat, so in practice only a long e-mail is cut (the rest of the pipeline still
 * reads all of it). Every rule here is linear in the text; the cap keeps the cost of one message bounded
 * whatever a later rule does.
 */
export const TRIGGER_TEXT_MAX_CHARS = 4000;
/** How far back from the cap a sentence end is looked for. */
const CUT_SEARCH_CHARS = 400;
const SENTENCE_ENDS = ["\n", "。", "！", "？", "；", "!", "?", ".", ";"];

/**
 * The part of a text the triggers read: all of it up to TRIGGER_TEXT_MAX_CHARS, otherwise the text up to
 * its last sentence end before the cap. Each trigger phrase lies within one sentence ("转人工",
 * "talk to a real person", "legal action"), so cutting between sentences never leaves half a phrase
 * that could match on its own, such as 真人 from 真人秀. Only a run of 400 characters without any sentence
 * end or space is cut mid-run.
 */
export function triggerText(text: string): string {
  if (text.length <= TRIGGER_TEXT_MAX_CHARS) return text;
  let head = text.slice(0, TRIGGER_TEXT_MAX_CHARS);
  // Never keep half of a surrogate pair (an emoji).
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const floor = head.length - CUT_SEARCH_CHARS;
  const sentenceEnd = Math.max(...SENTENCE_ENDS.map((end) => head.lastIndexOf(end)));
  if (sentenceEnd >= floor) return head.slice(0, sentenceEnd + 1);
  const space = head.search(/\s\S*$/);
  return space >= floor ? head.slice(0, space) : head;
}

/**
 * Runs the enabled triggers in order of urgency: regulated topics first (they need a person fast and get
 * high priority), then anger (an abusive "滚 叫个人来" is anger before it is a request: its ticket says so,
 * with its priority, and the hand-off opens with an apology), an explicit request, and repeated failure.
 * Each reads `triggerText` of the message and of the history.
 */
export function checkTriggers(
  fullText: string,
  fullHistory: Turn[],
  config: Partial<TriggerConfig> = {},
): TriggerHit | undefined {
  const c = { ...DEFAULT_TRIGGER_CONFIG, ...config };
  const text = triggerText(fullText);
  const history = fullHistory.map((turn) => ({ ...turn, text: triggerText(turn.text) }));
  if (c.sensitiveTopic) {
    const hit = detectSensitiveTopic(text);
    if (hit) return { reason: "sensitive_topic", priority: "high", detail: `sensitive_topic:${hit}` };
  }
  if (c.negativeSentiment) {
    const emotion = readEmotion(text);
    if (emotion.score >= c.sentimentThreshold) {
      return {
        reason: "negative_sentiment",
        // Intense anger or any abuse: a person should see it first.
        priority: emotion.intensity >= 3 ? "high" : "normal",
        detail: `negative_sentiment:${emotion.score}:i${emotion.intensity}:${emotion.cues.join(",")}`,
      };
    }
  }
  if (c.humanRequest) {
    const hit = detectHumanRequest(text);
    if (hit) return { reason: "customer_request", priority: "normal", detail: `human_request:${hit}` };
  }
  if (c.repeatedFailure) {
    const streak = dissatisfiedStreak(text, history);
    if (streak >= c.failureStreak) {
      return { reason: "repeated_failure", priority: "normal", detail: `repeated_failure:${streak}` };
    }
  }
  return undefined;
}
