import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it, vi } from "vitest";
import { AwsUnreachableError, awsJsonClient } from "../../../../shared/aws/fetch/aws-json";
import { DYNAMODB, documentTable, marshallItem, unmarshallItem } from "../../../../shared/aws/fetch/dynamodb";
import { fetchCredentialsSource } from "../../../../shared/aws/fetch/secrets";
import { fetchEnqueue, QueueChecksumError } from "../../../../shared/aws/fetch/sqs";
import { fifoIds, toQueueBody } from "../../../../shared/aws/queue";
import { SECRET_MAX_AGE_SECONDS } from "../../../../shared/aws/secret-source";
import { CredentialsError } from "../../../../shared/channels/credentials";
import { fakeAwsFetch, inbound } from "../../../support/fakes";

/** The webhook's DynamoDB, SQS and Secrets Manager adapters over signed fetch, against a fake `fetch`. */

const credentials = () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
const noWait = async () => {};

describe("DynamoDB's attribute values", () => {
  const item = {
    name: "state:wecom-kf:cursor",
    count: 3,
    ratio: -0.25,
    on: true,
    none: null,
    skipped: undefined,
    value: { revision: 2, ids: ["a", "b"], nested: { deep: [1, { x: "y" }] } },
  };

  it("are those of the SDK's document client (removeUndefinedValues), both ways", () => {
    expect(marshallItem(item)).toEqual(marshall(item, { removeUndefinedValues: true }));
    const { skipped: _, ...stored } = item;
    const sdkItem = marshall(stored) as unknown as Parameters<typeof unmarshallItem>[0];
    expect(unmarshallItem(sdkItem)).toEqual(unmarshall(marshall(stored)));
    expect(unmarshallItem(marshallItem(item))).toEqual(stored);
  });

  it("signs GetItem, PutItem and UpdateItem for the dynamodb service, values marshalled, the item read back", async () => {
    const aws = fakeAwsFetch();
    aws.answer("GetItem", { status: 200, body: { Item: { name: { S: "t" }, leaseUntil: { N: "12" } } } });
    const table = documentTable(
      awsJsonClient(DYNAMODB, { region: "us-west-2", credentials, fetch: aws.fetch, sleep: noWait }),
    );
    expect(await table.get({ TableName: "tokens", Key: { name: "t" }, ConsistentRead: true })).toEqual({
      Item: { name: "t", leaseUntil: 12 },
    });
    await table.update({
      TableName: "tokens",
      Key: { name: "t" },
      UpdateExpression: "SET a = :a",
      ConditionExpression: "b = :b",
      ExpressionAttributeValues: { ":a": 1, ":b": "x" },
    });
    expect(aws.calls.map((c) => c.headers.get("x-amz-target"))).toEqual([
      "DynamoDB_20120810.GetItem",
      "DynamoDB_20120810.UpdateItem",
    ]);
    expect(aws.calls[0]?.url).toBe("https://dynamodb.us-west-2.amazonaws.com");
    expect(aws.calls[0]?.input).toEqual({
      TableName: "tokens",
      Key: { name: { S: "t" } },
      ConsistentRead: true,
    });
    expect(aws.calls[1]?.input).toEqual({
      TableName: "tokens",
      Key: { name: { S: "t" } },
      UpdateExpression: "SET a = :a",
      ConditionExpression: "b = :b",
      ExpressionAttributeValues: { ":a": { N: "1" }, ":b": { S: "x" } },
    });
    expect(aws.calls[1]?.headers.get("authorization")).toContain("/us-west-2/dynamodb/aws4_request");
  });
  it("resolves a write whose condition failed to false, and throws any other refusal", async () => {
    const aws = fakeAwsFetch();
    const table = documentTable(
      awsJsonClient(DYNAMODB, { region: "us-west-2", credentials, fetch: aws.fetch, sleep: noWait }),
    );
    const put = { TableName: "tokens", Item: { name: "t" }, ConditionExpression: "attribute_not_exists(#n)" };
    const update = { TableName: "tokens", Key: { name: "t" }, UpdateExpression: "SET a = :a" };
    expect(await table.put(put)).toBe(true);
    expect(await table.update({ ...update, ExpressionAttributeValues: { ":a": 1 } })).toBe(true);
    const failed = {
      status: 400,
      body: { __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" },
    };
    aws.answer("PutItem", failed);
    aws.answer("UpdateItem", failed);
    expect(await table.put(put)).toBe(false);
    expect(await table.update({ ...update, ExpressionAttributeValues: { ":a": 1 } })).toBe(false);
    aws.answer("PutItem", {
      status: 400,
      body: { __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" },
    });
    await expect(table.put(put)).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("the queue", () => {
  const options = (aws: ReturnType<typeof fakeAwsFetch>) => ({
    region: "us-west-2",
    credentials,
    fetch: aws.fetch,
    sleep: noWait,
  });
  const queueUrl = "https://sqs.us-west-2.amazonaws.com/123456789012/kefu-inbound.fifo";

  it("sends the SDK path's body and FIFO ids, and checks SQS's digest of the body", async () => {
    const message = inbound({ text: "怎么退货？" });
    const { createHash } = await import("node:crypto");
    const md5 = createHash("md5").update(toQueueBody(message)).digest("hex");
    const aws = fakeAwsFetch();
    aws.answer("SendMessage", { status: 200, body: { MessageId: "m-1", MD5OfMessageBody: md5 } });
    await fetchEnqueue(options(aws), queueUrl)(message);
    const ids = fifoIds(message);
    expect(aws.calls[0]?.input).toEqual({
      QueueUrl: queueUrl,
      MessageBody: toQueueBody(message),
      MessageGroupId: ids.groupId,
      MessageDeduplicationId: ids.deduplicationId,
    });

    aws.answer("SendMessage", { status: 200, body: { MessageId: "m-2", MD5OfMessageBody: "0".repeat(32) } });
    await expect(fetchEnqueue(options(aws), queueUrl)(message)).rejects.toBeInstanceOf(QueueChecksumError);
  });
});

describe("the channel credentials from Secrets Manager", () => {
  const location = { secretArn: "arn:aws:secretsmanager:us-west-2:123456789012:secret:kefu" };

  it("reads the secret once per max age, sharing a read in flight, and again after a failed one", async () => {
    const aws = fakeAwsFetch();
    aws.answer("GetSecretValue", { status: 200, body: { SecretString: '{"KEFU_WECHAT_TOKEN":"t1"}' } });
    let now = 1_000_000;
    const source = fetchCredentialsSource(
      location,
      { region: "us-west-2", credentials, fetch: aws.fetch, sleep: noWait },
      {},
      () => now,
    );
    const [a, b] = await Promise.all([source.get(), source.get()]);
    expect(a).toEqual({ KEFU_WECHAT_TOKEN: "t1" });
    expect(b).toEqual(a);
    expect(aws.calls).toHaveLength(1);
    expect(aws.calls[0]?.headers.get("x-amz-target")).toBe("secretsmanager.GetSecretValue");
    expect(aws.calls[0]?.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(aws.calls[0]?.input).toEqual({ SecretId: location.secretArn });

    now += SECRET_MAX_AGE_SECONDS * 1000;
    aws.answer("GetSecretValue", { throws: new TypeError("fetch failed") });
    await expect(source.get()).rejects.toBeInstanceOf(AwsUnreachableError);
    aws.answer("GetSecretValue", { status: 200, body: { SecretString: '{"KEFU_WECHAT_TOKEN":"t2"}' } });
    expect(await source.get()).toEqual({ KEFU_WECHAT_TOKEN: "t2" });
  });

  it("refuses a secret that is not a JSON object with CredentialsError, as the SDK path does", async () => {
    const aws = fakeAwsFetch();
    aws.answer("GetSecretValue", { status: 200, body: { SecretString: "not json" } });
    const source = fetchCredentialsSource(location, { region: "us-west-2", credentials, fetch: aws.fetch });
    await expect(source.get()).rejects.toBeInstanceOf(CredentialsError);
  });

  it("reads the environment over the demo credentials locally, without calling AWS", async () => {
    const aws = fakeAwsFetch();
    const source = fetchCredentialsSource(
      { environment: { KEFU_WECHAT_TOKEN: "env" } },
      { region: "us-west-2", credentials, fetch: aws.fetch },
      { KEFU_WECHAT_TOKEN: "demo", KEFU_WECHAT_APP_ID: "wx-demo" },
    );
    expect(await source.get()).toEqual({ KEFU_WECHAT_TOKEN: "env", KEFU_WECHAT_APP_ID: "wx-demo" });
    expect(aws.calls).toHaveLength(0);
  });

  it("reads demo credentials given as a loader once, when first asked (the webhook loads its channels then)", async () => {
    const demo = vi.fn(async () => ({ KEFU_WECHAT_TOKEN: "demo", KEFU_WECHAT_APP_ID: "wx-demo" }));
    const source = fetchCredentialsSource(
      { environment: { KEFU_WECHAT_TOKEN: "env" } },
      { region: "us-west-2", credentials, fetch: fakeAwsFetch().fetch },
      demo,
    );
    expect(demo).not.toHaveBeenCalled();
    const [a, b] = await Promise.all([source.get(), source.get()]);
    expect(a).toEqual({ KEFU_WECHAT_TOKEN: "env", KEFU_WECHAT_APP_ID: "wx-demo" });
    expect(b).toEqual(a);
    expect(demo).toHaveBeenCalledTimes(1);
  });
});
