import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Decision, evaluate, type PolicyStatement, tableArn } from "./iam-policy";

/**
 * DynamoDB Local behind the IAM check AWS makes: an HTTP endpoint that reads each request's operation
 * (`X-Amz-Target`) and tables, evaluates them against one function's synthesised statements, and
 * either forwards the request untouched to DynamoDB Local or answers exactly as DynamoDB does when IAM
 * refuses (400, `AccessDeniedException`). A function pointed at it through KEFU_DYNAMODB_ENDPOINT (the
 * setting every DynamoDB client of the code is made from) runs its real code with its real grants:
 * no code change, no client patching, and every client the function makes is covered.
 */

/** One authorisation the endpoint decided: what the function asked, on which table, and the answer. */
export interface AuthorisedCall {
  operation: string;
  action: string;
  resource: string;
  decision: Decision;
}

export interface EnforcingEndpoint {
  url: string;
  /** Every authorisation decided, in order. */
  readonly calls: AuthorisedCall[];
  /** The statements enforced; replaceable (a test may enforce an older policy for a while). */
  statements: readonly PolicyStatement[];
  refusals(): AuthorisedCall[];
  close(): Promise<void>;
}

export interface EnforcingEndpointOptions {
  /** Shown in refusals as the assumed role, like AWS names the caller. */
  functionName: string;
  /** DynamoDB Local's endpoint. */
  target: string;
  statements: readonly PolicyStatement[];
  /** Physical (local) table name → the name its ARN has in the statements (the TABLES key). */
  tables: ReadonlyMap<string, string>;
}

interface Check {
  action: string;
  table: string;
  index?: string;
}

/**
 * The IAM authorisations an operation needs (the Service Authorization Reference's table): one per table,
 * one per item kind for transactions. An operation not listed is refused as unmodelled, so that new code
 * calling one makes this test say so instead of passing blind.
 */
function checksOf(operation: string, body: Record<string, unknown>): Check[] | undefined {
  const table = (name: unknown) => String(name ?? "").replace(/^arn:[^/]*:table\//, "");
  switch (operation) {
    case "GetItem":
    case "PutItem":
    case "UpdateItem":
    case "DeleteItem":
    case "DescribeTable":
      return [{ action: operation, table: table(body.TableName) }];
    case "Query":
    case "Scan":
      return [
        {
          action: operation,
          table: table(body.TableName),
          ...(body.IndexName ? { index: String(body.IndexName) } : {}),
        },
      ];
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys((body.RequestItems as object | undefined) ?? {}).map((t) => ({
        action: operation,
        table: table(t),
      }));
    case "TransactGetItems":
    case "TransactWriteItems": {
      const kinds: Record<string, string> = {
        Get: "GetItem",
        Put: "PutItem",
        Update: "UpdateItem",
        Delete: "DeleteItem",
        ConditionCheck: "ConditionCheckItem",
      };
      return ((body.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? []).flatMap(
        (item) =>
          Object.entries(item).map(([kind, op]) => ({
            action: kinds[kind] ?? `unknown transaction item ${kind}`,
            table: table(op.TableName),
          })),
      );
    }
    default:
      return undefined;
  }
}

export async function startEnforcingEndpoint(options: EnforcingEndpointOptions): Promise<EnforcingEndpoint> {
  const calls: AuthorisedCall[] = [];
  const endpoint = {
    url: "",
    calls,
    statements: options.statements,
    refusals: () => calls.filter((c) => !c.decision.allowed),
    close: async () => {},
  };

  const authorise = (operation: string, body: Record<string, unknown>): AuthorisedCall[] => {
    const checks = checksOf(operation, body);
    if (!checks) {
      const refused = {
        operation,
        action: `dynamodb:${operation}`,
        resource: "*",
        decision: { allowed: false, why: "because this test does not model the operation" } as Decision,
      };
      return [refused];
    }
    return checks.map(({ action, table, index }) => {
      const name = options.tables.get(table);
      const resource = name ? tableArn(name, index) : `(a table of no function: ${table})`;
      const iamAction = `dynamodb:${action}`;
      const decision: Decision = name
        ? evaluate(endpoint.statements, iamAction, resource)
        : { allowed: false, why: "because the table is none of the stack's" };
      return { operation, action: iamAction, resource, decision };
    });
  };

  const server = createServer(async (req, res) => {
    try {
      const raw = await readAll(req);
      const operation = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      const decided = authorise(operation, JSON.parse(raw.toString("utf8") || "{}"));
      calls.push(...decided);
      const refused = decided.find((c) => !c.decision.allowed);
      if (refused && !refused.decision.allowed) {
        return deny(res, options.functionName, refused.action, refused.resource, refused.decision.why);
      }
      forward(options.target, req, raw, res);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`enforcing endpoint failed: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return endpoint;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What DynamoDB answers when IAM refuses: the SDK throws `AccessDeniedException`, not retried. */
function deny(
  res: ServerResponse,
  functionName: string,
  action: string,
  resource: string,
  why: string,
): void {
  res.writeHead(400, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": randomUUID(),
  });
  res.end(
    JSON.stringify({
      __type: "com.amazon.coral.service#AccessDeniedException",
      message: `User: arn:aws:sts::123456789012:assumed-role/${functionName}/${functionName} is not authorized to perform: ${action} on resource: ${resource} ${why}`,
    }),
  );
}

function forward(target: string, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", target);
  // The body was read whole: it goes on with its length, whatever framing it came with.
  const { "transfer-encoding": _framing, ...headers } = req.headers;
  const upstream = httpRequest(
    url,
    { method: req.method, headers: { ...headers, host: url.host, "content-length": body.length } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`DynamoDB Local unreachable: ${error.message}`);
  });
  upstream.end(body);
}
