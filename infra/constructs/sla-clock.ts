import { Duration } from "aws-cdk-lib";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { ENV } from "../../shared/config/names";
import type { TableName } from "../../shared/resources";
import { KefuFunction } from "./kefu-function";
import { grantIndexQueries, grantTableAccess, INDEX_ACCESS, TABLE_ACCESS } from "./table-access";

export interface SlaClockProps {
  tables: Record<TableName, dynamodb.ITable>;
  secret: secretsmanager.ISecret;
  environment: Record<string, string>;
  agentTopicArn: string;
  /** The model the QA review grades with (KEFU_QA_REVIEW=bedrock); no Bedrock access without it. */
  reviewModelId?: string;
}

/**
 * The SLA clock without a server: an EventBridge schedule runs the `sla` function once a minute; it
 * queries the tickets' sparse `bySlaDue` index for deadlines passed, records and alerts breaches, and
 * offers waiting tickets to agents again; with the QA review on, it also grades a few tickets resolved
 * since (shared/core/quality/review-pass.ts). (One-time EventBridge Scheduler schedules per ticket would
 * need a schedule created, updated on every priority change and deleted when met, plus a role to pass;
 * one query a minute over an index that holds only running deadlines does the same with nothing to
 * clean up, at a minute's resolution.)
 */
export class SlaClock extends Construct {
  readonly fn: KefuFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SlaClockProps) {
    super(scope, id);
    this.fn = new KefuFunction(this, "Function", {
      entry: "sla",
      description: "Kefu SLA clock: breaches, alerts, routing of waiting tickets",
      memorySize: 256,
      timeout: Duration.seconds(50),
      environment: { ...props.environment, [ENV.agentTopicArn]: props.agentTopicArn },
      // A missed tick is made up by the next one a minute later: no retries piling up behind it.
      retryAttempts: 0,
    });
    grantTableAccess(this.fn, props.tables, TABLE_ACCESS.sla);
    grantIndexQueries(this.fn, props.tables, INDEX_ACCESS.sla);
    this.fn.allowSecretRead(props.secret);
    // Converse without streaming is authorised by InvokeModel alone.
    if (props.reviewModelId) this.fn.allowBedrock([props.reviewModelId], ["bedrock:InvokeModel"]);

    this.rule = new events.Rule(this, "EveryMinute", {
      description: "Runs the Kefu SLA clock",
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.fn.fn, { retryAttempts: 0 })],
    });
  }
}
