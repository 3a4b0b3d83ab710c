// Counts of messages per tenant for the operator's overview of every tenant (web/api/tenants.ts):
// one grouped query each, whatever the number of tenants. A tenant with none is not in the map.
import type { Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import type { MessageState } from './schema/message-state.ts';

export interface TenantCountFilter {
  /** only these tenants */
  tenantIds?: string[];
  /** created at or after (epoch ms) */
  since?: number;
  /** only messages in these states */
  states?: readonly MessageState[];
}

/** How many messages each tenant has that match the filter. */
export async function messagesPerTenant(db: Kysely<DB>, f: TenantCountFilter): Promise<Map<string, number>> {
  let q = db.selectFrom('messages').select(['tenant_id', (eb) => eb.fn.countAll<number>().as('n')]);
  if (f.tenantIds) q = q.where('tenant_id', 'in', f.tenantIds);
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
  if (f.states) q = q.where('state', 'in', [...f.states]);
  const rows = await q.groupBy('tenant_id').execute();
  return new Map(rows.map((r) => [r.tenant_id, Number(r.n)]));
}

/** When a message of each tenant last changed while it had a delivery error. */
export async function lastErrorAtPerTenant(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('messages')
    .select(['tenant_id', (eb) => eb.fn.max('updated_at').as('at')])
    .where('last_error', 'is not', null)
    .groupBy('tenant_id')
    .execute();
  return new Map(rows.map((r) => [r.tenant_id, Number(r.at)]));
}
