// The one way audit events leave the database: a retention job removes events older than a
// cut-off (of one tenant, or all), and the removal is itself audited (`audit.purged`: how many,
// the id and time range, the count per type, and a SHA-256 over the removed rows so an exported
// copy can be checked against it). The events table refuses DELETE otherwise (triggers of
// migration core-0003); this transaction alone opens the way, for itself only.
import { createHash, type Hash } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, EventTable } from './schema/schema.ts';

export interface AuditPurgeRequest {
  /** events with `at` (epoch ms) before this go */
  before: number;
  /** only this tenant's events; all tenants' (and tenant-less ones) when absent */
  tenantId?: string;
  /** only events of no tenant, or of a tenant that no longer exists (the retention job's default) */
  orphansOnly?: boolean;
  /** remove at most this many (the retention job's batches); all matching ones when absent */
  limit?: number;
  actor: string;
  /** why, for the record (e.g. "retention: 3 years") */
  reason: string;
}

export interface AuditPurge {
  removed: number;
  firstId: number | null;
  lastId: number | null;
  firstAt: number | null;
  lastAt: number | null;
  /** removed events per type */
  types: Record<string, number>;
  /** SHA-256 over one line per removed event, in id order: JSON [id, tenant_id, message_id, at, actor, type, data] */
  sha256: string;
}

const CHUNK = 1000;

export async function purgeAuditEvents(db: Kysely<DB>, kind: 'sqlite' | 'postgres', request: AuditPurgeRequest): Promise<AuditPurge> {
  if (!Number.isFinite(request.before)) throw new Error('purgeAuditEvents: `before` must be a time in epoch milliseconds');
  return db.transaction().execute(async (trx) => {
    const digest = createHash('sha256');
    const summary: AuditPurge = { removed: 0, firstId: null, lastId: null, firstAt: null, lastAt: null, types: {}, sha256: '' };
    await allowPurge(trx, kind, true);
    for (let after = 0; request.limit === undefined || summary.removed < request.limit; ) {
      const chunk = Math.min(CHUNK, request.limit === undefined ? CHUNK : request.limit - summary.removed);
      let q = trx.selectFrom('events').selectAll().where('at', '<', request.before).where('id', '>', after).orderBy('id').limit(chunk);
      if (request.tenantId) q = q.where('tenant_id', '=', request.tenantId);
      if (request.orphansOnly)
        q = q.where((eb) =>
          eb.or([
            eb('tenant_id', 'is', null),
            eb.not(eb.exists(eb.selectFrom('tenants').select('id').whereRef('tenants.id', '=', 'events.tenant_id'))),
          ]),
        );
      const rows = await q.execute();
      if (rows.length === 0) break;
      for (const e of rows) note(summary, digest, e);
      // exactly the rows read and digested, not whatever matches the condition by now
      await trx
        .deleteFrom('events')
        .where(
          'id',
          'in',
          rows.map((e) => e.id),
        )
        .execute();
      after = rows.at(-1)!.id;
    }
    await allowPurge(trx, kind, false);
    summary.sha256 = digest.digest('hex');
    if (summary.removed > 0) {
      const { sha256, ...counts } = summary;
      await trx
        .insertInto('events')
        .values({
          tenant_id: request.tenantId ?? null,
          message_id: null,
          at: Date.now(),
          actor: request.actor,
          type: 'audit.purged',
          data: JSON.stringify({
            before: request.before,
            tenantId: request.tenantId ?? null,
            ...(request.orphansOnly ? { orphansOnly: true } : {}),
            ...counts,
            sha256,
            reason: request.reason,
          }),
        })
        .execute();
    }
    return summary;
  });
}

function note(summary: AuditPurge, digest: Hash, e: Selectable<EventTable>): void {
  summary.removed++;
  summary.firstId ??= e.id;
  summary.lastId = e.id;
  summary.firstAt = summary.firstAt === null ? e.at : Math.min(summary.firstAt, e.at);
  summary.lastAt = summary.lastAt === null ? e.at : Math.max(summary.lastAt, e.at);
  summary.types[e.type] = (summary.types[e.type] ?? 0) + 1;
  digest.update(`${JSON.stringify([e.id, e.tenant_id, e.message_id, e.at, e.actor, e.type, e.data])}\n`);
}

/** Opens (or closes) the triggers' way through, for this transaction only. */
async function allowPurge(trx: Kysely<DB>, kind: 'sqlite' | 'postgres', on: boolean): Promise<void> {
  if (kind === 'postgres') await sql`SELECT set_config('sekisho.audit_purge', ${on ? 'on' : 'off'}, true)`.execute(trx);
  else await sql`UPDATE audit_control SET purge_allowed = ${on ? 1 : 0} WHERE id = 1`.execute(trx);
}
