import { normalize, spaced } from "../text";
import { angryEmojiCount } from "./emotion";

/**
 * Small talk: a message that is nothing but a greeting, thanks, goodbye, an acknowledgement, or asks
 * whether the bot is a person. Read as a whole: "你好，运费怎么算" is a question, not a greeting. The
 * message is cut into known phrases (longest first, Chinese and English, with fillers such as 亲/呀/
 * "there"/"a lot"); small talk only when nothing else is left. Its answer needs no ticket.
 */
export type SmallTalkIntent = "greeting" | "thanks" | "goodbye" | "ack" | "identity" | "unclear";

type Part = SmallTalkIntent | "filler";

const ZH_PHRASES: Record<string, Part> = {};
const add = (part: Part, phrases: string) => {
  for (const phrase of phrases.split(" ")) ZH_PHRASES[phrase] = part;
};
add(
  "greeting",
  "你好 您好 在吗 在么 在不在 在嘛 哈喽 哈罗 嗨 早上好 上午好 中午好 下午好 晚上好 早安 晚安 有人吗 hello hi",
);
add("thanks", "谢谢 感谢 多谢 谢了 谢啦 谢谢你 谢谢您 辛苦了 辛苦 麻烦了 thx thanks 3q");
add("goodbye", "再见 拜拜 拜 88 886 回见 下次见 bye");
add(
  "ack",
  "好的 好吧 好嘞 好滴 好哒 好 哦 噢 嗯 嗯嗯 恩 收到 明白 明白了 知道了 懂了 了解 了解了 原来这样 原来如此 行 行吧 可以 没问题 ok okay 好的呢 我去下单了 我去下单 我去看看 我再看看",
);
add("filler", "亲 呀 啊 哈 哈哈 哒 呢 啦 了 嘛 哇 的 不用了 不用 那 那就 先这样 吧 你 您 哦哦 客服 宝 亲亲");

const EN_WORDS: Record<string, Part> = {};
const addEn = (part: Part, words: string) => {
  for (const word of words.split(" ")) EN_WORDS[word] = part;
};
addEn("greeting", "hi hello hey hiya yo morning afternoon evening greetings howdy");
addEn("thanks", "thanks thank thx ty cheers appreciate appreciated tks");
addEn("goodbye", "bye goodbye cya later farewell night see");
addEn("ack", "ok okay k kk got it cool great perfect alright understood noted sure fine nice awesome gotcha");
addEn(
  "filler",
  "there good ya you so much a lot very all for your help now again then the man guys oh ah and that's thats it's",
);

const ICONS: Record<string, string> = { "👌": " ok ", "👍": " ok ", "🙏": " thanks ", "👋": " bye " };

/** "你是真人吗", "are you a bot?", "is this a real person or automated". */
const ZH_IDENTITY =
  /^(请问)?(你|您)(是|到底是)(不是)?(真人|人工|机器人?|ai|人还是机器人?|真的人|人吗|人啊|真人客服|机器人客服|自动回复)/;
/** The same without "you", as a whole question: "是真人在回我吗", "这是机器人吗", "是不是自动回复". */
const ZH_IDENTITY_NO_SUBJECT =
  /^(请问)?(这|这边|现在)?(是|到底是)(不是)?(真人|机器人?|ai|自动回复)(在)?(回|回复|回答|跟我聊|和我聊)?(我)?(吗|嘛|么|啊|呀|吧)?$/;
const EN_IDENTITY =
  /^(are you|r u|is this|am i (talking|chatting|speaking) (to|with))( a| an)? (real |actual |live )?(bot|robot|human|person|ai|machine|automated|computer|chatbot)\b/;

/** The small-talk intent of a message that is only small talk, or undefined. */
export function detectSmallTalk(text: string): SmallTalkIntent | undefined {
  let norm = normalize(text);
  for (const [icon, word] of Object.entries(ICONS)) norm = norm.replaceAll(icon, word);
  const plain = spaced(norm);
  if (plain === "") return undefined;
  if (plain.length > 40) return closingRemark(norm, plain);
  const compact = plain.replace(/\s/g, "");
  if (ZH_IDENTITY.test(compact) || ZH_IDENTITY_NO_SUBJECT.test(compact) || EN_IDENTITY.test(plain)) {
    return "identity";
  }
  const found = new Set<Part>();
  for (const token of plain.split(" ")) {
    const en = EN_WORDS[token];
    if (en) {
      found.add(en);
      continue;
    }
    const parts = segment(token);
    if (!parts) return closingRemark(norm, plain);
    for (const part of parts) found.add(part);
  }
  // The strongest intent of the message: "好的 谢谢" thanks, "好的 再见" goodbye, "hi there" greeting.
  for (const intent of ["thanks", "goodbye", "greeting", "ack"] as const)
    if (found.has(intent)) return intent;
  return undefined;
}

/** Thanks or goodbye anywhere in a message. */
const CLOSER_ZH = /谢谢|感谢|多谢|谢啦|谢了|辛苦了|再见|拜拜/;
const CLOSER_EN = /\b(thanks|thank you|thx|ty|cheers|appreciate it|bye|goodbye)\b/;
const BYE = /再见|拜拜|\bbye\b|\bgoodbye\b/;
/**
 * "OK" and what the customer will do next, as the whole message ("好的 那我再等等", "嗯 那我明天再看看",
 * "ok i'll wait then"): waiting, looking, trying, ordering — never "好的 我去法院起诉你们".
 */
const ACK_THEN_PLAN_ZH =
  /^(好的|好吧|好|行吧|行|嗯嗯|嗯|收到|明白了|明白|知道了|了解|ok|okay) ?(那|那么)?我(再|先|就|去|自己|明天|回头|晚点)*(等等|等一下|等一等|等|看看|看一下|试试|试一下|下单|查查|查一下|研究一下|想想|考虑一下)(了|吧|啊|哈|呀)?$/;
const ACK_THEN_PLAN_EN =
  /^(ok|okay|alright|sure|got it|fine) (then )?(i ll|i m going to|let me) (just )?(wait|check|try|look|have a look|order|think about it|see)( it| again| then| later| tomorrow| first| now)*$/;
/**
 * How things went, in a closing remark: the thanks or goodbye must come with one of these to be small talk
 * ("找到了 谢谢亲", "got it working, thanks", "the replacement arrived and it's perfect. Cheers").
 */
const OUTCOME_ZH =
  /收到了|已收到|(^| )收到( |$)|找到了|解决了|搞定了|弄好了|好了|没事了|明白了|知道了|懂了|可以了|很好|挺好|不错|满意|喜欢|到了|再联系|回头见|下次见/;
const OUTCOME_EN =
  /\b(that s all|thats all|all i needed|that helps|that helped|helpful|works|working|worked|arrived|got it|found it|sorted|solved|resolved|fixed|perfect|great|all good|no worries|have a (nice|good|great) day|see you|love it|appreciate)\b/;
/**
 * What makes a message more than a closing remark: a question, a problem or a complaint, a request, a
 * person asked for, a threat. Any of them sends the message on to be answered (and to the triggers).
 */
const MORE_ZH =
  /吗|么|呢|怎|什么|多少|几|哪|是否|有没有|能不能|可不可以|没|不|未|别|坏|错|差|慢|破|烂|垃圾|坑|骗|少|漏|问题|投诉|退|换|要|想|需要|帮|请|还有|但|可是|不过|人工|真人|转|两次|扣|偷|丢|法院|起诉|律师|12315|消协|报警/;
const MORE_EN =
  /\b(what|where|when|how|why|which|who|can|could|would|will|is|are|do|does|did|should|may|any|not|no|never|nothing|wrong|broken|damaged|missing|late|still|yet|but|however|refund|return|cancel|need|needs|want|wants|please|pls|help|also|another|question|problem|issue|useless|terrible|worst|awful|ridiculous|agent|human|person|someone|representative|staff|twice|charged|charge|stolen|lost|dispute|bank|lawyer|police|court)\b|n't\b|\b(isnt|arent|wasnt|werent|dont|doesnt|didnt|cant|couldnt|wont|wouldnt|hasnt|havent|hadnt|aint)\b/;

/**
 * A closing remark that says more than the phrases small talk knows, with nothing in it to answer: thanks
 * or goodbye with a word on how things went ("找到了 谢谢亲❤️", "cool thats all i needed, thanks!", an
 * e-mail that only says the replacement arrived), or "ok" and what the customer will do next ("行吧
 * 那我再等等"). Read narrowly: anything that may need an answer or a person keeps it from being one, and
 * what is left must say how things went, so a complaint with a thank-you ("thanks, i was charged twice")
 * goes on to the triggers and the engine.
 */
function closingRemark(norm: string, plain: string): SmallTalkIntent | undefined {
  if (/[?？]/.test(norm) || plain.length > 200) return undefined;
  if (MORE_ZH.test(norm) || MORE_EN.test(norm)) return undefined;
  if ((CLOSER_ZH.test(plain) || CLOSER_EN.test(plain)) && (OUTCOME_ZH.test(plain) || OUTCOME_EN.test(plain)))
    return BYE.test(plain) ? "goodbye" : "thanks";
  if (ACK_THEN_PLAN_ZH.test(plain) || ACK_THEN_PLAN_EN.test(plain)) return "ack";
  return undefined;
}

/**
 * A message with no word in it: only punctuation, symbols, emoji or a short number ("？？？", "...",
 * "123456"). There is nothing to answer or to hand a person, so the bot asks what it is about. A long
 * number (8 digits or more: an order or tracking number the customer may have been asked for) goes on to
 * be answered or handed off; a digit right after offered entries is a pick, which the caller reads first.
 * Angry emoji ("😡😡😡", "🤬") say how the customer feels: they go on to the triggers (emotion.ts).
 */
export function hasNoWords(text: string): boolean {
  return (
    text.trim() !== "" &&
    !/\p{L}/u.test(text) &&
    !/\d{8}/.test(text.replace(/[\s-]/g, "")) &&
    angryEmojiCount(text) === 0
  );
}

const LONGEST = Math.max(...Object.keys(ZH_PHRASES).map((p) => p.length));

/** Can the text be cut into words of `vocabulary` (longest first at each position)? */
function cuts(text: string, vocabulary: Set<string>): boolean {
  let at = 0;
  while (at < text.length) {
    let length = Math.min(4, text.length - at);
    while (length > 0 && !vocabulary.has(text.slice(at, at + length))) length--;
    if (length === 0) return false;
    at += length;
  }
  return true;
}

/** Cuts a token into known phrases, longest first at each position; undefined when something is left. */
function segment(token: string): Part[] | undefined {
  const parts: Part[] = [];
  let at = 0;
  while (at < token.length) {
    let matched = 0;
    for (let length = Math.min(LONGEST, token.length - at); length > 0; length--) {
      const part = ZH_PHRASES[token.slice(at, at + length)];
      if (part) {
        parts.push(part);
        matched = length;
        break;
      }
    }
    if (matched === 0) return undefined;
    at += matched;
  }
  return parts;
}

/**
 * The customer accepts a person the bot offered ("好的", "是", "yes please", "sure, get me a person").
 * Read like small talk: only acceptance words and words for a person.
 */
const ACCEPT_ZH = new Set(
  "好 好的 好啊 好吧 行 行吧 可以 是 是的 要 嗯 对 麻烦 麻烦了 转 转吧 找个人 找人 人工 转人工 吧 呀 啊 的 亲".split(
    " ",
  ),
);
const ACCEPT_EN = new Set(
  "yes yeah yep yup sure ok okay please pls go ahead do it get me a an person human agent someone real connect transfer that would be great".split(
    " ",
  ),
);
/**
 * "Yes" in the languages the bot recognises but does not write (language.ts): a person is offered to such
 * a customer, who may answer in their own language.
 */
const ACCEPT_OTHER = new Set(
  "はい はいお願いします お願いします おねがいします お願い うん ええ 네 예 네좋아요 좋아요 да давайте oui ouimerci ouisvp ja jabitte gerne sí si síporfavor porfavor".split(
    " ",
  ),
);
export function acceptsOffer(text: string): boolean {
  const plain = spaced(normalize(text));
  if (plain === "") return false;
  if (ACCEPT_OTHER.has(plain.replace(/\s/g, ""))) return true;
  if (plain.length <= 20 && cuts(plain.replace(/\s/g, ""), ACCEPT_ZH)) return true;
  const words = plain.split(" ");
  return (
    words.some((w) => ["yes", "yeah", "yep", "yup", "sure", "ok", "okay"].includes(w)) &&
    words.every((w) => ACCEPT_EN.has(w))
  );
}

/**
 * "No" to a person the bot just offered ("不用了", "算了", "no thanks", "not now"): the customer keeps
 * talking to the bot, so it says it is still there — not a ticket, and not read as a new question.
 */
const DECLINE_ZH = new Set(
  "不 不用 不要 不了 不需要 不必 算了 没事 没关系 先 暂时 谢谢 了 吧 呀 啊 的 亲 哈 嗯 那".split(" "),
);
const DECLINE_EN = new Set(
  "no nope nah not now never mind nevermind need thanks thank you its it's ok okay fine im i'm good".split(
    " ",
  ),
);
export function declinesOffer(text: string): boolean {
  const plain = spaced(normalize(text));
  if (plain === "") return false;
  const compact = plain.replace(/\s/g, "");
  if (compact.length <= 12 && /不|算了|没事|没关系/.test(compact) && cuts(compact, DECLINE_ZH)) return true;
  const words = plain.split(" ");
  return (
    words.some((w) => ["no", "nope", "nah", "not", "nevermind", "never"].includes(w)) &&
    words.every((w) => DECLINE_EN.has(w))
  );
}
