export {
  createSmsOutbound,
  isOptedOut,
  type OptOutRecord,
  REMAINDER_TTL_SECONDS,
  RecipientOptedOutError,
  recordOptOut,
  routeInboundSms,
  type SmsChannel,
  type SmsDelivery,
  type SmsInboundDeps,
  type SmsOutbound,
  type SmsOutboundOptions,
  type SmsSettings,
  SmsSettingsError,
  type SmsTransport,
  smsSettings,
} from "./channel";
export {
  CONCATENATED_SEGMENT,
  countSegments,
  gsmSeptets,
  isGsm7,
  SINGLE_SEGMENT,
  smsEncoding,
} from "./encoding";
export { keywordLanguage, normalizeKeyword, type SmsKeyword, smsKeyword } from "./keywords";
export { type Fitted, fitSegments, smsLanguage, toSmsText } from "./render";
export { continuationText, helpText, SMS_TEXTS } from "./texts";
