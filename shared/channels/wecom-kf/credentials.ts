import * as z from "zod/mini";
import { aesKey } from "../credentials";

/**
 * WeCom 微信客服: the callback's Token/EncodingAESKey, the CorpID, and the secret of the app allowed to
 * call the 微信客服 API (「微信客服 → 可调用接口的应用」). The servicer (KEFU_WECOM_KF_SERVICER_USERID, a
 * setting, not a secret) is optional: with it, hand-offs go straight to that person; else to the pool.
 */
export const WeComKfCredentialsSchema = z.object({
  KEFU_WECOM_KF_TOKEN: z.string().check(z.minLength(3), z.maxLength(32)),
  KEFU_WECOM_KF_AES_KEY: aesKey,
  KEFU_WECOM_KF_CORP_ID: z.string().check(z.minLength(3)),
  KEFU_WECOM_KF_SECRET: z.string().check(z.minLength(3)),
});
export type WeComKfCredentials = z.infer<typeof WeComKfCredentialsSchema>;
