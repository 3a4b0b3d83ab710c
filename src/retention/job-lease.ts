// Jobs that one node at a time runs (the retention purge): a row per job in job_leases names the
// node holding it and until when. Taking it is one conditional UPDATE, atomic on SQLite (one
// writer) and on PostgreSQL (the row lock re-checks the condition), so of several nodes one wins;
// a holder that dies loses it when `until` passes. The row also remembers when the job last
// finished, so "hourly" is hourly for the cluster, not per node.
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema/schema.ts';

export interface JobLease {
  name: string;
  holder: string;
  ms: number;
}

/** Takes (or extends, when `holder` has it already) the lease; false when another holder has it. */
export async function takeJobLease(db: Kysely<DB>, lease: JobLease, now = Date.now()): Promise<boolean> {
  await db
    .insertInto('job_leases')
    .values({ name: lease.name, holder: null, until: 0, last_run_at: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const taken = await db
    .updateTable('job_leases')
    .set({ holder: lease.holder, until: now + lease.ms })
    .where('name', '=', lease.name)
    .where((eb) => eb.or([eb('until', '<', now), eb('holder', '=', lease.holder)]))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

/** Gives the lease back; `finished`: the job ran to the end (its last_run_at moves on). */
export async function releaseJobLease(db: Kysely<DB>, lease: JobLease, finished: boolean, now = Date.now()): Promise<void> {
  await db
    .updateTable('job_leases')
    .set({ holder: null, until: 0, ...(finished ? { last_run_at: now } : {}) })
    .where('name', '=', lease.name)
    .where('holder', '=', lease.holder)
    .execute();
}

/** Who holds the job now and when it last finished. */
export async function jobLeaseState(
  db: Kysely<DB>,
  name: string,
  now = Date.now(),
): Promise<{ holder: string | null; lastRunAt: number | null }> {
  const row = await db.selectFrom('job_leases').selectAll().where('name', '=', name).executeTakeFirst();
  if (!row) return { holder: null, lastRunAt: null };
  return { holder: Number(row.until) >= now ? row.holder : null, lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at) };
}
