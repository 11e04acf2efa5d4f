import { memoryInspectionAudit } from "../../../shared/stores/inspection-audit";
import { describeInspectionAuditContract } from "../../contract/inspection-audit.contract";

/** The in-memory audit trail the unit tests and the eval replay use, held to the DynamoDB store's contract. */
const audit = memoryInspectionAudit();

describeInspectionAuditContract({
  name: "in memory",
  store: () => audit,
  expiresAt: async (_day, messageId) => audit.expiresAt.get(messageId),
});
