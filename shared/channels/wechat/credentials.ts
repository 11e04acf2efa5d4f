import * as z from "zod/mini";
import { aesKey } from "../credentials";

/**
 * The message encryption mode chosen in the WeChat console (消息加解密方式): 明文模式 `plaintext`, 兼容模式
 * `compatible`, 安全模式 `safe`. What the webhook accepts follows from it:
 * - `safe`: only encrypted pushes (`encrypt_type=aes`, `msg_signature` over the ciphertext). WeChat sends
 *   those in its compatible mode too, so this is right for both, and the default when a key is set.
 * - `compatible`: encrypted pushes, and also plaintext ones, whose `signature` covers only the token,
 *   timestamp and nonce: anyone who saw one such query string could post any XML for five minutes. Only
 *   for the minutes of switching the console from plaintext to an encrypted mode.
 * - `plaintext`: plaintext pushes only; the default when no EncodingAESKey is set.
 */
export const WECHAT_ENCRYPTION_MODES = ["plaintext", "compatible", "safe"] as const;
export type WeChatEncryptionMode = (typeof WECHAT_ENCRYPTION_MODES)[number];

export const WeChatCredentialsSchema = z
  .object({
    KEFU_WECHAT_TOKEN: z.string().check(z.minLength(3), z.maxLength(32)),
    /** Required for the `compatible` and `safe` modes. */
    KEFU_WECHAT_AES_KEY: z.optional(aesKey),
    KEFU_WECHAT_APP_ID: z.string().check(z.minLength(3)),
    KEFU_WECHAT_APP_SECRET: z.string().check(z.minLength(3)),
    KEFU_WECHAT_ENCRYPTION_MODE: z.optional(z.enum(WECHAT_ENCRYPTION_MODES)),
  })
  .check(
    z.superRefine((c, ctx) => {
      const mode = c.KEFU_WECHAT_ENCRYPTION_MODE;
      if (mode && mode !== "plaintext" && !c.KEFU_WECHAT_AES_KEY) {
        ctx.addIssue({
          code: "custom",
          path: ["KEFU_WECHAT_AES_KEY"],
          message: `is required in the ${mode} mode`,
        });
      }
    }),
  );
export type WeChatCredentials = z.infer<typeof WeChatCredentialsSchema>;

/** The mode in force: as configured, else `safe` when an EncodingAESKey is set and `plaintext` when not. */
export function wechatEncryptionMode(credentials: WeChatCredentials): WeChatEncryptionMode {
  return credentials.KEFU_WECHAT_ENCRYPTION_MODE ?? (credentials.KEFU_WECHAT_AES_KEY ? "safe" : "plaintext");
}
