import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** Repository root: entries and the lock file are resolved from here, wherever `cdk` is run from. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;
export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;
/** Context key set by KefuStack when source maps are asked for (KefuStackProps.sourceMaps). */
export const SOURCE_MAPS_CONTEXT = "kefu:sourceMaps";
/** Context key set by `bench/bundles.ts --analyze`: esbuild writes index.meta.json beside each bundle. */
export const METAFILE_CONTEXT = "kefu:metafile";

export interface KefuFunctionProps {
  /** The function's folder under functions/: its `lambda.ts` exports `handler`. */
  entry: "webhook" | "worker" | "ingest" | "sns-ingress" | "desk-api" | "sla";
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  /** Async invocations (S3 events) only; the default (2) re-runs a failed import twice. */
  retryAttempts?: number;
  recursiveLoop?: lambda.RecursiveLoop;
  /** Run inside this VPC, leaving through its NAT gateway (the fixed egress IP). */
  egress?: { vpc: ec2.IVpc; subnets: ec2.SubnetSelection };
}

/**
 * One Lambda function the way all of Kefu's are built: Node.js 22 on ARM64, bundled locally by esbuild
 * (no Docker), an explicit log group with a retention, and its own role that starts with nothing but
 * permission to write to that log group, so every other permission is a visible, deliberate grant.
 */
export class KefuFunction extends Construct {
  /** The function's folder under functions/. */
  readonly entry: KefuFunctionProps["entry"];
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: KefuFunctionProps) {
    super(scope, id);
    this.entry = props.entry;

    // Logs expire after a month anyway; keeping the group after `cdk destroy` would only leave clutter.
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one: the default attaches the AWSLambdaBasicExecutionRole managed
    // policy, which may write to any log group in the account (cdk-nag IAM4).
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Kefu ${props.entry} function`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.egress) this.allowVpcNetworkInterfaces();
    const sourceMaps = this.node.tryGetContext(SOURCE_MAPS_CONTEXT) === true;

    this.fn = new NodejsFunction(this, "Function", {
      entry: path.join(PROJECT_ROOT, "functions", props.entry, "lambda.ts"),
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, "package-lock.json"),
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      retryAttempts: props.retryAttempts,
      recursiveLoop: props.recursiveLoop,
      ...(props.egress && {
        vpc: props.egress.vpc,
        vpcSubnets: props.egress.subnets,
        securityGroups: [
          new ec2.SecurityGroup(this, "SecurityGroup", {
            vpc: props.egress.vpc,
            description: `Kefu ${props.entry}: outbound only`,
            allowAllOutbound: true,
          }),
        ],
      }),
      environment: {
        ...props.environment,
        ...(sourceMaps ? { NODE_OPTIONS: "--enable-source-maps" } : {}),
      },
      bundling: {
        // ESM, because the code base is ESM (top-level await for cold-start config works); the banner gives
        // bundled CommonJS dependencies (exceljs, mailparser, iconv-lite) the `require` they expect.
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        banner:
          "import { createRequire as __kefuCreateRequire } from 'node:module';const require = __kefuCreateRequire(import.meta.url);",
        target: "node22",
        minify: true,
        // Off unless asked for (`-c sourceMaps=true`): the map (~3 MB) outweighs the code, and with
        // --enable-source-maps Node parses it on every cold start.
        sourceMap: sourceMaps,
        metafile: this.node.tryGetContext(METAFILE_CONTEXT) === true,
        ...(sourceMaps ? { sourceMapMode: SourceMapMode.DEFAULT, sourcesContent: false } : {}),
        // The AWS SDK v3 is bundled rather than taken from the runtime: the version we test against
        // (package-lock.json) is the version that runs, and a runtime update cannot change behaviour.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
      },
    });

    Validations.of(this.fn).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Node.js 22 is pinned on purpose: it is the LTS line the code is tested on (Node 20 locally, 22 in " +
        "Lambda). Moving to a newer runtime is a deliberate upgrade, not something a linter should force.",
    });
  }

  /**
   * What AWSLambdaVPCAccessExecutionRole grants, inline: the function's own role is passed in, so CDK does
   * not attach that managed policy for us.
   */
  private allowVpcNetworkInterfaces(): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        resources: ["*"],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Lambda manages the function's network interfaces with these EC2 actions; the Describe actions do " +
        "not support resource-level permissions and the interface ids are not known in advance.",
    });
  }

  /**
   * GetSecretValue on the channel credentials, the one call Powertools' SecretsProvider makes; not
   * `grantRead`, which adds DescribeSecret that no function uses.
   */
  allowSecretRead(secret: secretsmanager.ISecret): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }),
    );
  }

  /** Grants Bedrock model invocation on exactly the given model ids (foundation models or inference profiles). */
  allowBedrock(modelIds: string[], actions: string[]): void {
    const stack = Stack.of(this);
    const resources: string[] = [];
    for (const modelId of modelIds) {
      const profile = INFERENCE_PROFILE.exec(modelId);
      if (profile) {
        // A cross-region inference profile routes to the foundation model in any of its regions.
        resources.push(
          stack.formatArn({ service: "bedrock", resource: "inference-profile", resourceName: modelId }),
          `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`,
        );
        Validations.of(this.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[2]}]`,
          reason:
            "A cross-region inference profile may serve the request from any region of its geography; the " +
            "grant is still limited to this one model.",
        });
      } else {
        resources.push(`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`);
      }
    }
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [...new Set(resources)] }));
  }
}

/** `us.anthropic.claude-…`: a geography prefix marks a cross-region inference profile id. */
const INFERENCE_PROFILE = /^(us|eu|apac|jp|au|ca|us-gov|global)\.(.+)$/;
