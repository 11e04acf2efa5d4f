/**
 * What the benchmarks' customers ask: questions the example FAQ (local/seed/faq.example.jsonl) answers,
 * in Chinese and English, so that a run measures the answer path rather than hand-offs.
 */
export const SHOP_QUESTIONS = [
  "怎么申请退货？",
  "发票怎么开",
  "how do I get a refund",
  "我的快递到哪了",
  "怎么修改收货地址",
];
