import type { ChannelModule } from "./ports";
import type { ChannelModuleLoader } from "./resolve";

/**
 * The channels whose platforms call the public webhook (HTTPS, signed). A list of its own so that the
 * webhook bundles these and nothing else: e-mail's MIME and charset libraries (about 1.2 MB minified)
 * belong to the SNS ingress only. Each is loaded on the first request for its channel
 * (ChannelModuleLoader): a cold start evaluates none of them. The worker and the desk get the same
 * modules from registry.ts.
 */
export const WEBHOOK_MODULES: readonly ChannelModuleLoader[] = [
  {
    channel: "wechat",
    load: async () => (await import("./wechat/module")).wechatModule as ChannelModule<never>,
  },
  {
    channel: "wecom",
    load: async () => (await import("./wecom/module")).wecomModule as ChannelModule<never>,
  },
  {
    channel: "wecom-kf",
    load: async () => (await import("./wecom-kf/module")).wecomKfModule as ChannelModule<never>,
  },
  {
    channel: "dingtalk",
    load: async () => (await import("./dingtalk/module")).dingtalkModule as ChannelModule<never>,
  },
  {
    channel: "twilio",
    load: async () => (await import("./twilio/module")).twilioModule as ChannelModule<never>,
  },
];
