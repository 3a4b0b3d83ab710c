// The retention purge (APPI: personal data no longer than needed; docs/operation.md "Retention").
// Per tenant, with its days (retention-days.ts): finished mail older than metadataDays goes whole
// (row, recipients, body, attachment records and their blobs, links); finished mail older than
// bodyDays keeps its row but loses its body and ZIP password, and the row records when
// (body_purged_at). Audit events older than auditDays go through the store's one audited path.
// Mail that is not finished — held, queued, deferred, quarantined, awaiting approval — is never
// purged by age. Work goes in batches of `batchSize` rows, one transaction each, so the gateway
// keeps committing mail in between; a dry run only counts.
import { sql, type Kysely } from 'kysely';
import type { BlobStore } from '../blob/blob-store.ts';
import { insertEvent, type Store, type Tenant } from '../store/store.ts';
import type { DB } from '../store/schema/schema.ts';
import { countFinished, deleteMessageRows, finishedMessageIds, purgeBodies } from '../store/message-retention.ts';
import { effectiveDays, tenantOverride, type RetentionDays } from './retention-days.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const RETENTION_BATCH = 500;

export interface RetentionCounts {
  /** bodies removed (rows kept, marked) */
  bodies: number;
  /** message rows removed, with their bodies */
  messages: number;
  recipients: number;
  auditEvents: number;
}

export interface TenantRetention extends RetentionCounts {
  /** tenant name; null for the audit events of no (or a deleted) tenant */
  tenant: string | null;
  days: RetentionDays;
}

export interface RetentionOptions {
  defaults: RetentionDays;
  /** only this tenant (and not the tenant-less audit events) */
  tenant?: Tenant;
  dryRun?: boolean;
  now?: number;
  batchSize?: number;
  actor?: string;
  /** called after each batch (the scheduler renews its lease here); false stops the run */
  afterBatch?: () => Promise<boolean>;
}

const zero = (): RetentionCounts => ({ bodies: 0, messages: 0, recipients: 0, auditEvents: 0 });

export async function runRetention(store: Store, blobs: BlobStore, opts: RetentionOptions): Promise<TenantRetention[]> {
  const now = opts.now ?? Date.now();
  const tenants = opts.tenant ? [opts.tenant] : await store.listTenants();
  const report: TenantRetention[] = [];
  const run: Run = {
    store,
    blobs,
    now,
    batch: opts.batchSize ?? RETENTION_BATCH,
    actor: opts.actor ?? 'retention',
    afterBatch: opts.afterBatch ?? (async () => true),
    stopped: false,
  };
  for (const tenant of tenants) {
    const days = effectiveDays(opts.defaults, tenantOverride(tenant));
    const counts = opts.dryRun ? await countTenant(store, tenant.id, days, now) : await purgeTenant(run, tenant.id, days);
    report.push({ tenant: tenant.name, days, ...counts });
    if (run.stopped) return report;
  }
  if (!opts.tenant) {
    const days = effectiveDays(opts.defaults, {});
    const before = now - days.auditDays * DAY_MS;
    const auditEvents = opts.dryRun ? await countAudit(store.db, before, null) : await purgeAudit(run, before, null, days);
    report.push({ tenant: null, days, ...zero(), auditEvents });
  }
  return report;
}

interface Run {
  store: Store;
  blobs: BlobStore;
  now: number;
  batch: number;
  actor: string;
  afterBatch: () => Promise<boolean>;
  stopped: boolean;
}

async function next(run: Run): Promise<boolean> {
  if (!(await run.afterBatch())) run.stopped = true;
  return !run.stopped;
}

async function purgeTenant(run: Run, tenantId: string, days: RetentionDays): Promise<RetentionCounts> {
  const counts = zero();
  // whole messages first: their bodies need no separate pass
  const metaBefore = run.now - days.metadataDays * DAY_MS;
  while (!run.stopped) {
    const ids = await finishedMessageIds(run.store.db, { tenantId, before: metaBefore }, run.batch);
    if (ids.length === 0) break;
    const removed = await removeMessages(run, tenantId, ids, days);
    counts.messages += removed.messages;
    counts.recipients += removed.recipients;
    if (!(await next(run))) break;
  }
  const bodyBefore = run.now - days.bodyDays * DAY_MS;
  while (!run.stopped) {
    const ids = await finishedMessageIds(run.store.db, { tenantId, before: bodyBefore, bodyKept: true }, run.batch);
    if (ids.length === 0) break;
    counts.bodies += await removeBodies(run, tenantId, ids, days);
    if (!(await next(run))) break;
  }
  if (!run.stopped) counts.auditEvents = await purgeAudit(run, run.now - days.auditDays * DAY_MS, tenantId, days);
  return counts;
}

/** Bodies and ZIP passwords of these (finished) messages go; the rows stay, marked. */
async function removeBodies(run: Run, tenantId: string, ids: string[], days: RetentionDays): Promise<number> {
  return run.store.db.transaction().execute(async (trx) => {
    const gone = await purgeBodies(trx, ids, run.now);
    if (gone.length === 0) return 0;
    await sql`UPDATE attachment_protection SET zip_password = NULL WHERE message_id IN (${sql.join(gone)})`.execute(trx);
    await insertEvent(trx, run.store.kind, {
      tenantId,
      messageId: null,
      actor: run.actor,
      type: 'retention.bodies_purged',
      data: { count: gone.length, bodyDays: days.bodyDays, firstId: gone[0], lastId: gone.at(-1) },
    });
    return gone.length;
  });
}

/** These (finished) messages go whole: attachment files first (their blobs), then every row. */
async function removeMessages(
  run: Run,
  tenantId: string,
  ids: string[],
  days: RetentionDays,
): Promise<{ messages: number; recipients: number }> {
  const files = await sql<{
    blob_key: string;
  }>`SELECT blob_key FROM download_files WHERE message_id IN (${sql.join(ids)}) AND purged_at IS NULL`.execute(run.store.db);
  // before the rows: a crash in between leaves rows that the next run removes, never a blob no row names
  for (const f of files.rows) await run.blobs.delete(f.blob_key);
  return run.store.db.transaction().execute(async (trx) => {
    const n = async (q: ReturnType<typeof sql>) => Number((await q.execute(trx)).numAffectedRows ?? 0);
    const list = sql.join(ids);
    for (const table of [
      'download_events',
      'download_links',
      'download_files',
      'attachment_protection',
      'quarantine_links',
      'outbound_links',
    ]) {
      await n(sql`DELETE FROM ${sql.table(table)} WHERE message_id IN (${list})`);
    }
    const { messages, recipients } = await deleteMessageRows(trx, ids);
    await insertEvent(trx, run.store.kind, {
      tenantId,
      messageId: null,
      actor: run.actor,
      type: 'retention.messages_purged',
      data: { count: messages, recipients, metadataDays: days.metadataDays, firstId: ids[0], lastId: ids.at(-1) },
    });
    return { messages, recipients };
  });
}

/** Audit events older than `before` of the tenant (null: of no tenant or a deleted one), in batches. */
async function purgeAudit(run: Run, before: number, tenantId: string | null, days: RetentionDays): Promise<number> {
  let total = 0;
  while (!run.stopped) {
    const r = await run.store.purgeAuditEvents({
      before,
      ...(tenantId ? { tenantId } : { orphansOnly: true }),
      limit: run.batch,
      actor: run.actor,
      reason: `retention: audit events older than ${days.auditDays} days`,
    });
    total += r.removed;
    if (r.removed < run.batch || !(await next(run))) break;
  }
  return total;
}

// ── dry run: the same conditions, counted ───────────────────────────────────────────────────

async function countTenant(store: Store, tenantId: string, days: RetentionDays, now: number): Promise<RetentionCounts> {
  const metaBefore = now - days.metadataDays * DAY_MS;
  const bodyBefore = now - days.bodyDays * DAY_MS;
  const { messages, recipients } = await countFinished(store.db, { tenantId, before: metaBefore });
  const bodies = (await countFinished(store.db, { tenantId, before: bodyBefore, since: metaBefore, bodyKept: true })).messages;
  const auditEvents = await countAudit(store.db, now - days.auditDays * DAY_MS, tenantId);
  return { bodies, messages, recipients, auditEvents };
}

async function countAudit(db: Kysely<DB>, before: number, tenantId: string | null): Promise<number> {
  let q = db.selectFrom('events').where('at', '<', before);
  q = tenantId
    ? q.where('tenant_id', '=', tenantId)
    : q.where((eb) =>
        eb.or([
          eb('tenant_id', 'is', null),
          eb.not(eb.exists(eb.selectFrom('tenants').select('id').whereRef('tenants.id', '=', 'events.tenant_id'))),
        ]),
      );
  const r = await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
