import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { describeFailure } from "../../shared/core/failure";
import { type Authenticate, type BoundRoute, createRouter } from "./router";

/** The desk API's base path: the app and its API share an origin (CloudFront in AWS, npm start locally). */
export const DESK_API_BASE = "/desk/api";

/** What the desk API is made of: every area's routes bound to their dependencies, the token check, logs. */
export interface DeskApiDeps {
  routes: BoundRoute[];
  authenticate: Authenticate;
  logger: Logger;
  now?: () => Date;
}

/**
 * The desk API behind the HTTP API (`/desk/api/{proxy+}`, payload v2). Every request's token is
 * verified here even though the API's JWT authorizer checked it in AWS; locally nothing else does.
 */
export function makeHandler(deps: DeskApiDeps) {
  const route = createRouter(deps.routes, {
    authenticate: deps.authenticate,
    // By name and code only: a request may carry a customer's message or identity.
    onError: (error, routeName) =>
      deps.logger.error("desk api failed", { route: routeName, ...describeFailure(error) }),
  });
  const now = deps.now ?? (() => new Date());

  async function deskApi(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const path = event.rawPath.startsWith(DESK_API_BASE)
      ? event.rawPath.slice(DESK_API_BASE.length) || "/"
      : event.rawPath;
    const body =
      event.body === undefined
        ? undefined
        : event.isBase64Encoded
          ? Buffer.from(event.body, "base64").toString("utf8")
          : event.body;
    const result = await route({
      method: event.requestContext.http.method.toUpperCase(),
      path,
      query: event.queryStringParameters ?? {},
      body,
      authorization: event.headers.authorization ?? event.headers.Authorization,
      now: now(),
    });
    return {
      statusCode: result.status,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      body: JSON.stringify(result.body),
    };
  }

  return middy(deskApi).use(injectLambdaContext(deps.logger));
}
