/**
 * `npm run chat -- --channel wechat [--say "text"] [--user ID]`: talk to the running `npm start` as a
 * customer would. Each line is signed and encrypted exactly as the platform does it, posted to the local
 * webhook, and the bot's reply is read back from the channel simulator's outbox.
 */
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import type { DingTalkCredentials } from "../../shared/channels/dingtalk/credentials";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import type { SmsCredentials } from "../../shared/channels/sms/credentials";
import { smsModule } from "../../shared/channels/sms/module";
import type { TwilioCredentials } from "../../shared/channels/twilio/credentials";
import { twilioModule } from "../../shared/channels/twilio/module";
import { wechatModule } from "../../shared/channels/wechat/module";
import type { WeComCredentials } from "../../shared/channels/wecom/credentials";
import { wecomModule } from "../../shared/channels/wecom/module";
import type { WeComKfCredentials } from "../../shared/channels/wecom-kf/credentials";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import type { WeChatCredentials } from "../../shared/credentials";
import { dingtalkRobotMessage } from "../platforms/dingtalk";
import { startEmailChat } from "../platforms/email";
import { smsInbound } from "../platforms/sms";
import { twilioInbound } from "../platforms/twilio";
import { type PlatformRequest, wechatPush } from "../platforms/wechat";
import { wecomPush } from "../platforms/wecom";
import { kfCustomerText, kfDeliver } from "../platforms/wecom-kf";
import { LOCAL_ENV_FILE } from "../stack";

// The SDK warns on every client under Node 20 (supported until 2027); it is noise in a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const { values } = parseArgs({
  options: {
    channel: { type: "string", default: "wechat" },
    say: { type: "string" },
    user: { type: "string", default: `chat-${process.pid}` },
    timeout: { type: "string", default: "15" },
    /** E-mail: deliver this raw RFC 822 file as SES would (inline, or by the S3 action above 150 KB). */
    eml: { type: "string" },
  },
});

const env = await readFile(LOCAL_ENV_FILE, "utf8")
  .then((text) => JSON.parse(text) as Record<string, string>)
  .catch(() => {
    console.error("Kefu is not running here: start it with `npm start` in another terminal.");
    process.exit(2);
  });
const url = env.KEFU_PUBLIC_URL ?? "http://127.0.0.1:3000";
const raw = { ...demoCredentials(), ...process.env, ...env };

const emailChat =
  values.channel === "email"
    ? await startEmailChat(url, raw, env, values.user ?? "chat", values.eml)
    : undefined;
if (emailChat) values.user = emailChat.user;
// SMS customers are phone numbers: a --user that is not one becomes a fictitious +1555 number.
if ((values.channel === "sms" || values.channel === "twilio") && !/^\+\d{6,15}$/.test(values.user ?? "")) {
  values.user = `+1555${String(process.pid).padStart(7, "0").slice(-7)}`;
}

const channels: Record<string, (text: string) => PlatformRequest | Promise<PlatformRequest>> = {
  email: (text) => {
    if (!emailChat) throw new Error("no e-mail configuration");
    return emailChat.build(text);
  },
  dingtalk: (text) => {
    const credentials = credentialsFor(dingtalkModule, raw) as DingTalkCredentials | undefined;
    if (!credentials) throw new Error("no DingTalk credentials");
    return dingtalkRobotMessage(credentials, url, { userId: values.user ?? "chat", text });
  },
  wechat: (text) => {
    const credentials = credentialsFor(wechatModule, raw) as WeChatCredentials | undefined;
    if (!credentials) throw new Error("no WeChat credentials");
    return wechatPush(credentials, { openId: values.user ?? "chat", text });
  },
  sms: (text) => {
    const credentials = credentialsFor(smsModule, raw) as SmsCredentials | undefined;
    if (!credentials) throw new Error("no SMS configuration");
    return smsInbound(credentials, url, { from: values.user ?? "", text });
  },
  twilio: (text) => {
    const credentials = credentialsFor(twilioModule, raw) as TwilioCredentials | undefined;
    if (!credentials) throw new Error("no Twilio credentials");
    return twilioInbound(credentials, url, { from: values.user ?? "", text });
  },
  wecom: (text) => {
    const credentials = credentialsFor(wecomModule, raw) as WeComCredentials | undefined;
    if (!credentials) throw new Error("no WeCom credentials");
    return wecomPush(credentials, { userId: values.user ?? "chat", text });
  },
  "wecom-kf": (text) => {
    const credentials = credentialsFor(wecomKfModule, raw) as WeComKfCredentials | undefined;
    if (!credentials) throw new Error("no WeCom 微信客服 credentials");
    return kfDeliver(url, credentials, [kfCustomerText(values.user ?? "chat", text)]);
  },
};

const build = channels[values.channel ?? ""];
if (!build) {
  console.error(`Unknown channel "${values.channel}". Channels: ${Object.keys(channels).join(", ")}`);
  process.exit(2);
}

async function say(text: string): Promise<string[]> {
  const before = await outbox();
  const request = await build?.(text);
  if (!request) return [];
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  const deadline = Date.now() + Number(values.timeout) * 1000;
  while (Date.now() < deadline) {
    const replies = (await outbox()).slice(before.length).filter((e) => e.to === values.user);
    // Replies of one turn arrive together; wait a moment for split messages.
    if (replies.length > 0) {
      await new Promise((r) => setTimeout(r, 300));
      return (await outbox())
        .slice(before.length)
        .filter((e) => e.to === values.user)
        .map((e) => e.text);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return [];
}

async function outbox(): Promise<{ to: string; text: string }[]> {
  return (await fetch(`${url}/dev/outbox`)).json() as Promise<{ to: string; text: string }[]>;
}

function show(replies: string[]): void {
  if (replies.length === 0)
    console.log("(no reply: a person may be handling this conversation — see /dev/tickets)");
  for (const reply of replies) console.log(`Kefu: ${reply}`);
}

if (values.say !== undefined || values.eml !== undefined) {
  show(await say(values.say ?? ""));
} else {
  console.log(`Chatting on ${values.channel} as ${values.user}. Empty line or Ctrl-D to quit.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  for (;;) {
    const line = await rl.question("You: ").catch(() => "");
    if (!line.trim()) break;
    show(await say(line));
  }
  rl.close();
}
