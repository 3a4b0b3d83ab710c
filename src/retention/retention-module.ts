// Runs the retention purge on its own: every node looks every few minutes, and the one that takes
// the job's lease (job-lease.ts) runs it when the last finished run is an hour old — so it runs
// hourly for the whole cluster, on one node at a time, in batches (retention-run.ts) with the
// lease renewed after each. A node stopping ends its run after the batch under way.
import type { ModuleFactory } from '../pipeline/pipeline.ts';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import { configDays } from './retention-days.ts';
import { runRetention } from './retention-run.ts';
import { jobLeaseState, releaseJobLease, takeJobLease, type JobLease } from './job-lease.ts';

export const RETENTION_JOB = 'retention';
const CHECK_MS = 5 * 60_000;
const FIRST_CHECK_MS = 60_000;
const EVERY_MS = 60 * 60_000;
const LEASE_MS = 10 * 60_000;

export const retentionModule: ModuleFactory = (ctx) => {
  const { config, store, logger, node } = ctx;
  const blobs = blobStoreFor(config, store);
  const lease: JobLease = { name: RETENTION_JOB, holder: node, ms: LEASE_MS };
  let running: Promise<void> | null = null;
  let stopping = false;

  const check = async () => {
    const { holder, lastRunAt } = await jobLeaseState(store.db, RETENTION_JOB);
    if (holder || (lastRunAt !== null && Date.now() - lastRunAt < EVERY_MS)) return;
    if (!(await takeJobLease(store.db, lease))) return;
    let finished = false;
    try {
      const report = await runRetention(store, blobs, {
        defaults: configDays(config),
        actor: 'retention',
        afterBatch: async () => !stopping && (await takeJobLease(store.db, lease)),
      });
      finished = !stopping;
      const removed = report.filter((r) => r.bodies + r.messages + r.auditEvents > 0);
      if (removed.length > 0) logger.info({ retention: removed }, 'retention purge');
    } finally {
      await releaseJobLease(store.db, lease, finished);
    }
  };
  const tick = () => {
    if (running || stopping) return;
    running = check()
      .catch((err) => logger.error({ err }, 'retention purge failed; retrying at the next check'))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, FIRST_CHECK_MS);
  const timer = setInterval(tick, CHECK_MS);
  first.unref();
  timer.unref();

  return {
    name: 'retention',
    async stop() {
      stopping = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
};
