// The audit log search behind GET /api/audit: events of one tenant (every caller but an operator
// is bound to theirs by the scoped store) or, for operators, of all tenants; filtered by group,
// acting user, recipient, time and free text; newest first with a keyset cursor (event ids grow).
// The message's subject and recipients come from a join, so held mail finds its recipient too;
// it lives in the store because no SQL on `messages` lives outside src/store.
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import { typesOf, type AuditGroup } from '../audit/event-groups.ts';
import { columnContains } from './like.ts';
import type { TenantScope } from './tenant-scope.ts';
import type { AuditRow } from '../audit/audit-row.ts';

export interface AuditFilter {
  group?: AuditGroup;
  /** part of the acting person's address (the sender, for a blocked attempt) */
  user?: string;
  /** part of a recipient's address: in the event's data or the message's recipients */
  recipient?: string;
  /** epoch ms, inclusive */
  from?: number;
  /** epoch ms, exclusive */
  to?: number;
  /** free text: in the actor, the event's data or the message's subject */
  q?: string;
  /** keyset cursor: events with a lower id (the `next` of the previous page) */
  before?: number;
  limit?: number;
}

function filtered(db: Kysely<DB>, scope: TenantScope, f: AuditFilter) {
  let q = db
    .selectFrom('events')
    .leftJoin('messages', (j) => j.onRef('messages.id', '=', 'events.message_id').onRef('messages.tenant_id', '=', 'events.tenant_id'))
    .leftJoin('tenants', 'tenants.id', 'events.tenant_id');
  if ('tenantId' in scope) q = q.where('events.tenant_id', '=', scope.tenantId);
  if (f.group) q = q.where('events.type', 'in', typesOf(f.group));
  if (f.user) q = q.where(columnContains('events.actor', f.user));
  if (f.recipient) {
    const text = f.recipient;
    q = q.where((eb) => eb.or([columnContains('events.data', text), columnContains('messages.recipients', text)]));
  }
  if (f.q) {
    const text = f.q;
    q = q.where((eb) =>
      eb.or([columnContains('events.actor', text), columnContains('events.data', text), columnContains('messages.subject', text)]),
    );
  }
  if (f.from !== undefined) q = q.where('events.at', '>=', f.from);
  if (f.to !== undefined) q = q.where('events.at', '<', f.to);
  return q;
}

/** One page, newest first; `next` is the cursor for the following page (null on the last). */
export async function searchAudit(db: Kysely<DB>, scope: TenantScope, f: AuditFilter): Promise<{ items: AuditRow[]; next: number | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
  let q = filtered(db, scope, f);
  if (f.before !== undefined) q = q.where('events.id', '<', f.before);
  const rows = await q
    .select([
      'events.id',
      'events.at',
      'events.tenant_id as tenantId',
      'tenants.name as tenantName',
      'events.message_id as messageId',
      'events.actor',
      'events.type',
      'events.data',
      'messages.subject',
      'messages.recipients',
    ])
    .orderBy('events.id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }));
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
}

/** How many events the filter matches in all (the page's "n of N"). */
export async function countAudit(db: Kysely<DB>, scope: TenantScope, f: AuditFilter): Promise<number> {
  const r = await filtered(db, scope, f).select(sql<number>`count(*)`.as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
