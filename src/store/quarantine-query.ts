// The quarantine's rows in SQL, the same on SQLite and PostgreSQL: a tenant's quarantined inbound
// mail, newest first, narrowed by the recipient it is still held for (a user's own view, exact),
// a recipient substring (an admin's filter), a received-date range and a case-insensitive
// substring of From, envelope sender or subject (like.ts: the text's own % and _ match literally).
// Pages go by keyset on the id (ids sort by time), and the count uses the same filters.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from './schema/schema.ts';
import { decodeMessage, type Message } from './message.ts';
import { decodePlan } from './message-plan.ts';
import type { MessagePlan } from '../plan/plan.ts';
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

type Matching = Omit<QuarantineRowFilter, 'beforeId' | 'limit'>;

/** The tenant's quarantined inbound mail that passes the filters (no order, no limit). */
function matching(db: Kysely<DB>, f: Matching): SelectQueryBuilder<DB, 'messages', object> {
  let q = db
    .selectFrom('messages')
    .where('tenant_id', '=', f.tenantId)
    .where('direction', '=', 'inbound')
    .where('state', '=', 'quarantined');
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('created_at', '<', f.until);
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
  return q;
}

export async function quarantinedRows(db: Kysely<DB>, f: QuarantineRowFilter): Promise<Message[]> {
  let q = matching(db, f).selectAll();
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map(decodeMessage);
}

/** How many rows pass the filters. */
export async function countQuarantined(db: Kysely<DB>, f: Matching): Promise<number> {
  const row = await matching(db, f).select(sql<number | string>`count(*)`.as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The id and stored plan only (what classing a row needs), newest first, below `beforeId`. */
export async function quarantinedPlans(
  db: Kysely<DB>,
  f: Matching & { beforeId?: string; limit: number },
): Promise<Array<{ id: string; plan: MessagePlan }>> {
  let q = matching(db, f).select(['id', 'plan']);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  return (await q.orderBy('id', 'desc').limit(f.limit).execute()).map((r) => ({ id: r.id, plan: decodePlan(r) }));
}
