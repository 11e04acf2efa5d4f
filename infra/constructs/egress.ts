import { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { LOG_RETENTION } from "./kefu-function";

/**
 * Optional fixed egress IP for the sender: some platforms (WeChat's IP allow-list for API calls) only
 * accept calls from registered addresses. The worker runs in private subnets and leaves through a single
 * NAT gateway whose Elastic IP is the address to register. Off by default: a NAT gateway costs money
 * every hour and only matters when the allow-list is switched on.
 */
export class Egress extends Construct {
  readonly vpc: ec2.Vpc;
  readonly subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
  readonly elasticIp: ec2.CfnEIP;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.elasticIp = new ec2.CfnEIP(this, "ElasticIp", { domain: "vpc" });

    this.vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 2,
      // One gateway, one address: more gateways would mean more addresses to register.
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [this.elasticIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: "Public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "Private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, "FlowLogs", {
              retention: LOG_RETENTION,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
  }
}
