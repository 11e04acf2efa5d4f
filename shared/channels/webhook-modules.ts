import { dingtalkModule } from "./dingtalk/module";
import type { ChannelModule } from "./ports";
import { twilioModule } from "./twilio/module";
import { wechatModule } from "./wechat/module";
import { wecomModule } from "./wecom/module";
import { wecomKfModule } from "./wecom-kf/module";

/**
 * The channels whose platforms call the public webhook (HTTPS, signed). A list of its own so that the
 * webhook bundles these and nothing else: e-mail's MIME and charset libraries (about 1.2 MB minified)
 * belong to the SNS ingress only.
 */
export const WEBHOOK_MODULES: readonly ChannelModule<never>[] = [
  wechatModule as ChannelModule<never>,
  wecomModule as ChannelModule<never>,
  wecomKfModule as ChannelModule<never>,
  dingtalkModule as ChannelModule<never>,
  twilioModule as ChannelModule<never>,
];
