import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { HttpResponse, WebhookRequest } from "../channels/ports";
import { PayloadTooLargeError } from "../core/errors";

/** API Gateway HTTP API (payload v2) ⇄ the transport-neutral WebhookRequest/HttpResponse. */
export function toWebhookRequest(event: APIGatewayProxyEventV2, maxBodyBytes: number): WebhookRequest {
  const raw = event.body ?? "";
  // Check the size before decoding: an oversized body is refused without being read into a string.
  const encodedLimit = event.isBase64Encoded ? Math.ceil((maxBodyBytes * 4) / 3) + 4 : maxBodyBytes * 4;
  if (raw.length > encodedLimit) throw new PayloadTooLargeError(maxBodyBytes);
  const body = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(body, "utf8") > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query,
    rawQueryString: event.rawQueryString ?? "",
    headers,
    body,
    receivedAt: new Date(event.requestContext.timeEpoch || Date.now()),
  };
}

export function toApiGatewayResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers ?? {}, body: response.body };
}
