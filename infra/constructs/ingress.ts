import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV } from "../../shared/config/names";
import type { TableName } from "../../shared/resources";
import { KefuFunction, LOG_RETENTION } from "./kefu-function";
import { grantTableAccess, TABLE_ACCESS } from "./table-access";

/** Route of every channel's webhook; `{channel}` is one of CHANNEL_MODULES (`wechat`, `email`, `sms`…). */
export const WEBHOOK_PATH = "/webhooks/{channel}";

export interface IngressProps {
  tables: Record<TableName, dynamodb.ITable>;
  queue: sqs.IQueue;
  secret: secretsmanager.ISecret;
  environment: Record<string, string>;
  /** Steady-state requests per second across all routes; platforms push in bursts after outages. */
  throttleRateLimit?: number;
  throttleBurstLimit?: number;
  /**
   * The scheme and host platforms call, when a custom domain fronts the API (no trailing slash). Default:
   * the API's own endpoint.
   */
  publicUrl?: string;
  /** Run the webhook in this VPC behind the fixed egress IP (WeCom KF pulls messages from its callback). */
  egress?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection };
}

/**
 * The public edge: an HTTP API whose only routes are the channel webhooks, and the webhook function that
 * verifies, normalises and enqueues (the FIFO queue drops repeated deliveries). Platforms give about 5 s; the function must answer in 1.
 */
export class Ingress extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly webhook: KefuFunction;
  readonly accessLogs: logs.LogGroup;
  private readonly publicUrl?: string;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    this.publicUrl = props.publicUrl?.replace(/\/+$/, "");

    this.webhook = new KefuFunction(this, "Webhook", {
      entry: "webhook",
      description: "Kefu webhook: verify, normalise and enqueue channel deliveries",
      memorySize: 512,
      // Longer than any platform waits, short enough that a stuck call cannot pile up concurrency.
      timeout: Duration.seconds(10),
      environment: props.environment,
      egress: props.egress,
    });
    grantTableAccess(this.webhook, props.tables, TABLE_ACCESS.webhook);
    // SendMessage only: `grantSendMessages` adds GetQueueUrl and GetQueueAttributes, which the webhook
    // never calls (it has the queue URL from its environment).
    this.webhook.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [props.queue.queueArn] }),
    );
    this.webhook.allowSecretRead(props.secret);

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
    // GET is the platforms' URL verification handshake (WeChat echostr), POST carries the messages. Every
    // method reaches the function, which answers one its channel does not take 405 with `Allow` (DingTalk
    // and Twilio take only POST), as `npm start` does; routes for GET and POST alone would have API
    // Gateway answer the others 404 Not Found.
    const methods = [apigw.HttpMethod.ANY];
    for (const route of this.api.addRoutes({ path: WEBHOOK_PATH, methods, integration })) {
      Validations.of(route).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "Channel platforms (WeChat, WeCom, DingTalk, Twilio) cannot present AWS or OAuth credentials; " +
          "every request is authenticated in the webhook function by the platform's signature, with keys " +
          "from the ChannelCredentials secret, and rejected otherwise. (E-mail and SMS do not come this " +
          "way: SNS invokes the SNS ingress function directly.)",
      });
    }

    // Twilio signs the URL it called; behind API Gateway the function cannot see it, so it is told. No
    // dependency cycle: the function refers to the API, and only the integration and the permission (not
    // the API itself) refer back to the function.
    this.webhook.fn.addEnvironment(ENV.publicUrl, this.baseUrl);
  }

  /**
   * Base URL platforms call, no trailing slash (the custom domain if given; the `$default` stage has no
   * path); a channel's webhook is `${baseUrl}/webhooks/<channel>`.
   */
  get baseUrl(): string {
    return this.publicUrl ?? this.api.apiEndpoint;
  }

  /** `${baseUrl}/webhooks/<channel>`. */
  webhookUrl(channel: string): string {
    return `${this.baseUrl}${WEBHOOK_PATH.replace("{channel}", channel)}`;
  }
}
