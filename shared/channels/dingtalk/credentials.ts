import * as z from "zod/mini";
import { aesKey } from "../credentials";

/**
 * DingTalk internal app (企业内部应用) with a robot in HTTP mode. The app key and secret sign robot
 * messages and fetch OpenAPI tokens; the token and AES key belong to the event subscription (事件订阅),
 * whose encrypted pushes end with the app key. The robot code defaults to the app key, which is what
 * DingTalk assigns to an internal app's robot.
 */
export const DingTalkCredentialsSchema = z.object({
  KEFU_DINGTALK_APP_KEY: z.string().check(z.minLength(3), z.maxLength(128)),
  KEFU_DINGTALK_APP_SECRET: z.string().check(z.minLength(3), z.maxLength(256)),
  KEFU_DINGTALK_TOKEN: z.string().check(z.minLength(1), z.maxLength(128)),
  KEFU_DINGTALK_AES_KEY: aesKey,
  KEFU_DINGTALK_ROBOT_CODE: z.optional(z.string().check(z.minLength(3), z.maxLength(128))),
});
export type DingTalkCredentials = z.infer<typeof DingTalkCredentialsSchema>;

export function robotCodeOf(credentials: DingTalkCredentials): string {
  return credentials.KEFU_DINGTALK_ROBOT_CODE ?? credentials.KEFU_DINGTALK_APP_KEY;
}
