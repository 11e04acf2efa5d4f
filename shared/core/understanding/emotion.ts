import { normalize } from "../text";

/**
 * Reads anger, abuse and frustration aimed at the shop in a customer's message, in Chinese and English,
 * with an intensity that sets the hand-off's priority.
 *
 * The rule, cue by cue (each cue counts once per message):
 * - abuse (weight 3): insults and profanity aimed at someone (傻逼, tmd, cnm, 骗子, "you stupid bot", stfu…);
 * - anger (2 for each different one): words and phrases that say the customer is angry or fed up (气死, 受够, 太过分, 凭什么,
 *   什么破, "furious", "unacceptable", "sick of", "what is wrong with you people"…);
 * - mild (1): signs that need a second one to count (无语, 离谱, 醉了, 服了, 烦, "ugh", "seriously"…),
 *   and, at most once, a complaint about the facts (等了半个月, 又发错, "third time", "still not");
 * - sarcasm (2): praise (真棒, 厉害了, 👍, "great job", "wow") together with a complaint about the facts;
 * - an intensifier before an anger word ("really angry", 太过分) (1);
 * - shouting: "???"/"！！！" (1), a message mostly in CAPITALS (2);
 * - angry emoji: a face cursing or a raised middle finger (🤬 🖕) as abuse (3), an angry face (😡 😠 👿 💢
 *   😤 😾) as anger (2), and a run of them (two or more: "😡😡😡", "😤😤") as strong anger (3 more).
 * Harmless uses are taken out first (垃圾分类, 笑死, "damn good", "mad deal", "killer shade"), and a
 * light-hearted message ("no rush", 不急) loses its sarcasm. Angry at a score of 2 or more; intensity 3
 * (priority high) at 5 or more, or with any abuse.
 *
 * Built from the kinds of message in bench/data/emotion.dev.jsonl (test/unit/core/emotion.test.ts
 * measures precision and recall there; `npm run --silent eval:emotion` prints them).
 */

export type Intensity = 0 | 1 | 2 | 3;

export interface EmotionReading {
  /** Sum of the cues' weights. */
  score: number;
  /** 0 none, 1 mild, 2 clear, 3 intense. */
  intensity: Intensity;
  /** Should a person take over (score ≥ ANGER_SCORE)? */
  angry: boolean;
  /** Which cues fired, for the ticket's detail (never the customer's words beyond the cue). */
  cues: string[];
}

/** Score at or above which the customer is angry enough for a person. */
export const ANGER_SCORE = 2;
/** Score at or above which the anger is intense (or any abuse). */
export const INTENSE_SCORE = 5;

type Cue = [name: string, pattern: RegExp, weight: number];

/** Harmless uses of words the cues look for; removed before matching. */
const ZH_HARMLESS =
  /垃圾(分类|桶|袋|处理|回收|清运|短信|邮件)|笑死|牛逼|绝了|好看到哭|要命|要疯了|无语子|离谱\s*这么(便宜|好)|杀虫|杀菌|太杀了|死海|不(生气|失望)|别生气|滚动|滚筒|爆款|到爆|暴风吸入|我自己|我居然|差评\s*还是|[我她]妈的|妈妈/g;
const EN_HARMLESS =
  /\b(damn good|mad (deal|about)|killer (whale|shade)|killing it|dying to|i'd kill for|i'll die if|drop-dead|stupid cheap|is sick|are crazy fast|crazy how fast|insane deal|deal is insane|hell-fire|angry birds|a beast)\b/g;

const ZH_CUES: Cue[] = [
  [
    "zh_abuse",
    /傻逼|傻b|垃圾(客服|店|公司|平台|商家)|煞笔|(^|[^a-z])(sb|tmd|nmsl|cnm|wcnm|mlgb)([^a-z]|$)|他妈|妈的|操你|草泥马|狗屁|吃屎|贱人|饭桶|蠢货|是猪|猪吗|有病|不得好死|骗子|黑心|吸血鬼|废物|混蛋|王八蛋|弱智|脑残|智障|去死|滚|是不是傻|你傻/,
    3,
  ],
  [
    "zh_anger",
    /气死|好气|气到|火大|很生气|真生气|愤怒|受够|忍你们|太过分|过分了|凭什么|欺负|垃圾|什么破|破(服务|快递|店|玩意|东西|客服)|坑人|坑爹|骗人|恶心|差劲|太差|处理个鬼|什么鬼|(?:你们?|客服|机器人)有什么用|摆设|倒闭|差评|再也不(来|买)|要个说法|给个说法|靠点谱|别再跟我|急死|烦死|不想听解释|服了你们|你们到底|到底(有没有|想|在干|怎么回事|会不会)|搞什么|什么玩意|都什么年代|一点诚意|没有诚意|收了钱不|无语死|呵呵|说了(八百|多少|几)遍|这么对待|再不处理|说人话|让人生气|失去一个|售后无门|不会再来/,
    2,
  ],
  ["zh_mild", /无语|离谱|醉了|服了|生气|失望透|(?<!麻)烦|心累/, 1],
  [
    "zh_sarcasm",
    /(真高啊|真棒|厉害了|佩服佩服|不愧是|真是好|真是"|恭喜你们|感谢你们|谢谢你们啊|多谢提醒|长见识|太贴心了|好开心|可以的|666|好一个|堪比|改名叫|走路送的|次年达|呵呵|👍|👏)/,
    0,
  ],
  [
    "zh_complaint",
    /等了|还没(到|发|人|收|退)|说好的?|半个月|一个(星期|礼拜|月)|十天|二十天|三十天|第[二三四五]次|每次都|又.{0,3}不了|又(是|发错|要|来|丢)|钱呢|都.{0,8}了还|八百遍|多少遍|一问三不知|发错|碎|二手|拒绝|丢了|不发货|还不给|不给退|没人管|扔门口|摔坏/,
    1,
  ],
];

const EN_CUES: Cue[] = [
  [
    "en_abuse",
    /\bf\*+|\b(fuck\w*|piece of crap|shit\w*|bullshit|stfu|shut up|go to hell|screw you|kiss my ass|ass(hole)?s?|dumbass|morons?|idiots?|clowns|crooks|liars|thieves|scammers|brain-dead|losers|worthless|stupid|bastards?|wtf)\b/,
    3,
  ],
  [
    "en_anger",
    /\b(furious|pissed|outraged|outrageous|unacceptable|unbelievable|disgrace\w*|shambles|ridiculous|worst|terrible|horrible|awful|pathetic|disgusting|incompetent|rubbish|angry|hate|sick of|fed up|had it with|enough is enough|done being patient|losing my patience|beyond frustrated|really upset|nobody cares|nobody (is )?(answering|replying|replied|helps)|ignor(e|ing) me|what is wrong with you|do your job|how many times|how hard is it|never (ordering|buying|shopping)|last time i (shop|order|buy)|1-star|one star|thanks for nothing|took my money|refund me|money back now|fix it|escalate|speak to your manager|are you even|waste of (my )?time|so annoyed|really annoyed|another apology|asked \w+ times|canned replies|ruined)\b|\bexplain\./,
    2,
  ],
  ["en_mild", /\b(ugh|seriously|come on|joke|annoy\w*|frustrat\w*|damn|useless)\b/, 1],
  [
    "en_sarcasm",
    /\b(great job|oh wonderful|wonderful|wow|thanks for the|love how|10\/10|so glad|amazing service|fantastic|oh sure|can't wait|cant wait|impressive|bravo|brilliant|nice to know|what a surprise|of the year|i love paying|sure, i'll just)\b|🙄|🙃|👏/,
    0,
  ],
  [
    "en_complaint",
    /\b(again|late|still not|still no|weeks?|days|losing|lost|broken|wrong|nobody|next year|third time|second time|took longer|another automated|another bot|not shipped|never came|disappeared|delayed|lose|never receive|black hole|keep waiting|doesn't even|\d+ (days|weeks))\b|'ships in/,
    1,
  ],
];

/**
 * Emoji that say the customer is angry, with or without words ("😡😡😡" alone is an angry message, not
 * one without words: smalltalk.ts `hasNoWords`). Happy, sad and sarcastic emoji are not among them.
 */
const ABUSIVE_EMOJI = /[\u{1F92C}\u{1F595}]/u; // 🤬 🖕
const ANGRY_EMOJI = /[\u{1F621}\u{1F620}\u{1F47F}\u{1F4A2}\u{1F624}\u{1F63E}]/u; // 😡 😠 👿 💢 😤 😾
const EVERY_ANGRY_EMOJI = new RegExp(`${ABUSIVE_EMOJI.source}|${ANGRY_EMOJI.source}`, "gu");
/** Two or more angry emoji in a message: strong anger. */
const EMOJI_RUN = 2;

/** How many angry emoji (abusive ones included) the text holds. */
export function angryEmojiCount(text: string): number {
  return text.match(EVERY_ANGRY_EMOJI)?.length ?? 0;
}

/** An intensifier right before an anger word. */
const INTENSIFIED =
  /(太|真|非常|特别|超级|简直)(过分|垃圾|差|气|离谱|恶心|无语)|\b(so|really|extremely|absolutely|totally|beyond)\s+(furious|pissed|angry|mad|upset|annoyed|frustrated|unacceptable|ridiculous|disgusting|pathetic)\b/;

/** Hedges that make a mild complaint calm. */
const HEDGED = /有点|有些|稍微|\b(kinda|kind of|a bit|a little|bit|slightly|mildly|somewhat)\b/;

/** A light-hearted message: sarcasm in it is a joke, not hostility. */
const LIGHT_HEARTED = /不急|没事|等得起|哈哈|😂|\b(no rush|lol|haha|it's fine|not urgent|no worries)\b/;

function reading(text: string): EmotionReading {
  const norm = normalize(text);
  const zh = norm.replace(ZH_HARMLESS, " ").replace(/\s+/g, "");
  const en = norm.replace(/[\u2019]/g, "'").replace(EN_HARMLESS, " ");
  const cues: string[] = [];
  let score = 0;
  const hit = (name: string, weight: number) => {
    cues.push(name);
    score += weight;
  };
  const complaint = ZH_CUES[4]?.[1].test(zh) || EN_CUES[4]?.[1].test(en);
  const lightHearted = LIGHT_HEARTED.test(norm);
  for (const [name, pattern, weight] of [...ZH_CUES.slice(0, 3), ...EN_CUES.slice(0, 3)]) {
    const subject = name.startsWith("zh") ? zh : en;
    if (!name.endsWith("_anger")) {
      if (pattern.test(subject)) hit(name, weight);
      continue;
    }
    // Each different anger word adds: "什么破服务…气死我了" is angrier than either alone.
    const found = new Set(subject.match(new RegExp(pattern.source, "g")) ?? []);
    for (const _ of found) hit(name, weight);
  }
  // Angry emoji, each kind once; a run of them is strong anger.
  if (ABUSIVE_EMOJI.test(text)) hit("emoji_abuse", 3);
  else if (ANGRY_EMOJI.test(text)) hit("emoji_anger", 2);
  if (angryEmojiCount(text) >= EMOJI_RUN) hit("emoji_run", 3);
  // "really angry", "太过分": an intensifier in front of an anger word adds one.
  if (score > 0 && INTENSIFIED.test(norm)) hit("intensifier", 1);
  // Hedged ("有点", "kinda", "a bit"): mild words alone say the customer is calm about it.
  if (HEDGED.test(norm) && cues.every((cue) => cue.endsWith("_mild"))) score /= 2;
  // Shouting: repeated question or exclamation marks, or a message mostly in capitals.
  if (/[?？]{3,}|[!！]{2,}/.test(text)) hit("punctuation", 1);
  const sarcasm = ZH_CUES[3]?.[1].test(zh) || EN_CUES[3]?.[1].test(en);
  if (sarcasm && complaint && !lightHearted) hit("sarcasm", 2);
  else if (complaint && score > 0 && !lightHearted) hit("complaint", 1);
  const capsWords = text.match(/\b[A-Z]{3,}\b/g)?.length ?? 0;
  const latinWords = text.match(/\b[A-Za-z]{3,}\b/g)?.length ?? 0;
  if (capsWords >= 1 && capsWords * 2 >= latinWords && latinWords >= 1 && (capsWords >= 2 || score > 0)) {
    hit("capitals", 2);
  }
  const abuse = cues.includes("zh_abuse") || cues.includes("en_abuse") || cues.includes("emoji_abuse");
  const intensity: Intensity =
    score === 0 ? 0 : score >= INTENSE_SCORE || abuse ? 3 : score >= ANGER_SCORE ? 2 : 1;
  return { score, intensity, angry: score >= ANGER_SCORE, cues };
}

export function readEmotion(text: string): EmotionReading {
  return reading(text);
}
