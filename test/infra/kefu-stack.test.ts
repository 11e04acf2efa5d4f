import type { CfnResource } from "aws-cdk-lib";
import { Stack } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KefuStack } from "../../infra/kefu-stack";
import {
  CHANNEL_CREDENTIAL_KEYS,
  DEFAULT_ANSWER_MODEL_ID,
  DEFAULT_EMBEDDING_MODEL_ID,
} from "../../infra/kefu-stack";
import { CHANNEL_MODULES } from "../../shared/channels/registry";
import { bedrockConfigSchema } from "../../shared/config/engine";
import { IngestConfigSchema, SnsIngressConfigSchema, WebhookConfigSchema } from "../../shared/config/load";
import { SlaConfigSchema, WorkerConfigSchema } from "../../shared/config/load-desk";
import { RULES_KEYS } from "../../shared/kb/inspection-rules";
import { FAQ_BUCKET, INBOUND_QUEUE, TABLES } from "../../shared/resources";
import { SYNTH_TIMEOUT_MS, synthKefu } from "./synth";

// One synthesis for the whole file. The handlers are not bundled here (bundling.test.ts does that): the
// template is the same either way, only the asset hashes differ.
let stack: KefuStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthKefu({}, { bundle: false }));
}, SYNTH_TIMEOUT_MS);

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

type Json = Record<string, unknown>;
const resource = (id: string): Json => template.toJSON().Resources[id] as Json;
const props = (id: string): Json => resource(id).Properties as Json;

/** Every IAM statement in the policies attached to a role, as JSON text per statement. */
function statementsOf(roleLogicalId: string): Json[] {
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: Match.arrayWith([{ Ref: roleLogicalId }]) },
  });
  return Object.values(policies).flatMap(
    (p) => ((p as Json).Properties as { PolicyDocument: { Statement: Json[] } }).PolicyDocument.Statement,
  );
}
const actionsOn = (statements: Json[], resourceLogicalId: string): string[] =>
  statements
    .filter((s) => JSON.stringify(s.Resource).includes(resourceLogicalId))
    .flatMap((s) => [s.Action].flat() as string[]);
const allActions = (statements: Json[]): string[] => statements.flatMap((s) => [s.Action].flat() as string[]);

describe("functions", () => {
  const fns = () => [
    stack.ingress.webhook,
    stack.pipeline.worker,
    stack.knowledgeBase.ingest,
    stack.channels.snsIngress,
    stack.slaClock.fn,
  ];
  /** The configuration each function loads at cold start (shared/config/load.ts). */
  const configSchemaOf = (f: ReturnType<typeof fns>[number]) =>
    f === stack.ingress.webhook
      ? WebhookConfigSchema
      : f === stack.pipeline.worker
        ? WorkerConfigSchema
        : f === stack.channels.snsIngress
          ? SnsIngressConfigSchema
          : f === stack.slaClock.fn
            ? SlaConfigSchema
            : IngestConfigSchema;

  it("are six Node.js 22 ARM64 functions (plus CDK's helpers): webhook, sns-ingress, worker, ingest, desk-api, sla", () => {
    for (const f of fns()) {
      expect(props(logicalId(f.fn))).toMatchObject({
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
      });
    }
    const ours = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (r) => ((r as Json).Properties as Json).Runtime === "nodejs22.x",
    );
    // The five above and the desk API (test/infra/desk.test.ts checks its own configuration).
    expect(ours).toHaveLength(6);
  });

  it("write to their own log group with a one-month retention", () => {
    for (const f of fns()) {
      const fn = props(logicalId(f.fn));
      expect(fn.LoggingConfig).toMatchObject({ LogGroup: { Ref: logicalId(f.logGroup) } });
      expect(props(logicalId(f.logGroup)).RetentionInDays).toBe(30);
    }
  });

  it("get every variable ConfigSchema requires, with the stack's physical names", () => {
    for (const f of fns()) {
      const env = (props(logicalId(f.fn)).Environment as { Variables: Json }).Variables;
      for (const [name, def] of Object.entries(TABLES)) {
        expect(env[def.envVar], def.envVar).toEqual({
          Ref: logicalId(stack.storage.tables[name as keyof typeof TABLES]),
        });
      }
      expect(env[INBOUND_QUEUE.envVar]).toEqual({ Ref: logicalId(stack.pipeline.queue) });
      expect(env[FAQ_BUCKET.envVar]).toEqual({ Ref: logicalId(stack.storage.faqBucket) });
      expect(env.KEFU_SECRET_ARN).toEqual({ Ref: logicalId(stack.secret) });
      expect(env).toMatchObject({ KEFU_MODE: "aws", POWERTOOLS_SERVICE_NAME: "kefu" });
      // Source maps (and Node's parsing of them at cold start) only with -c sourceMaps=true: bundling.test.ts.
      expect(env.NODE_OPTIONS).toBeUndefined();
      // References (tokens) stand in for physical names: give them a plausible value and parse the rest
      // as the functions will at cold start.
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          typeof v === "string" ? v : "https://sqs.example.com/1/name",
        ]),
      );
      const parsed = configSchemaOf(f).safeParse({ ...resolved, AWS_REGION: "us-west-2" });
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(bedrockConfigSchema().safeParse(resolved).error?.issues ?? []).toEqual([]);
    }
  });

  it("pass the Bedrock model ids to the worker and ingest", () => {
    const worker = (props(logicalId(stack.pipeline.worker.fn)).Environment as { Variables: Json }).Variables;
    expect(worker).toMatchObject({
      KEFU_EMBEDDING_MODEL_ID: DEFAULT_EMBEDDING_MODEL_ID,
      KEFU_ANSWER_MODEL_ID: DEFAULT_ANSWER_MODEL_ID,
    });
    const ingest = (props(logicalId(stack.knowledgeBase.ingest.fn)).Environment as { Variables: Json })
      .Variables;
    expect(ingest.KEFU_EMBEDDING_MODEL_ID).toBe(DEFAULT_EMBEDDING_MODEL_ID);
  });
});

describe("inbound queue", () => {
  it("is a FIFO queue with producer-set dedup ids, encryption and a FIFO dead-letter queue", () => {
    // Besides the SNS ingress's failure queue (test/infra/channels.test.ts).
    template.resourceCountIs("AWS::SQS::Queue", 3);
    const dlq = logicalId(stack.pipeline.deadLetterQueue);
    expect(props(logicalId(stack.pipeline.queue))).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] },
        maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
      },
    });
    expect(props(dlq)).toMatchObject({
      FifoQueue: true,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: INBOUND_QUEUE.dlqRetentionDays * 86_400,
    });
  });

  it("takes SQS's largest message, 1 MiB, in the queue and its dead-letter queue", () => {
    // The webhook queues every message inline (shared/aws/queue.ts); the DLQ must take what it moves.
    for (const queue of [stack.pipeline.queue, stack.pipeline.deadLetterQueue]) {
      expect(props(logicalId(queue)).MaximumMessageSize).toBe(1_048_576);
    }
  });

  it("has a visibility timeout of at least 6 × the worker's timeout", () => {
    const visibility = props(logicalId(stack.pipeline.queue)).VisibilityTimeout as number;
    const workerTimeout = props(logicalId(stack.pipeline.worker.fn)).Timeout as number;
    expect(visibility).toBe(INBOUND_QUEUE.visibilityTimeoutSeconds);
    expect(workerTimeout).toBe(INBOUND_QUEUE.workerTimeoutSeconds);
    expect(visibility).toBeGreaterThanOrEqual(6 * workerTimeout);
  });

  it("denies non-TLS access to both queues (and the SNS ingress's failure queue)", () => {
    const policies = template.findResources("AWS::SQS::QueuePolicy", {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(3);
  });

  it("feeds the worker in batches that report per-message failures", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [logicalId(stack.pipeline.queue), "Arn"] },
      FunctionName: { Ref: logicalId(stack.pipeline.worker.fn) },
      BatchSize: INBOUND_QUEUE.batchSize,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });
});

describe("tables", () => {
  it("exist once for every entry of TABLES, keys as defined", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", Object.keys(TABLES).length);
    for (const [name, def] of Object.entries(TABLES)) {
      const table = resource(logicalId(stack.storage.tables[name as keyof typeof TABLES]));
      const p = table.Properties as Json;
      const sortKey = "sortKey" in def ? def.sortKey : undefined;
      expect(p.KeySchema, name).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: "HASH" },
        ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: "RANGE" }] : []),
      ]);
      expect(p.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: def.partitionKey.name, AttributeType: def.partitionKey.type },
        ]),
      );
      expect(p).toMatchObject({
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      // Data outlives the stack: `cdk destroy` must not delete the knowledge base or open tickets.
      expect(table.DeletionPolicy).toBe("Retain");
      expect(table.UpdateReplacePolicy).toBe("Retain");
      const ttl = "ttlAttribute" in def ? def.ttlAttribute : undefined;
      if (ttl) expect(p.TimeToLiveSpecification).toEqual({ AttributeName: ttl, Enabled: true });
      else expect(p.TimeToLiveSpecification).toBeUndefined();
    }
  });

  it("have the global secondary indexes of TABLES", () => {
    for (const [name, def] of Object.entries(TABLES)) {
      const p = props(logicalId(stack.storage.tables[name as keyof typeof TABLES]));
      const indexes = "globalIndexes" in def ? def.globalIndexes : [];
      expect(((p.GlobalSecondaryIndexes as Json[] | undefined) ?? []).length, name).toBe(indexes.length);
      for (const index of indexes) {
        expect(p.GlobalSecondaryIndexes).toContainEqual({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: "HASH" },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" }] : []),
          ],
          Projection: { ProjectionType: "ALL" },
        });
      }
    }
  });
});

describe("FAQ bucket", () => {
  it("is private, TLS-only, versioned, encrypted and logs access to a separate bucket", () => {
    // The FAQ bucket, its access-log bucket, the desk's web app (test/infra/desk.test.ts) and Athena's
    // query results (test/infra/analytics.test.ts).
    template.resourceCountIs("AWS::S3::Bucket", 4);
    const bucket = resource(logicalId(stack.storage.faqBucket));
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.storage.accessLogsBucket) } },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: expect.any(Number) } }),
          // Queue bodies by reference outlive the queue and its DLQ (14 days) by one day, no more.
          expect.objectContaining({ Prefix: FAQ_BUCKET.queueBodiesPrefix, ExpirationInDays: 15 }),
        ]),
      },
    });
    expect(bucket.DeletionPolicy).toBe("Retain");
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: logicalId(stack.storage.faqBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("notifies the ingest function of objects created under uploads/ and rules/uploads/ only", () => {
    template.resourceCountIs("Custom::S3BucketNotifications", 1);
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      BucketName: { Ref: logicalId(stack.storage.faqBucket) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: FAQ_BUCKET.uploadsPrefix }] } },
            LambdaFunctionArn: { "Fn::GetAtt": [logicalId(stack.knowledgeBase.ingest.fn), "Arn"] },
          },
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: RULES_KEYS.uploads }] } },
            LambdaFunctionArn: { "Fn::GetAtt": [logicalId(stack.knowledgeBase.ingest.fn), "Arn"] },
          },
        ],
      },
    });
  });
});

describe("HTTP API", () => {
  it("routes every method of /webhooks/{channel} to the webhook function (405 for those a channel does not take), the desk API to its own, and nothing else", () => {
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map(
      (r) => ((r as Json).Properties as Json).RouteKey,
    );
    // And the desk's API, behind its JWT authorizer (test/infra/desk.test.ts).
    expect(routes.sort()).toEqual(["ANY /desk/api/{proxy+}", "ANY /webhooks/{channel}"]);
    template.resourceCountIs("AWS::ApiGatewayV2::Integration", 2);
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      IntegrationUri: { "Fn::GetAtt": [logicalId(stack.ingress.webhook.fn), "Arn"] },
    });
  });

  it("has one auto-deployed $default stage with access logs and throttling", () => {
    template.resourceCountIs("AWS::ApiGatewayV2::Stage", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [logicalId(stack.ingress.accessLogs), "Arn"] },
        Format: Match.stringLikeRegexp("\\$context\\.requestId"),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });

  it("outputs the base URL and the URL for the WeChat console", () => {
    const api = logicalId(stack.ingress.api);
    template.hasOutput("WebhookBaseUrl", { Value: { "Fn::GetAtt": [api, "ApiEndpoint"] } });
    template.hasOutput("WeChatWebhookUrl", {
      Value: { "Fn::Join": ["", [{ "Fn::GetAtt": [api, "ApiEndpoint"] }, "/webhooks/wechat"]] },
    });
  });
});

describe("channel credentials secret", () => {
  it("is one secret that starts as an empty JSON object and is documented with its keys", () => {
    // The other secret is the analytics ids' key (test/infra/analytics.test.ts).
    template.resourceCountIs("AWS::SecretsManager::Secret", 2);
    const p = props(logicalId(stack.secret));
    expect(p.SecretString).toBe("{}");
    // Derived from the channel modules: every channel's every key, so a new channel documents itself.
    for (const module of CHANNEL_MODULES) {
      expect(p.Description).toContain(`${module.channel}: `);
      for (const key of Object.keys(module.demoCredentials)) expect(p.Description).toContain(key);
    }
    expect(Object.keys(CHANNEL_CREDENTIAL_KEYS)).toEqual(CHANNEL_MODULES.map((m) => m.channel));
    // Secrets Manager refuses descriptions over 2048 characters.
    expect((p.Description as string).length).toBeLessThanOrEqual(2048);
  });
});

describe("least privilege", () => {
  const role = (f: { role: IConstruct }) => statementsOf(logicalId(f.role));
  const table = (name: keyof typeof TABLES) => logicalId(stack.storage.tables[name]);
  /**
   * A role's DynamoDB grants as `{ table: sorted actions }`. Every DynamoDB statement must name tables
   * by their ARN (no `*`, no `index/*`) and carry no wildcard action, or this throws.
   */
  function tableGrants(f: { role: IConstruct }): Record<string, string[]> {
    const tableOf = new Map((Object.keys(TABLES) as (keyof typeof TABLES)[]).map((n) => [table(n), n]));
    const grants: Record<string, string[]> = {};
    for (const st of role(f)) {
      const actions = [st.Action].flat() as string[];
      if (!actions.some((a) => a.startsWith("dynamodb:"))) continue;
      expect(
        actions.every((a) => a.startsWith("dynamodb:") && !a.includes("*")),
        JSON.stringify(st),
      ).toBe(true);
      expect(st.Condition).toBeUndefined();
      for (const r of [st.Resource].flat() as Json[]) {
        // An index: { "Fn::Join": ["", [{ "Fn::GetAtt": [table, "Arn"] }, "/index/<name>"]] }.
        const joined = (r["Fn::Join"] as [string, Json[]] | undefined)?.[1];
        const indexOf = joined && typeof joined[1] === "string" ? String(joined[1]) : undefined;
        const target = joined ? (joined[0] as Json) : r;
        const id = (target["Fn::GetAtt"] as [string, string] | undefined)?.[0];
        const found = id && tableOf.get(id);
        const name = found && indexOf ? `${found}${indexOf}` : found;
        if (!name)
          throw new Error(`DynamoDB grant on something other than a table ARN: ${JSON.stringify(r)}`);
        grants[name] = [...(grants[name] ?? []), ...actions].sort();
      }
    }
    return grants;
  }

  it("webhook: channel state and shared tokens, nothing else of DynamoDB (no claim table)", () => {
    expect(tableGrants(stack.ingress.webhook)).toEqual({
      tokens: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
    });
  });

  it("worker: conversations, tickets, tokens and the FAQ read-only; no index, no scan or delete", () => {
    expect(tableGrants(stack.pipeline.worker)).toEqual({
      conversations: ["dynamodb:GetItem", "dynamodb:PutItem"],
      tickets: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      ticketTurns: ["dynamodb:PutItem", "dynamodb:Query"],
      outbox: ["dynamodb:GetItem", "dynamodb:PutItem"],
      tokens: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      faq: ["dynamodb:GetItem", "dynamodb:Query"],
      agents: ["dynamodb:Scan", "dynamodb:UpdateItem"],
      inspections: ["dynamodb:PutItem"],
      analyticsCounters: ["dynamodb:UpdateItem"],
      // Each clarify pick answered, written once; never read back by the worker.
      picks: ["dynamodb:PutItem"],
    });
  });

  it("desk-api: tickets and their indexes, replies' outbox, the FAQ read-only, agents, taught changes, inspections, counters", () => {
    expect(tableGrants(stack.desk.fn)).toEqual({
      tickets: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      "tickets/index/*": ["dynamodb:Query"],
      ticketTurns: ["dynamodb:PutItem", "dynamodb:Query"],
      outbox: ["dynamodb:PutItem"],
      tokens: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      faq: ["dynamodb:GetItem", "dynamodb:Query"],
      // The agents' list (Scan), their settings and status, the load counters a claim or resolve moves.
      agents: ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
      // A taught change is created once, read, decided once; pending ones are listed by status.
      changes: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
      "changes/index/byStatus": ["dynamodb:Query"],
      // Each reply's inspection is recorded; the quality report reads a day at a time.
      inspections: ["dynamodb:PutItem", "dynamodb:Query"],
      // Agents' replies and resolutions are counted; the reports page reads a day at a time.
      analyticsCounters: ["dynamodb:Query", "dynamodb:UpdateItem"],
      // The QA queue reads the reviews a resolve day at a time.
      reviews: ["dynamodb:Query"],
      // The suggestions read the picks a day at a time and mark those a supervisor decided on.
      picks: ["dynamodb:Query", "dynamodb:UpdateItem"],
    });
    // Agents' drafts (the answer model, not streamed) and suggestions' clustering (the embedding model).
    const bedrock = role(stack.desk.fn).filter((st) =>
      [st.Action].flat().some((a) => String(a).startsWith("bedrock:")),
    );
    expect(JSON.stringify(bedrock)).toContain(`foundation-model/${DEFAULT_ANSWER_MODEL_ID}`);
    expect(JSON.stringify(bedrock)).toContain(`foundation-model/${DEFAULT_EMBEDDING_MODEL_ID}`);
    expect(allActions(bedrock)).toEqual(["bedrock:InvokeModel", "bedrock:InvokeModel"]);
  });

  it("sla: the clock's index and the waiting tickets' index, breach updates, agents, the QA review's queue; runs every minute", () => {
    expect(tableGrants(stack.slaClock.fn)).toEqual({
      tickets: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      "tickets/index/bySlaDue": ["dynamodb:Query"],
      "tickets/index/byStatus": ["dynamodb:Query"],
      "tickets/index/byReviewDue": ["dynamodb:Query"],
      ticketTurns: ["dynamodb:PutItem", "dynamodb:Query"],
      tokens: ["dynamodb:UpdateItem"],
      agents: ["dynamodb:Scan", "dynamodb:UpdateItem"],
      analyticsCounters: ["dynamodb:UpdateItem"],
      // The QA review: the reference FAQ answers, one review per ticket.
      faq: ["dynamodb:GetItem", "dynamodb:Query"],
      reviews: ["dynamodb:PutItem"],
    });
    const rules = template.findResources("AWS::Events::Rule");
    const clock = Object.values(rules).find((r) =>
      JSON.stringify(r).includes(logicalId(stack.slaClock.fn.fn)),
    ) as { Properties: { ScheduleExpression: string; State: string } } | undefined;
    expect(clock?.Properties).toMatchObject({ ScheduleExpression: "rate(1 minute)", State: "ENABLED" });
    const s = role(stack.slaClock.fn);
    expect(actionsOn(s, logicalId(stack.secret))).toEqual(["secretsmanager:GetSecretValue"]);
    expect(actionsOn(s, logicalId(stack.handoff.agentTopic))).toEqual(["sns:Publish"]);
    // Of the bucket, only analytics events: PutObject under events/.
    const onBucket = s.filter((st) =>
      JSON.stringify(st.Resource).includes(logicalId(stack.storage.faqBucket)),
    );
    expect(
      onBucket.map((st) => [JSON.stringify(st.Resource).includes(`/${FAQ_BUCKET.eventsPrefix}*`), st.Action]),
    ).toEqual([[true, "s3:PutObject"]]);
  });

  it("ingest: the FAQ table only, with the batch writes of an import", () => {
    expect(tableGrants(stack.knowledgeBase.ingest)).toEqual({
      faq: ["dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"],
    });
  });

  it("webhook: SendMessage on the queue, the secret's value, and nothing of the bucket or Bedrock", () => {
    const s = role(stack.ingress.webhook);
    expect(actionsOn(s, logicalId(stack.pipeline.queue))).toEqual(["sqs:SendMessage"]);
    expect(actionsOn(s, logicalId(stack.pipeline.deadLetterQueue))).toEqual([]);
    expect(actionsOn(s, logicalId(stack.secret))).toEqual(["secretsmanager:GetSecretValue"]);
    // Every message goes inline (SQS takes 1 MiB): the webhook writes no queue body to S3.
    expect(actionsOn(s, logicalId(stack.storage.faqBucket))).toEqual([]);
    expect(allActions(s).filter((a) => a.startsWith("s3:"))).toEqual([]);
    expect(allActions(s).filter((a) => a.startsWith("bedrock:"))).toEqual([]);
  });

  it("worker: the queue as its event source needs, the secret's value, queue bodies, events and the rule set of the bucket, Bedrock on the two models only", () => {
    const all = role(stack.pipeline.worker);
    // The rule set in force (test/infra/inspection.test.ts checks those keys); nothing else of the bucket.
    const s = all.filter((st) => !JSON.stringify(st.Resource).includes(`/${FAQ_BUCKET.rulesPrefix}`));
    expect(all.length - s.length).toBe(1);
    const bucketOnly = s.filter(
      (st) =>
        JSON.stringify(st.Resource) ===
        JSON.stringify({ "Fn::GetAtt": [logicalId(stack.storage.faqBucket), "Arn"] }),
    );
    expect(allActions(bucketOnly)).toEqual(["s3:ListBucket"]);
    const onPrefixes = s.filter(
      (st) =>
        !bucketOnly.includes(st) && JSON.stringify(st.Resource).includes(logicalId(stack.storage.faqBucket)),
    );
    // Reads queue bodies, writes analytics events: each under its prefix, nothing else of the bucket.
    expect(
      onPrefixes
        .map((st) => [JSON.stringify(st.Resource).match(/\/([a-z-]+)\/\*/)?.[1], st.Action])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ["events", "s3:PutObject"],
      ["queue-bodies", "s3:GetObject"],
    ]);
    expect(actionsOn(s, logicalId(stack.pipeline.queue))).not.toContain("sqs:SendMessage");
    expect(actionsOn(s, logicalId(stack.secret))).toEqual(["secretsmanager:GetSecretValue"]);

    const bedrock = s.filter((st) => [st.Action].flat().some((a) => String(a).startsWith("bedrock:")));
    const text = JSON.stringify(bedrock);
    expect(text).toContain(`foundation-model/${DEFAULT_ANSWER_MODEL_ID}`);
    expect(text).toContain(`foundation-model/${DEFAULT_EMBEDDING_MODEL_ID}`);
    expect(text).not.toMatch(/foundation-model\/\*/);
    expect(allActions(bedrock).sort()).toEqual([
      "bedrock:InvokeModel",
      "bedrock:InvokeModel",
      "bedrock:InvokeModelWithResponseStream",
    ]);
  });

  it("ingest: S3 by prefix (uploads/ versions/ reports/, and rules/), embeddings only, no secret or queue", () => {
    const s = role(stack.knowledgeBase.ingest);
    const bucket = logicalId(stack.storage.faqBucket);
    const onPrefix = (prefix: string) =>
      allActions(s.filter((st) => JSON.stringify(st.Resource).includes(`${bucket}","Arn"]},"/${prefix}*"`)));
    expect(onPrefix(FAQ_BUCKET.uploadsPrefix)).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(onPrefix(FAQ_BUCKET.versionsPrefix)).toEqual(["s3:GetObject", "s3:PutObject"]);
    // Reports are written, never read back: a report cannot be used to tamper with an import.
    expect(onPrefix(FAQ_BUCKET.reportsPrefix)).toEqual(["s3:PutObject"]);
    // Nothing on the whole bucket's objects, and on the bucket itself only listing (404 instead of 403).
    const onBucket = s.filter(
      (st) => JSON.stringify(st.Resource) === JSON.stringify({ "Fn::GetAtt": [bucket, "Arn"] }),
    );
    expect(allActions(onBucket)).toEqual(["s3:ListBucket"]);
    // Six for FAQ imports, five for rule files (test/infra/inspection.test.ts).
    expect(actionsOn(s, bucket)).toHaveLength(11);

    expect(actionsOn(s, logicalId(stack.secret))).toEqual([]);
    expect(allActions(s).filter((a) => a.startsWith("bedrock:"))).toEqual(["bedrock:InvokeModel"]);
    expect(allActions(s).filter((a) => a.startsWith("sns:") || a.startsWith("sqs:"))).toEqual([]);
  });

  it("only the worker and the SLA clock may notify agents", () => {
    const topic = logicalId(stack.handoff.agentTopic);
    expect(actionsOn(role(stack.pipeline.worker), topic)).toEqual(["sns:Publish"]);
    expect(actionsOn(role(stack.ingress.webhook), topic)).toEqual([]);
    expect(actionsOn(role(stack.knowledgeBase.ingest), topic)).toEqual([]);
  });

  it("no role has a managed policy or an action wildcard", () => {
    for (const f of [
      stack.ingress.webhook,
      stack.pipeline.worker,
      stack.knowledgeBase.ingest,
      stack.slaClock.fn,
    ]) {
      expect(props(logicalId(f.role)).ManagedPolicyArns).toBeUndefined();
      expect(allActions(role(f)).filter((a) => a.includes("*") && !a.startsWith("kms:"))).toEqual([]);
    }
  });
});

describe("topics", () => {
  it("alarm, agent and inbound channel topics are encrypted and TLS-only", () => {
    template.resourceCountIs("AWS::SNS::Topic", 4);
    // CloudWatch can only publish to a topic under a customer-managed key that lets it in.
    expect(props(logicalId(stack.observability.topic)).KmsMasterKeyId).toEqual({
      "Fn::GetAtt": [logicalId(stack.observability.key), "Arn"],
    });
    expect(props(logicalId(stack.handoff.agentTopic)).KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: Match.arrayWith(["kms:Decrypt"]),
            // Confused deputy: only for this account's alarms in this region.
            Condition: {
              StringEquals: { "aws:SourceAccount": "123456789012" },
              ArnLike: {
                "aws:SourceArn": {
                  "Fn::Join": [
                    "",
                    ["arn:", { Ref: "AWS::Partition" }, ":cloudwatch:us-west-2:123456789012:alarm:*"],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
    const tlsOnly = template.findResources("AWS::SNS::TopicPolicy", {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      },
    });
    expect(Object.keys(tlsOnly)).toHaveLength(4);
  });
});

describe("observability", () => {
  it("alarms on DLQ depth, queue age, worker/webhook/ingest errors, 5xx and lost SNS deliveries, all to the topic", () => {
    const topic = { Ref: logicalId(stack.observability.topic) };
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map(
      (a) => (a as Json).Properties as Json,
    );
    expect(alarms).toHaveLength(10);
    for (const a of alarms) expect(a.AlarmActions).toEqual([topic]);

    const find = (metric: string, dimension: string) =>
      alarms.find((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(dimension));
    expect(
      find("ApproximateNumberOfMessagesVisible", logicalId(stack.pipeline.deadLetterQueue)),
    ).toMatchObject({
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    expect(find("ApproximateAgeOfOldestMessage", logicalId(stack.pipeline.queue))).toBeDefined();
    expect(find("Errors", logicalId(stack.pipeline.worker.fn))).toBeDefined();
    expect(find("Errors", logicalId(stack.ingress.webhook.fn))).toBeDefined();
    expect(find("Errors", logicalId(stack.knowledgeBase.ingest.fn))).toBeDefined();
    expect(find("Errors", logicalId(stack.channels.snsIngress.fn))).toBeDefined();
    expect(
      find("ApproximateNumberOfMessagesVisible", logicalId(stack.channels.snsIngressFailures)),
    ).toMatchObject({ Threshold: 1 });
    expect(find("5xx", logicalId(stack.ingress.api))).toBeDefined();
    for (const topic of [stack.channels.emailTopic, stack.channels.smsTopic]) {
      expect(find("NumberOfNotificationsFailed", logicalId(topic))).toMatchObject({ Threshold: 1 });
    }
  });
});
