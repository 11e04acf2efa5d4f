import { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { LOG_RETENTION } from "./kefu-function";

/**
 * Optional fixed egress IP for the platform API calls: WeChat, WeCom and WeCom KF only accept calls from
 * addresses on their IP allow-lists. Both functions that call those APIs run in private subnets and leave
 * through a single NAT gateway whose Elastic IP is the address to register: the worker (replies, tokens)
 * and the webhook (WeCom KF callbacks carry no message; the webhook pulls it with kf/sync_msg). Off by
 * default: a NAT gateway costs money every hour and only matters when the allow-list is switched on.
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

    // Free gateway endpoints: DynamoDB and S3 traffic (every request of both functions) stays off the NAT
    // gateway, which bills per gigabyte. SQS, Secrets Manager and Bedrock still go through it; their
    // interface endpoints would cost more per hour than the traffic does.
    this.vpc.addGatewayEndpoint("DynamoDb", {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [this.subnets],
    });
    this.vpc.addGatewayEndpoint("S3", {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.subnets],
    });
  }
}
