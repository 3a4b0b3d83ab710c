// One audit event as the audit search returns it (src/store/audit-search.ts) and the CSV export
// and the console's audit page read it: the event with its tenant's name and the message's
// subject and recipients joined in.
export interface AuditRow {
  id: number;
  at: number;
  tenantId: string | null;
  tenantName: string | null;
  messageId: string | null;
  actor: string;
  type: string;
  data: string;
  subject: string | null;
  recipients: string | null;
}
