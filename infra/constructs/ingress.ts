import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { KefuFunction, LOG_RETENTION } from "./kefu-function";

/** Route of every channel's webhook; `{channel}` is `wechat`, later `wecom`, `dingtalk`... */
export const WEBHOOK_PATH = "/webhooks/{channel}";

export interface IngressProps {
  dedupTable: dynamodb.ITable;
  queue: sqs.IQueue;
  secret: secretsmanager.ISecret;
  environment: Record<string, string>;
  /** Steady-state requests per second across all routes; platforms push in bursts after outages. */
  throttleRateLimit?: number;
  throttleBurstLimit?: number;
}

/**
 * The public edge: an HTTP API whose only routes are the channel webhooks, and the webhook function that
 * verifies, normalises, dedups and enqueues. Platforms give about 5 s; the function must answer in 1.
 */
export class Ingress extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly webhook: KefuFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);

    this.webhook = new KefuFunction(this, "Webhook", {
      entry: "webhook",
      description: "Kefu webhook: verify, normalise, dedup and enqueue channel deliveries",
      memorySize: 512,
      // Longer than any platform waits, short enough that a stuck call cannot pile up concurrency.
      timeout: Duration.seconds(10),
      environment: props.environment,
    });
    props.dedupTable.grantReadWriteData(this.webhook.fn);
    props.queue.grantSendMessages(this.webhook.fn);
    props.secret.grantRead(this.webhook.fn);

    this.api = new apigw.HttpApi(this, "HttpApi", {
      description: "Kefu channel webhooks",
      // The default stage is made below, with access logs and throttling, which the built-in one lacks.
      createDefaultStage: false,
    });

    this.accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            method: "$context.httpMethod",
            path: "$context.path",
            routeKey: "$context.routeKey",
            status: "$context.status",
            protocol: "$context.protocol",
            responseLength: "$context.responseLength",
            latency: "$context.responseLatency",
            integrationLatency: "$context.integrationLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });

    const integration = new HttpLambdaIntegration("WebhookIntegration", this.webhook.fn);
    // GET is the platforms' URL verification handshake (WeChat echostr), POST carries the messages.
    for (const method of [apigw.HttpMethod.GET, apigw.HttpMethod.POST]) {
      for (const route of this.api.addRoutes({ path: WEBHOOK_PATH, methods: [method], integration })) {
        Validations.of(route).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "Channel platforms (WeChat, WeCom, DingTalk) cannot present AWS or OAuth credentials; every " +
            "request is authenticated in the webhook function by the platform's signature over the body " +
            "and timestamp, with the token from the ChannelCredentials secret, and rejected otherwise.",
        });
      }
    }
  }

  /** Base URL of the API, no trailing slash (the `$default` stage has no path); a channel's webhook is
   * `${baseUrl}/webhooks/<channel>`. */
  get baseUrl(): string {
    return this.api.apiEndpoint;
  }
}
