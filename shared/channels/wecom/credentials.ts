import * as z from "zod/mini";
import { aesKey } from "../credentials";

/** WeCom self-built app (企业微信自建应用): the callback's Token/EncodingAESKey and the app's API keys. */
export const WeComCredentialsSchema = z.object({
  KEFU_WECOM_TOKEN: z.string().check(z.minLength(3), z.maxLength(32)),
  KEFU_WECOM_AES_KEY: aesKey,
  KEFU_WECOM_CORP_ID: z.string().check(z.minLength(3)),
  KEFU_WECOM_AGENT_ID: z.string().check(z.regex(/^\d{1,12}$/, "must be the numeric AgentId")),
  KEFU_WECOM_SECRET: z.string().check(z.minLength(3)),
});
export type WeComCredentials = z.infer<typeof WeComCredentialsSchema>;
