import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { auditDay, type InspectionAuditStore, type InspectionRecord } from "../core/quality/audit";
import { RETENTION } from "../resources";
import { dayItems } from "./queries";

const DAY_S = 86_400;

/**
 * The quality-inspection audit trail (TABLES.inspections): one item per outgoing message inspected,
 * partitioned by UTC day and sorted by message id, kept RETENTION.inspectionDays. A retried message
 * writes the same key again, so it is recorded once.
 */
export function createInspectionAuditStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
): InspectionAuditStore {
  return {
    async record(record, now = new Date()) {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { day: auditDay(record.at), ...record, expiresAt: expiresAt(now) },
        }),
      );
    },
    async listDay(day) {
      const records: InspectionRecord[] = [];
      for await (const item of dayItems(doc, tableName, day)) {
        const { day: _day, expiresAt: _ttl, ...record } = item;
        records.push(record as unknown as InspectionRecord);
      }
      return records.sort(byTime);
    },
  };
}

/**
 * The audit trail in memory, with the same contract (test/contract/inspection-audit.contract.ts): for
 * the unit tests and for replays that must not touch DynamoDB (`npm run eval`).
 */
export function memoryInspectionAudit(): InspectionAuditStore & {
  items: Map<string, InspectionRecord>;
  expiresAt: Map<string, number>;
} {
  const items = new Map<string, InspectionRecord>();
  const ttl = new Map<string, number>();
  return {
    items,
    expiresAt: ttl,
    async record(record, now = new Date()) {
      items.set(record.messageId, structuredClone(record));
      ttl.set(record.messageId, expiresAt(now));
    },
    async listDay(day) {
      return [...items.values()]
        .filter((r) => auditDay(r.at) === day)
        .map((r) => structuredClone(r))
        .sort(byTime);
    },
  };
}

function expiresAt(now: Date): number {
  return Math.floor(now.getTime() / 1000) + RETENTION.inspectionDays * DAY_S;
}

function byTime(a: InspectionRecord, b: InspectionRecord): number {
  return a.at.localeCompare(b.at) || Buffer.compare(Buffer.from(a.messageId), Buffer.from(b.messageId));
}
