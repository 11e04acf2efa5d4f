import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { parentPort, Worker, workerData } from "node:worker_threads";
import type { SQSRecord } from "aws-lambda";
import { makeHandler as makeWorkerHandler } from "../functions/worker/handler";
import { wireWorker } from "../functions/worker/wiring";
import { loadWorkerConfig } from "../shared/config/load-desk";
import { ENV, type EnvRecord } from "../shared/config/names";
import { sqsClient } from "./emulators";
import { shellEnv } from "./env";
import { type RunningEventSource, startEventSource } from "./event-source";
import { FollowedLogger, type FollowedLogRecord } from "./logs";

/**
 * The worker function in a thread of its own, fed by its own event-source loop. In AWS the worker is a
 * Lambda of its own and never delays the webhook; on the local stack's one event loop each message it
 * answered held up the acknowledgements queued behind it (bench/ack.ts measures both layouts). The
 * thread builds the handler exactly as the stack built it (from the same settings) and tells the stack
 * what it received, what failed and what it logged, which the stack's traces and tests follow.
 */

/** What the stack gives the thread: the worker's settings and the event source's options. */
export interface WorkerThreadOptions {
  /** The worker's configuration source, as the stack builds it (log level included). */
  settings: EnvRecord;
  awsEndpoint: string;
  queueUrl: string;
  batchSize: number;
  retryDelaySeconds: number;
  concurrency?: number;
  timeoutMs?: number;
}

/** What the thread tells the stack. */
export type WorkerThreadEvent =
  | { type: "ready" }
  | { type: "record"; record: SQSRecord }
  | { type: "failed"; record: SQSRecord }
  | { type: "error"; message: string }
  | { type: "log"; record: FollowedLogRecord }
  | { type: "stopped" };

export interface WorkerThreadListener {
  onRecord(record: SQSRecord): void;
  onFailed(record: SQSRecord): void;
  onError(message: string): void;
  onLog(record: FollowedLogRecord): void;
}

/**
 * The thread runs TypeScript whatever started the stack (tsx, Vitest): it registers tsx's loader
 * itself, without inheriting the parent's loader flags, then imports this module and calls `runInThread`.
 * tsx's ES-module entry is found beside the CommonJS one `require.resolve` names (the package's
 * `exports` give both from dist/esm/api/).
 */
const TSX_API = pathToFileURL(
  createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs"),
).href;
const BOOTSTRAP = new URL(
  `data:text/javascript,${encodeURIComponent(`
const { register } = await import(${JSON.stringify(TSX_API)});
register();
const thread = await import(${JSON.stringify(import.meta.url)});
thread.runInThread();
`)}`,
);

/** Starts the worker's thread; resolves once its handler is built and its event source polls. */
export async function startWorkerThread(
  options: WorkerThreadOptions,
  listener: WorkerThreadListener,
): Promise<RunningEventSource> {
  // The environment copied explicitly: a test runner's process.env is not always what a thread inherits,
  // and the libraries read theirs from it (the SDK's endpoints, Powertools' switches).
  const thread = new Worker(BOOTSTRAP, { workerData: options, execArgv: [], env: shellEnv() });
  const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    thread.on("message", (event: WorkerThreadEvent) => {
      if (event.type === "ready") resolve();
      else if (event.type === "record") listener.onRecord(event.record);
      else if (event.type === "failed") listener.onFailed(event.record);
      else if (event.type === "error") listener.onError(event.message);
      else if (event.type === "log") listener.onLog(revived(event.record));
    });
    thread.once("error", (error) => {
      listener.onError(`worker thread: ${error.message}`);
      reject(error);
    });
    exited.then(() => reject(new Error("the worker thread exited before it was ready")));
  });
  await ready;
  return {
    async stop() {
      thread.postMessage("stop");
      // A stuck handler must not hold the stack's stop: the thread goes after its last poll or in 5 s.
      const timer = setTimeout(() => void thread.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Inside the thread: build the worker, poll the queue, report to the stack until told to stop. */
export function runInThread(): void {
  const port = parentPort;
  if (!port) throw new Error("runInThread runs inside the worker thread");
  const options = workerData as WorkerThreadOptions;
  const tell = (event: WorkerThreadEvent) => port.postMessage(event);
  const logger = new FollowedLogger((record) => tell({ type: "log", record: cloneable(record) }), {
    serviceName: "kefu",
    logLevel: (options.settings[ENV.logLevel] ?? "WARN") as "WARN",
  });
  const worker = makeWorkerHandler(wireWorker(loadWorkerConfig(options.settings), { logger }));
  const source = startEventSource({
    sqs: sqsClient(options.awsEndpoint),
    queueUrl: options.queueUrl,
    batchSize: options.batchSize,
    handler: worker,
    retryDelaySeconds: options.retryDelaySeconds,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    onError: (error) => tell({ type: "error", message: (error as Error).message }),
    onFailed: (record) => tell({ type: "failed", record }),
    onRecord: (record) => tell({ type: "record", record }),
  });
  port.once("message", () => {
    void source.stop().then(() => {
      tell({ type: "stopped" });
      port.close();
    });
  });
  tell({ type: "ready" });
}

/**
 * Errors cross the thread boundary as their name, message and code (structured cloning keeps only the
 * message of a class of ours, and drops its code), and come back as errors with the same three.
 */
interface ClonedError {
  __error: true;
  name: string;
  message: string;
  code?: unknown;
}

function cloneable(record: FollowedLogRecord): FollowedLogRecord {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.attributes)) {
    attributes[name] =
      value instanceof Error
        ? ({
            __error: true,
            name: value.name,
            message: value.message,
            code: (value as { code?: unknown }).code,
          } satisfies ClonedError)
        : value;
  }
  return { ...record, attributes };
}

function revived(record: FollowedLogRecord): FollowedLogRecord {
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.attributes)) {
    const cloned = value as Partial<ClonedError> | null;
    if (cloned && typeof cloned === "object" && cloned.__error === true) {
      const error = Object.assign(new Error(cloned.message), { code: cloned.code });
      error.name = cloned.name ?? "Error";
      attributes[name] = error;
    } else {
      attributes[name] = value;
    }
  }
  return { ...record, attributes };
}
