import type * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";

export interface HandoffProps {
  /** Subscribed to new-ticket notifications by e-mail when set (the address must confirm). */
  agentEmail?: string;
}

/**
 * Where hand-offs reach humans: an SNS topic the worker publishes a notice to for every new ticket.
 * Agents subscribe by e-mail, or through AWS Chatbot (Slack, Chime), or a later agents' desk.
 */
export class Handoff extends Construct {
  readonly agentTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: HandoffProps = {}) {
    super(scope, id);
    this.agentTopic = new sns.Topic(this, "AgentTopic", {
      displayName: "Kefu new tickets",
      // The AWS-managed key suffices: only IAM principals of this account (the worker) publish here.
      masterKey: kms.Alias.fromAliasName(this, "SnsKey", "alias/aws/sns"),
      enforceSSL: true,
    });
    if (props.agentEmail)
      this.agentTopic.addSubscription(new subscriptions.EmailSubscription(props.agentEmail));
  }

  grantNotify(grantee: iam.IGrantable): void {
    this.agentTopic.grantPublish(grantee);
  }
}
