/**
 * A ticket number as an agent types it: `kf-abc12345`, ` KF-ABC12345 `. Ticket ids are `KF-` and upper-case
 * base-32 (pipeline.ts, ticketIdFor), so case and surrounding blanks are not part of the id.
 */
export function normalizeTicketId(input: string): string {
  return input.trim().toUpperCase();
}
