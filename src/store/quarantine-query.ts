// The quarantine's rows in SQL, the same on SQLite and PostgreSQL: a tenant's quarantined inbound
// mail, newest first, narrowed by the recipient it is still held for (a user's own view, exact),
// a recipient substring (an admin's filter), a received-date range and a case-insensitive
// substring of From, envelope sender or subject (like.ts: the text's own % and _ match literally).
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import { decodeMessage, type Message } from './message.ts';
import { columnContains } from './like.ts';

export interface QuarantineRowFilter {
  tenantId: string;
  /** only mail still held for this address (exact, any case) */
  heldFor?: string;
  /** only mail with a recipient containing this text */
  recipientContains?: string;
  /** substring of header From, envelope sender or subject */
  search?: string;
  /** received at or after (epoch ms) */
  since?: number;
  /** received before (epoch ms) */
  until?: number;
  /** keyset cursor: ids strictly lower than this */
  beforeId?: string;
  limit: number;
}

export async function quarantinedRows(db: Kysely<DB>, f: QuarantineRowFilter): Promise<Message[]> {
  let q = db
    .selectFrom('messages')
    .selectAll()
    .where('tenant_id', '=', f.tenantId)
    .where('direction', '=', 'inbound')
    .where('state', '=', 'quarantined');
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('created_at', '<', f.until);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  const rcpt = f.heldFor?.toLowerCase();
  if (rcpt) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('recipients')
          .select(sql`1`.as('one'))
          .whereRef('recipients.message_id', '=', 'messages.id')
          .where(sql`lower(recipients.address)`, '=', rcpt)
          .where('recipients.state', '=', 'pending'),
      ),
    );
  }
  if (f.recipientContains) q = q.where(columnContains('recipients', f.recipientContains));
  if (f.search) {
    const text = f.search;
    q = q.where(({ or }) => or(['header_from', 'mail_from', 'subject'].map((column) => columnContains(column, text))));
  }
  return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map(decodeMessage);
}
