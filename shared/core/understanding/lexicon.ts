/**
 * A small concept lexicon for lexical retrieval: engine knowledge, the same for every knowledge base.
 * Customers name a member of a class ("do you ship to australia", "收不收银联", "how do i get silver
 * status") where a phrasing names another member or the class ("which countries do you ship to", "能用
 * 信用卡吗", "membership tiers"). Each member and class word adds one concept term ("c:place") to the
 * text's terms, both when the knowledge base is indexed and when a message is searched, so they meet
 * through BM25 like any shared word (and weigh as much as the concept is rare in the knowledge base).
 * A message's member adds its concept only when no phrasing names that member itself, and then stands
 * for it (the member's own letters, unknown to the knowledge base, would only count as unmatched words):
 * the lexicon bridges words the knowledge base lacks and does not count twice a word it has
 * ("退的钱几天到 用的支付宝" is about the refund, whatever the payment entry says about 支付宝).
 *
 * Kept deliberately small and general: classes of words an online shop's customers use, not the wording of
 * any knowledge base or test set. A word in no class is untouched; a class no phrasing names adds nothing.
 */

/** Members separated by "," (a member may be several words: "credit card"). */
const CONCEPTS: Record<string, string> = {
  // Places a parcel may go that are not a province of the mainland, and the words for "elsewhere". A
  // neutral class ("place"), not "abroad": Hong Kong, Macao and Taiwan are named together in Chinese
  // shops' delivery-area entries (港澳台) and belong with them.
  place:
    "international,internationally,overseas,abroad,country,countries,worldwide,海外,国外,境外,国际,港澳台,出国," +
    "usa,america,united states,united kingdom,uk,britain,england,canada,australia,new zealand,germany,france," +
    "italy,spain,netherlands,ireland,europe,japan,korea,singapore,malaysia,thailand,vietnam,philippines," +
    "indonesia,india,russia,brazil,mexico,hong kong,hongkong,macau,macao,taiwan," +
    "美国,英国,加拿大,澳大利亚,澳洲,新西兰,德国,法国,意大利,西班牙,荷兰,欧洲,日本,韩国,新加坡,马来西亚,泰国,越南," +
    "菲律宾,印尼,印度,俄罗斯,巴西,墨西哥,香港,澳门,台湾",
  // Ways to pay: card networks, wallets, transfers, instalments.
  paymethod:
    "unionpay,union pay,visa,mastercard,master card,amex,american express,jcb,paypal,alipay,wechat pay," +
    "wechatpay,apple pay,google pay,credit card,debit card,bank card,bank transfer,wire transfer," +
    "cash on delivery,cod,installment,installments,instalment,instalments," +
    "银联,云闪付,支付宝,微信支付,微信付款,花呗,白条,信用卡,借记卡,储蓄卡,银行卡,转账,公对公,对公,货到付款,分期",
  // Membership levels.
  tier: "tier,tiers,level,levels,vip,silver,gold,platinum,bronze,diamond,金卡,银卡,白金,铂金,钻石,等级",
  // The same thing twice.
  twice: "twice,two times,2 times,double,duplicate,两次,重复扣",
  // A price asked for colloquially.
  price: "how much,几块,几块钱,几元,多少钱,多少元,什么价",
  // Shorthand customers type for a password.
  password: "password,passwd,pwd,pw,密码",
};

/** Latin members match as whole words (the text is normalised: one space between words); Han ones anywhere. */
function buildMatcher(): { pattern: RegExp; conceptOf: Map<string, string> } {
  const conceptOf = new Map<string, string>();
  for (const [concept, members] of Object.entries(CONCEPTS)) {
    for (const member of members.split(",")) conceptOf.set(member, concept);
  }
  // Longest first: 几块钱 before 几块, "union pay" as one member.
  const members = [...conceptOf.keys()].sort((a, b) => b.length - a.length);
  const alternatives = members.map((m) => (/^[a-z0-9 ]+$/.test(m) ? `\\b${m}\\b` : m));
  return { pattern: new RegExp(alternatives.join("|"), "g"), conceptOf };
}

const { pattern, conceptOf } = buildMatcher();

/** A member of a concept named in a text, and its concept term ("c:place"). */
export interface ConceptMention {
  member: string;
  term: string;
  /** Where the member starts in the text. */
  index: number;
}

/** The concept members an already normalised text (lower case, half width) names, in order. */
export function conceptMentions(normalized: string): ConceptMention[] {
  const mentions: ConceptMention[] = [];
  for (const match of normalized.matchAll(pattern)) {
    const concept = conceptOf.get(match[0]);
    if (concept) mentions.push({ member: match[0], term: `c:${concept}`, index: match.index });
  }
  return mentions;
}

/**
 * Colloquial Chinese question words read as their standard forms before segmentation: 咋 is 怎么 ("咋弄",
 * "咋退"), 啥 is 什么 ("啥时候"), so a message and a phrasing that differ only in register share their words.
 */
export function standardizeColloquial(normalized: string): string {
  return normalized.replace(/咋/g, "怎么").replace(/啥/g, "什么");
}
