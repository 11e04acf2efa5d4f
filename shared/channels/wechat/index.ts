export { decryptMessage, encryptMessage, signatureMatches, wechatSignature } from "./crypto";
export { createWeChatInbound, type WeChatInboundOptions } from "./inbound";
export { toInboundMessage } from "./normalize";
export {
  createWeChatOutbound,
  fetchWeChatAccessToken,
  type TokenProviderFactory,
  WECHAT_TEXT_MAX_BYTES,
  type WeChatOutboundOptions,
  wechatTokenName,
} from "./outbound";
export { parseWeChatXml } from "./xml";
