/**
 * `npm start`: the whole of Kefu on this machine. Starts DynamoDB Local and the SQS/S3 emulator on
 * loopback, provisions them from the shared resource definitions, imports the example FAQ, and serves
 * the webhooks, the channel simulators and /dev endpoints until Ctrl-C, which stops everything it started.
 */
import { createServer, type Server } from "node:http";
import { portSetting, quietLibraries } from "./env";

quietLibraries();

const port = Number(portSetting() ?? 3000);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`Kefu could not start: KEFU_PORT must be a port number (1-65535), not "${portSetting()}"`);
  process.exit(1);
}
const started = Date.now();

// The port answers before the stack's modules load (the AWS SDK and every function: seconds), with the
// 503 "starting" a platform retries, rather than refusing connections until then. The stack takes this
// server over; if the port is taken, the stack's own listen says by whom.
const early = await openEarly(port);
const { JavaMissingError } = await import("./emulators");
const { killLeftovers, startLocalStack } = await import("./stack");

for (const pid of await killLeftovers()) {
  console.error(`[kefu] stopped DynamoDB Local (pid ${pid}) left by an npm start that is gone`);
}
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    port,
    ...(early ? { server: early } : {}),
    writeEnvFile: true,
    desk: true,
    log: (line) => console.error(`[kefu] ${line}`),
  });
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
  } else {
    console.error(`Kefu could not start: ${(error as Error).message}`);
  }
  process.exit(1);
}

const { url } = stack;
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `Kefu is ready in ${seconds}s on ${url} (webhooks ${url}/webhooks/<channel>; outbox ${url}/dev/outbox; tickets ${url}/dev/tickets)`,
);
console.log(
  `Try it: npm run chat -- --channel wechat --say "怎么申请退货？"   (then: curl ${url}/dev/outbox; all routes: curl ${url}/)`,
);
if (stack.desk) {
  console.log(
    `The agents' desk: ${stack.desk.url}  (users agent, supervisor, admin; password ${stack.desk.password}, KEFU_DESK_DEMO_PASSWORD to change it)`,
  );
}
console.log(
  "Data lives in memory (DynamoDB Local -inMemory, the SQS/S3 emulator): it is gone when Kefu stops.",
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log("Stopping Kefu…");
    await stack.stop();
    process.exit(0);
  });
}

/** The port, open at once: 200 on /health (the process runs), 503 "starting" with Retry-After elsewhere. */
async function openEarly(port: number): Promise<Server | undefined> {
  const stage = "loading Kefu";
  const server = createServer((req, res) => {
    const live = req.url === "/health";
    res.writeHead(live ? 200 : 503, {
      "content-type": "application/json; charset=utf-8",
      ...(live ? {} : { "retry-after": "1" }),
    });
    res.end(
      JSON.stringify(
        live
          ? { ok: true }
          : {
              ready: false,
              stage,
              error: "starting",
              message: `Kefu is starting (${stage}); retry in a moment.`,
            },
      ),
    );
  });
  return new Promise((resolve) => {
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
