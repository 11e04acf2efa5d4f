import type { ChannelSender } from "../ports";
import { createWeixinClient, WECOM } from "../weixin/api";
import type { WeComKfCredentials } from "./credentials";
import { tokensFor } from "./module";
import { createWeComKfOutbound } from "./outbound";

/** WeCom 微信客服: kf/send_msg, and the session state on hand-off. */
export const wecomKfSender: ChannelSender<WeComKfCredentials> = {
  channel: "wecom-kf",
  outbound: (credentials, context) => {
    const servicer = context.settings.wecomKf.servicerUserId;
    return createWeComKfOutbound({
      client: createWeixinClient(WECOM, {
        apiBase: context.apiBase,
        tokens: tokensFor(credentials, context),
      }),
      ...(servicer ? { servicerUserId: servicer } : {}),
    });
  },
};
