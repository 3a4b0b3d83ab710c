// The message rows the retention purge (src/retention) reads and removes — a tenant's finished
// mail created before a time; only final states (message-state.ts) qualify, so no purge takes
// mail still on its way — and those `tenant delete` removes (all of the tenant's). Writes take the
// caller's transaction, committed with its own rows (attachment records, links) and audit event.
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import { FINAL_MESSAGE_STATES } from './schema/message-state.ts';
import { deleteBodies } from './message-body.ts';

export interface FinishedMail {
  tenantId: string;
  /** created before (epoch ms) */
  before: number;
  /** created at or after (epoch ms) */
  since?: number;
  /** only rows whose body is still stored */
  bodyKept?: boolean;
}

function finished(db: Kysely<DB>, f: FinishedMail) {
  let q = db
    .selectFrom('messages')
    .where('tenant_id', '=', f.tenantId)
    .where('created_at', '<', f.before)
    .where('state', 'in', [...FINAL_MESSAGE_STATES]);
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.bodyKept) q = q.where('body_purged_at', 'is', null);
  return q;
}

/** Up to `limit` ids of such mail. */
export async function finishedMessageIds(db: Kysely<DB>, f: FinishedMail, limit: number): Promise<string[]> {
  return (await finished(db, f).select('id').limit(limit).execute()).map((r) => r.id);
}

/** How many such messages there are, and how many recipients they have (a dry run's counts). */
export async function countFinished(db: Kysely<DB>, f: FinishedMail): Promise<{ messages: number; recipients: number }> {
  const messages = await finished(db, f)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  const recipients = await db
    .selectFrom('recipients')
    .where('message_id', 'in', finished(db, f).select('id'))
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return { messages: Number(messages?.n ?? 0), recipients: Number(recipients?.n ?? 0) };
}

/** Marks these finished messages' bodies purged (body_purged_at) and deletes the bodies; returns the ids marked. */
export async function purgeBodies(trx: Kysely<DB>, ids: string[], now: number): Promise<string[]> {
  const marked = await trx
    .updateTable('messages')
    .set({ body_purged_at: now })
    .where('id', 'in', ids)
    .where('state', 'in', [...FINAL_MESSAGE_STATES])
    .where('body_purged_at', 'is', null)
    .returning('id')
    .execute();
  const gone = marked.map((r) => r.id);
  if (gone.length > 0) await deleteBodies(trx, gone);
  return gone;
}

/** Deletes these messages' rows: body, recipients, message. The areas' own rows about them go first (the caller's). */
export async function deleteMessageRows(trx: Kysely<DB>, ids: string[]): Promise<{ messages: number; recipients: number }> {
  const n = async (q: ReturnType<typeof sql>) => Number((await q.execute(trx)).numAffectedRows ?? 0);
  const list = sql.join(ids);
  await deleteBodies(trx, ids);
  const recipients = await n(sql`DELETE FROM recipients WHERE message_id IN (${list})`);
  const messages = await n(sql`DELETE FROM messages WHERE id IN (${list})`);
  return { messages, recipients };
}

/** Deletes the rows of an area's `table` (keyed by message_id only) about any message of the tenant. */
export async function deleteRowsAboutTenantMail(trx: Kysely<DB>, table: string, tenantId: string): Promise<number> {
  const r = await sql`DELETE FROM ${sql.table(table)} WHERE message_id IN (SELECT id FROM messages WHERE tenant_id = ${tenantId})`.execute(
    trx,
  );
  return Number(r.numAffectedRows ?? 0);
}

/** Deletes every message of the tenant: bodies, recipients, rows; returns how many messages. The areas' rows go first. */
export async function deleteTenantMessages(trx: Kysely<DB>, tenantId: string): Promise<number> {
  const n = async (q: ReturnType<typeof sql>) => Number((await q.execute(trx)).numAffectedRows ?? 0);
  const ofTenant = sql`SELECT id FROM messages WHERE tenant_id = ${tenantId}`;
  await n(sql`DELETE FROM body_parts WHERE message_id IN (${ofTenant})`);
  await n(sql`DELETE FROM bodies WHERE message_id IN (${ofTenant})`);
  await n(sql`DELETE FROM recipients WHERE message_id IN (${ofTenant})`);
  return n(sql`DELETE FROM messages WHERE tenant_id = ${tenantId}`);
}
