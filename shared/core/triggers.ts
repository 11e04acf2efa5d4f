import type { Turn } from "./conversation";
import { ANGER_SCORE, readEmotion } from "./emotion";
import type { HandoffReason } from "./engine";
import { normalize } from "./text";
import type { TicketPriority } from "./ticket";

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
const EN_REQUEST =
  /\b(talk|speak|chat|connect|transfer|put|get|want|need)\b(\s+\w+){0,4}?\s+(to|with|through to|a|an)\s+(a\s+|an\s+|the\s+|your\s+|some\s+)?(real\s+|live\s+|actual\s+)?(human|agent|person|representative|rep|operator|someone|somebody|manager|supervisor|people)\b/;
const EN_DIRECT =
  /\b(real|live|actual)\s+(person|human|agent|people)\b|\bhuman\s+being\b|\bcustomer\s+service\s+(agent|rep|representative)\b/;
/** "Do I need to speak to a representative to change my PIN?" is a question about the process. */
const EN_QUESTION_ABOUT =
  /\b(do|does|should|must|will)\s+(i|we|you)\s+(need|have)\s+to\b|\bwithout\s+(talking|speaking)\b/;

function isFuzzyPersonWord(w: string): boolean {
  if (EN_PERSON.includes(w)) return true;
  return w.length >= 5 && EN_PERSON_FUZZY.some((k) => withinOneEdit(w, k));
}

export function detectHumanRequest(text: string): string | undefined {
  const zh = compact(text).replace(ZH_HUMAN_FALSE, "");
  if (zh.length > 0) {
    const phrase = ZH_HUMAN_PHRASES.find((p) => zh.includes(p));
    if (phrase && !(ZH_INFO_QUESTION.test(zh) && !zh.includes("转人工"))) return phrase;
    if (ZH_FILLER.test(zh)) return zh;
  }
  const norm = normalize(text).replace(/[\u2019']/g, "");
  if (EN_QUESTION_ABOUT.test(norm)) return undefined;
  const ws = words(text);
  if (ws.length === 0) return undefined;
  const fuzzy = ws.map((w) => (isFuzzyPersonWord(w) ? "human" : w)).join(" ");
  const m = EN_REQUEST.exec(fuzzy) ?? EN_DIRECT.exec(fuzzy);
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

const ZH_DISSATISFIED =
  /(没用|没有用|不对|答非所问|不是这个|不是我要|不是我问|没解决|没有解决|还是不行|还是不对|不行啊|看不懂|听不懂|不明白|不懂你|什么鬼|胡说|乱说|说的不对|问的不是)/;
const EN_DISSATISFIED =
  /\b(not helpful|unhelpful|useless|no help|(does not|doesnt|did not|didnt) help|(not|isnt) what i (asked|meant|wanted|need)|that(s| is) wrong|wrong answer|you (do not|dont) understand|(does not|doesnt) answer|not (an )?answer|makes no sense|still (not|doesnt|does not) work)\b/;

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
 * says so ("没用", "not helpful") or repeats the customer's previous message.
 */
export function dissatisfiedStreak(text: string, history: Turn[]): number {
  const customerTurns = [...history.filter((t) => t.role === "customer").map((t) => t.text), text];
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

const ZH_SENSITIVE =
  /(诈骗|被骗|骗子|骗了我|骗走|盗刷|被盗刷|投诉|12315|12378|消协|消费者协会|律师|起诉|法院|诉讼|仲裁|报警|银保监|金融监管|监管局|工商局|曝光你们)/;
const EN_SENSITIVE =
  /\b(fraud|fraudulent|scam|scammed|scammer|identity theft|lawyer|attorney|solicitor|sue|suing|lawsuit|legal action|court|regulator|ombudsman|complaint|complain|police|cfpb|fca)\b/;

export function detectSensitiveTopic(text: string): string | undefined {
  const zh = ZH_SENSITIVE.exec(compact(text));
  if (zh) return zh[0];
  const en = EN_SENSITIVE.exec(normalize(text));
  return en?.[0];
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
