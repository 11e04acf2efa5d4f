/**
 * `npm run chat -- --channel wechat [--say "text"] [--user ID]`: talk to the running `npm start` as a
 * customer would. Each line is signed and encrypted exactly as the platform does it, posted to the local
 * webhook, and the bot's reply is read back from the channel simulator's outbox, with what became of the
 * message when there is no reply (a person on the ticket, ignored, refused, in the dead-letter queue).
 */
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { dingtalkModule } from "../../shared/channels/dingtalk/module";
import type { ChannelModule } from "../../shared/channels/ports";
import { credentialsFor, demoCredentials } from "../../shared/channels/registry";
import { smsModule } from "../../shared/channels/sms/module";
import { twilioModule } from "../../shared/channels/twilio/module";
import { wechatModule } from "../../shared/channels/wechat/module";
import { wecomModule } from "../../shared/channels/wecom/module";
import { wecomKfModule } from "../../shared/channels/wecom-kf/module";
import { CHANNELS } from "../../shared/core/message";
import { quietLibraries, shellEnv } from "../env";
import { dingtalkRobotMessage } from "../platforms/dingtalk";
import { startEmailChat } from "../platforms/email";
import { smsInbound } from "../platforms/sms";
import { twilioInbound } from "../platforms/twilio";
import { type PlatformRequest, wechatPush } from "../platforms/wechat";
import { wecomPush } from "../platforms/wecom";
import { kfCustomerText, kfDeliver } from "../platforms/wecom-kf";
import { NoLocalStackError, readLocalEnv } from "../state";
import type { RequestTraceView } from "../trace";
import { explain, failed, settled } from "./outcome";

quietLibraries();

const USAGE = `usage: npm run chat -- [--channel CHANNEL] [--say "text"] [--user ID] [--timeout SECONDS] [--eml FILE]

Talks to the running \`npm start\` (the one on KEFU_PORT if set, else the one started last) as a customer.
  --channel   ${CHANNELS.join(", ")} (default wechat)
  --say       send this one line and exit; without it, an interactive chat (empty line to quit)
  --user      the customer's id on the channel (default chat-<pid>; SMS and Twilio: a +1555 number)
  --timeout   seconds to wait for what happens to each message (default 15)
  --eml       e-mail only: deliver this raw RFC 822 file as SES would
  -h, --help  this text
Exit codes: 0 delivered, 1 a message failed (refused by the webhook, or in the dead-letter queue), 2 usage.`;

function parseArguments() {
  try {
    return parseArgs({
      options: {
        channel: { type: "string", default: "wechat" },
        say: { type: "string" },
        user: { type: "string", default: `chat-${process.pid}` },
        timeout: { type: "string", default: "15" },
        /** E-mail: deliver this raw RFC 822 file as SES would (inline, or by the S3 action above 150 KB). */
        eml: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const values = parseArguments();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const timeoutSeconds = Number(values.timeout);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  console.error(`--timeout must be a number of seconds, not "${values.timeout}"\n\n${USAGE}`);
  process.exit(2);
}
if (!(CHANNELS as readonly string[]).includes(values.channel ?? "")) {
  console.error(`Unknown channel "${values.channel}". Channels: ${CHANNELS.join(", ")}`);
  process.exit(2);
}

const env = await readLocalEnv().catch((error) => {
  if (!(error instanceof NoLocalStackError)) throw error;
  console.error(error.message);
  process.exit(2);
});
const url = env.KEFU_PUBLIC_URL ?? "http://127.0.0.1:3000";
const raw = { ...demoCredentials(), ...shellEnv(), ...env };

const emailChat =
  values.channel === "email" ? await startEmailChat(raw, env, values.user ?? "chat", values.eml) : undefined;
if (emailChat) values.user = emailChat.user;
// SMS customers are phone numbers: a --user that is not one becomes a fictitious +1555 number.
if ((values.channel === "sms" || values.channel === "twilio") && !/^\+\d{6,15}$/.test(values.user ?? "")) {
  values.user = `+1555${String(process.pid).padStart(7, "0").slice(-7)}`;
}

/** The channel's credentials from the local settings; without them the chat cannot play the platform. */
function required<Creds extends Record<string, string>>(module: ChannelModule<Creds>, what: string): Creds {
  const credentials = credentialsFor(module, raw) as Creds | undefined;
  if (!credentials) throw new Error(`no ${what}`);
  return credentials;
}

const channels: Record<string, (text: string) => PlatformRequest | Promise<PlatformRequest>> = {
  email: (text) => {
    if (!emailChat) throw new Error("no e-mail configuration");
    return emailChat.build(text);
  },
  dingtalk: (text) =>
    dingtalkRobotMessage(required(dingtalkModule, "DingTalk credentials"), url, {
      userId: values.user ?? "chat",
      text,
    }),
  wechat: (text) =>
    wechatPush(required(wechatModule, "WeChat credentials"), { openId: values.user ?? "chat", text }),
  sms: (text) => smsInbound(required(smsModule, "SMS configuration"), { from: values.user ?? "", text }),
  twilio: (text) =>
    twilioInbound(required(twilioModule, "Twilio credentials"), url, { from: values.user ?? "", text }),
  wecom: (text) =>
    wecomPush(required(wecomModule, "WeCom credentials"), { userId: values.user ?? "chat", text }),
  "wecom-kf": (text) =>
    kfDeliver(url, required(wecomKfModule, "WeCom 微信客服 credentials"), [
      kfCustomerText(values.user ?? "chat", text),
    ]),
};

const build = channels[values.channel ?? ""];

interface Said {
  replies: string[];
  notes: string[];
  /** The webhook refused the delivery or the message went to the dead-letter queue. */
  failed?: boolean;
}

async function say(text: string): Promise<Said> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const before = (await outbox()).length;
  const request = await build?.(text);
  if (!request) return { replies: [], notes: [] };
  let response = await post(request);
  // Like a platform: a stack still starting answers 503 with Retry-After, and the delivery is retried.
  while (response.status === 503 && response.headers.has("retry-after") && Date.now() < deadline) {
    await sleep(Number(response.headers.get("retry-after")) * 1000 || 1000);
    response = await post(request);
  }
  const traceId = response.headers.get("x-kefu-trace");
  if (!traceId) {
    return {
      replies: [],
      notes: [`(the webhook answered HTTP ${response.status}: ${await response.text()})`],
      failed: true,
    };
  }
  let trace = await traceOf(traceId);
  while (!settled(trace) && Date.now() < deadline) {
    await sleep(150);
    trace = await traceOf(traceId);
  }
  const replies = (await outbox())
    .slice(before)
    .filter((e) => e.to === values.user)
    .map((e) => e.text);
  return { replies, notes: explain(trace, replies.length, timeoutSeconds), failed: failed(trace) };
}

function post(request: PlatformRequest): Promise<Response> {
  return fetch(`${url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
}

async function traceOf(id: string): Promise<RequestTraceView> {
  return (await fetch(`${url}/dev/traces/${id}`)).json() as Promise<RequestTraceView>;
}

async function outbox(): Promise<{ to: string; text: string }[]> {
  return (await fetch(`${url}/dev/outbox`)).json() as Promise<{ to: string; text: string }[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Prints what Kefu said and what happened; a failed delivery makes the command exit 1 at the end. */
function show({ replies, notes, failed }: Said): void {
  for (const reply of replies) console.log(`Kefu: ${reply}`);
  for (const note of notes) console.log(note);
  if (failed) process.exitCode = 1;
}

if (values.say !== undefined || values.eml !== undefined) {
  show(await say(values.say ?? ""));
} else {
  console.log(`Chatting on ${values.channel} as ${values.user}. Empty line or Ctrl-D to quit.`);
  // Lines are read as a stream, not one question at a time: piped input (`printf '你好\n运费怎么算\n' |
  // npm run chat`) arrives at once, and a question would drop the lines that came while Kefu answered.
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  rl.setPrompt("You: ");
  rl.prompt();
  for await (const line of rl) {
    if (!line.trim()) break;
    if (!process.stdin.isTTY) console.log(line);
    show(await say(line));
    rl.prompt();
  }
  rl.close();
}
