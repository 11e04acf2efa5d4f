import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../../shared/aws/clients";
import { loadWorkerConfig } from "../../shared/config/load-desk";
import { createInspectionAuditStore } from "../../shared/stores/inspection-audit";
import { describeInspectionAuditContract } from "../contract/inspection-audit.contract";
import { testEnv } from "../support/local-env";

/** The DynamoDB audit trail on DynamoDB Local, held to the same contract as the in-memory one. */
const worker = loadWorkerConfig(testEnv());
const table = worker.tables.inspections;
const doc = documentClient(worker.runtime);

describeInspectionAuditContract({
  name: "DynamoDB Local",
  store: () => createInspectionAuditStore(doc, table),
  async expiresAt(day, messageId) {
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { day, messageId }, ConsistentRead: true }),
    );
    return Item?.expiresAt as number | undefined;
  },
});
