import { existsSync } from "node:fs";
import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { DESK_AUTH_ENV } from "../../shared/config/names";
import type { DeskClientConfig } from "../../shared/core/desk/routes";
import { FAQ_BUCKET, type TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";
import { grantIndexQueries, grantTableAccess, INDEX_ACCESS, TABLE_ACCESS } from "./table-access";

/** The desk's groups (docs/desk-api.md): a supervisor is also an agent; `pii` may reveal identities. */
export const DESK_GROUPS = ["agent", "supervisor", "admin", "pii"] as const;
/** The HTTP API route of the desk API; CloudFront forwards `/desk/api/*` to it. */
export const DESK_API_ROUTE = "/desk/api/{proxy+}";

export interface DeskProps {
  api: apigw.HttpApi;
  tables: Record<TableName, dynamodb.ITable>;
  faqBucket: s3.IBucket;
  accessLogsBucket: s3.IBucket;
  secret: secretsmanager.ISecret;
  environment: Record<string, string>;
  /**
   * The built web app (desk/dist, `npm run desk:build`). Without it (template tests) a placeholder page
   * is deployed that says how to build it; infra/app.ts always passes the real folder.
   */
  assetsDir?: string;
  dataRemovalPolicy?: RemovalPolicy;
  /** The worker's answer model: it drafts replies for agents (with the Bedrock engine). */
  answerModelId?: string;
  /** The knowledge base's embedding model: it groups unanswered questions into suggestions (Bedrock engine). */
  embeddingModelId?: string;
}

/**
 * The agents' desk in AWS: a Cognito user pool (admin-created users only, groups), the desk API function
 * behind the HTTP API with a JWT authorizer on its route, and the web app's files in a private bucket
 * behind CloudFront (origin access control), which also forwards `/desk/api/*` to the API: one origin,
 * no CORS. `config.json` is written at deploy time with the pool's ids.
 */
export class Desk extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly fn: KefuFunction;
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: DeskProps) {
    super(scope, id);
    const removalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.userPool = new cognito.UserPool(this, "UserPool", {
      userPoolName: `${Stack.of(this).stackName}-desk`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      userInvitation: {
        emailSubject: "Kefu desk: your account",
        emailBody:
          "You were invited to the Kefu agents' desk. User name: {username}, temporary password: {####}. " +
          "Sign in at the desk's address; you will be asked to choose a new password.",
      },
      removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: "AwsSolutions-COG2",
        reason:
          "MFA is left to the operator (Cognito console: optional TOTP); the desk's sign-in answers " +
          "NEW_PASSWORD_REQUIRED only, and accounts are created by an admin, never by sign-up.",
      },
      {
        id: "AwsSolutions-COG8",
        reason:
          "Threat protection (the Plus feature plan) is billed per active user; operators turn it on in the " +
          "console. Sign-up is closed and the password policy is strong.",
      },
    );
    for (const group of DESK_GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `Kefu desk: ${group}`,
      });
    }
    this.client = this.userPool.addClient("DeskClient", {
      // The desk calls Cognito's JSON API from the browser: no secret, password and refresh flows only.
      authFlows: { userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    const region = Stack.of(this).region;
    this.fn = new KefuFunction(this, "DeskApi", {
      entry: "desk-api",
      description: "Kefu desk API: tickets, replies, knowledge base for human agents",
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        ...props.environment,
        [DESK_AUTH_ENV.userPoolId]: this.userPool.userPoolId,
        [DESK_AUTH_ENV.clientId]: this.client.userPoolClientId,
      },
    });
    grantTableAccess(this.fn, props.tables, TABLE_ACCESS["desk-api"]);
    grantIndexQueries(this.fn, props.tables, INDEX_ACCESS["desk-api"]);
    // Converse (not streamed) is authorised by InvokeModel alone.
    if (props.answerModelId) this.fn.allowBedrock([props.answerModelId], ["bedrock:InvokeModel"]);
    if (props.embeddingModelId) this.fn.allowBedrock([props.embeddingModelId], ["bedrock:InvokeModel"]);
    // The desk lists tickets by status and by conversation: Query on the tickets table's indexes.
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["dynamodb:Query"],
        resources: [`${props.tables.tickets.tableArn}/index/*`],
      }),
    );
    this.fn.allowSecretRead(props.secret);
    // The agents page lists the members of the pool's desk groups, and an admin's change of an agent's
    // groups reads theirs and adds or removes one at a time (PUT /agents/:id): this pool only, no user
    // creation, deletion or password actions.
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "cognito-idp:ListUsersInGroup",
          "cognito-idp:AdminListGroupsForUser",
          "cognito-idp:AdminAddUserToGroup",
          "cognito-idp:AdminRemoveUserFromGroup",
        ],
        resources: [this.userPool.userPoolArn],
      }),
    );
    const bucketArn = props.faqBucket.bucketArn;
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // Presigned uploads and restores write uploads/; reports and version snapshots are read.
        actions: ["s3:PutObject"],
        resources: [`${bucketArn}/${FAQ_BUCKET.uploadsPrefix}*`],
      }),
    );
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [
          `${bucketArn}/${FAQ_BUCKET.reportsPrefix}*`,
          `${bucketArn}/${FAQ_BUCKET.versionsPrefix}*`,
        ],
      }),
    );
    // Listing the reports; and without ListBucket a missing report answers 403 instead of 404 (as ingest).
    this.fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucketArn] }),
    );
    const stack = Stack.of(this);
    const logicalArn = (construct: Construct) =>
      `<${stack.getLogicalId(construct.node.defaultChild as CfnElement)}.Arn>`;
    const faqArn = logicalArn(props.faqBucket);
    for (const prefix of [FAQ_BUCKET.uploadsPrefix, FAQ_BUCKET.reportsPrefix, FAQ_BUCKET.versionsPrefix]) {
      Validations.of(this.fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${faqArn}/${prefix}*]`,
        reason: `Object keys under ${prefix} are named per upload or version; the grant is that prefix only.`,
      });
    }
    Validations.of(this.fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${logicalArn(props.tables.tickets)}/index/*]`,
      reason:
        "Query on the tickets table's indexes (byStatus for the queue, byConversation for earlier tickets).",
    });

    // The HTTP API checks the token before the function runs (and the function checks it again).
    const authorizer = new HttpJwtAuthorizer(
      "DeskAuthorizer",
      `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`,
      { jwtAudience: [this.client.userPoolClientId] },
    );
    props.api.addRoutes({
      path: DESK_API_ROUTE,
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration("DeskApiIntegration", this.fn.fn),
      authorizer,
    });

    this.bucket = new s3.Bucket(this, "AppBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: "desk-bucket/",
      // Built files only, deployed again by every `cdk deploy`: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    // The single-page app's routes (/desk/tickets/KF-…) are its index; files (with an extension) are files.
    const spaRewrite = new cloudfront.Function(this, "SpaRewrite", {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          "function handler(event) {",
          "  var request = event.request;",
          "  var uri = request.uri;",
          '  if (uri === "/" || uri === "/desk") return { statusCode: 302, statusDescription: "Found", headers: { location: { value: "/desk/" } } };',
          '  if (uri.startsWith("/desk/") && !/\\.[a-zA-Z0-9]+$/.test(uri)) request.uri = "/desk/index.html";',
          "  return request;",
          "}",
        ].join("\n"),
      ),
    });
    const apiDomain = `${props.api.apiId}.execute-api.${region}.amazonaws.com`;
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: "Kefu agents' desk",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [
          { function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: {
        "/desk/api/*": {
          origin: new origins.HttpOrigin(apiDomain, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // The Authorization header and the query go through; the Host header is the API's own.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        },
      },
      enableLogging: true,
      logBucket: props.accessLogsBucket,
      logFilePrefix: "desk-cdn/",
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason: "Agents work from wherever they are; sign-in (Cognito) is the access control, not geography.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Every API request needs a valid Cognito token (JWT authorizer and the function); the static files " +
          "are public by nature. A WAF web ACL can be attached by the operator.",
      },
      {
        id: "AwsSolutions-CFR4",
        reason:
          "The default CloudFront certificate (*.cloudfront.net) has a fixed security policy (TLSv1); a custom " +
          "domain with its own certificate and TLS 1.2 is the operator's choice.",
      },
    );

    const appUrl = `https://${this.distribution.distributionDomainName}/desk/`;
    new s3deploy.BucketDeployment(this, "AppFiles", {
      destinationBucket: this.bucket,
      destinationKeyPrefix: "desk/",
      sources: [
        props.assetsDir
          ? s3deploy.Source.asset(props.assetsDir)
          : s3deploy.Source.data(
              "index.html",
              "<!doctype html><title>Kefu desk</title><p>The desk was not built: run npm run desk:build, then cdk deploy.</p>",
            ),
        s3deploy.Source.jsonData("config.json", {
          region,
          cognito: {
            endpoint: `https://cognito-idp.${region}.amazonaws.com/`,
            userPoolId: this.userPool.userPoolId,
            clientId: this.client.userPoolClientId,
          },
          apiBase: "/desk/api",
          pollMs: 3000,
          locale: "auto",
        } satisfies DeskClientConfig),
      ],
      distribution: this.distribution,
      distributionPaths: ["/desk/index.html", "/desk/config.json"],
      memoryLimit: 512,
    });

    // The browser PUTs FAQ files to the bucket with presigned URLs: the URL is the credential (5 minutes,
    // one key); naming the desk's origin here would make the bucket depend on the distribution, which
    // depends on the API and the function, whose policy names the bucket: a cycle.
    props.faqBucket instanceof s3.Bucket &&
      props.faqBucket.addCorsRule({
        allowedMethods: [s3.HttpMethods.PUT],
        allowedOrigins: ["*"],
        allowedHeaders: ["Content-Type"],
        maxAge: 3000,
      });

    acknowledgeBucketDeployment(stack, logicalArn(this.bucket));

    // In the stack's scope, so the outputs are named as the README says (DeskUrl, not DeskDeskUrl7B2A…).
    new CfnOutput(stack, "DeskUrl", { description: "The agents' desk", value: appUrl });
    new CfnOutput(stack, "DeskUserPoolId", {
      description:
        "Create users: aws cognito-idp admin-create-user --user-pool-id <this> --username <name> " +
        "--user-attributes Name=email,Value=<address> Name=email_verified,Value=true",
      value: this.userPool.userPoolId,
    });
    new CfnOutput(stack, "DeskClientId", { value: this.client.userPoolClientId });
  }
}

/**
 * CDK's BucketDeployment runs a singleton Lambda at the stack root during deployments only, with a role and
 * a runtime CDK chooses; its grants are to the CDK assets bucket and the desk's bucket.
 */
function acknowledgeBucketDeployment(stack: Stack, appBucketArn: string): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (!handler) return;
  const account = Token.isUnresolved(stack.account) ? "<AWS::AccountId>" : stack.account;
  const region = Token.isUnresolved(stack.region) ? "<AWS::Region>" : stack.region;
  const reason =
    "CDK's BucketDeployment custom resource (runs at deploy time only) copies the built desk from the CDK " +
    "assets bucket into the desk's bucket, with the role and runtime CDK gives it.";
  const findings = [
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AwsSolutions-L1",
    ...["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"].map(
      (action) => `AwsSolutions-IAM5[Action::${action}]`,
    ),
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`,
    `AwsSolutions-IAM5[Resource::${appBucketArn}/*]`,
    "AwsSolutions-IAM5[Resource::*]",
  ];
  Validations.of(handler).acknowledge(...findings.map((id) => ({ id, reason })));
}

/** The built desk, if it is there: infra/app.ts refuses to deploy without it. */
export function builtDesk(dir: string): string | undefined {
  return existsSync(`${dir}/index.html`) ? dir : undefined;
}
