export { type DingTalkCredentials, DingTalkCredentialsSchema, robotCodeOf } from "./credentials";
export {
  decryptEvent,
  type EncryptedReply,
  encryptReply,
  eventSignature,
  eventSignatureMatches,
  robotSign,
  robotSignMatches,
} from "./crypto";
export {
  createDingTalkInbound,
  DINGTALK_TIMESTAMP_WINDOW_SECONDS,
  type DingTalkInboundOptions,
} from "./inbound";
export { dingtalkModule } from "./module";
export { RobotMessageSchema, stripLeadingMentions, toInboundMessage } from "./normalize";
export {
  allowedSessionUrl,
  createDingTalkOutbound,
  DINGTALK_PART_MAX_BYTES,
  type DingTalkOutboundOptions,
  dingtalkTokenName,
  fetchDingTalkAccessToken,
  looksLikeMarkdown,
  markdownTitle,
} from "./outbound";
