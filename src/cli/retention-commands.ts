// `sekisho retention run [--tenant T] [--dry-run] [--json]` runs the retention purge now and prints
// what it removed (or, with --dry-run, would remove) per tenant; `retention show` prints the days
// each tenant keeps; `retention set --tenant T --body-days N …` gives a tenant its own days
// ("default" goes back to the configuration's). See docs/operation.md "Retention".
import type { Command } from 'commander';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { configDays, effectiveDays, setTenantRetention, tenantOverride, type RetentionDays } from '../retention/retention-days.ts';
import { runRetention, type TenantRetention } from '../retention/retention-run.ts';
import { releaseJobLease, takeJobLease, jobLeaseState } from '../retention/job-lease.ts';
import { RETENTION_JOB } from '../retention/retention-module.ts';

export function registerRetentionCommands(program: Command): void {
  const retention = program.command('retention').description('how long mail and the audit trail are kept (APPI)');
  retention
    .command('run')
    .description('purge what is past its retention now and print what was removed (--dry-run: only count)')
    .option('--tenant <name>', 'only this tenant')
    .option('--dry-run', 'count what would be removed, remove nothing')
    .option('--json')
    .action(retentionRunCommand);
  retention
    .command('show')
    .description('the retention days of each tenant (its own, or the configuration defaults)')
    .option('--tenant <name>')
    .action(retentionShowCommand);
  retention
    .command('set')
    .description('give a tenant its own retention days ("default" = the configuration\'s again)')
    .requiredOption('--tenant <name>')
    .option('--body-days <n>', 'bodies and attachments of finished mail')
    .option('--metadata-days <n>', 'message rows and recipients')
    .option('--audit-days <n>', 'audit events (at least the metadata days)')
    .action(retentionSetCommand);
}

async function retentionRunCommand(opts: { tenant?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  await withStore(async (store, config) => {
    const tenant = opts.tenant ? await requireTenant(store, opts.tenant) : undefined;
    const lease = { name: RETENTION_JOB, holder: `cli:${process.pid}`, ms: 10 * 60_000 };
    if (!opts.dryRun && !(await takeJobLease(store.db, lease))) {
      const { holder } = await jobLeaseState(store.db, RETENTION_JOB);
      throw new CliError(`a retention run is under way on ${holder ?? 'another node'}; try again when it has finished`);
    }
    let report: TenantRetention[];
    try {
      report = await runRetention(store, blobStoreFor(config, store), {
        defaults: configDays(config),
        tenant,
        dryRun: opts.dryRun,
        actor: 'cli',
        afterBatch: async () => opts.dryRun === true || (await takeJobLease(store.db, lease)),
      });
    } finally {
      if (!opts.dryRun) await releaseJobLease(store.db, lease, !tenant);
    }
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ dryRun: opts.dryRun === true, tenants: report }, null, 2)}\n`);
      return;
    }
    const verb = opts.dryRun ? 'would remove' : 'removed';
    for (const r of report) {
      const who = r.tenant === null ? 'audit events of no tenant' : `tenant ${r.tenant}`;
      const what =
        r.tenant === null
          ? `${r.auditEvents} audit events (older than ${r.days.auditDays} days)`
          : `${r.bodies} bodies (older than ${r.days.bodyDays} days), ${r.messages} messages with ${r.recipients} recipients ` +
            `(older than ${r.days.metadataDays} days), ${r.auditEvents} audit events (older than ${r.days.auditDays} days)`;
      process.stdout.write(`${who}: ${verb} ${what}\n`);
    }
  });
}

async function retentionShowCommand(opts: { tenant?: string }): Promise<void> {
  await withStore(async (store, config) => {
    const tenants = opts.tenant ? [await requireTenant(store, opts.tenant)] : await store.listTenants();
    const defaults = configDays(config);
    process.stdout.write(`defaults: ${describe(defaults)}\n`);
    for (const t of tenants) {
      const own = tenantOverride(t);
      const note = Object.keys(own).length ? ` (its own: ${Object.keys(own).join(', ')})` : ' (the defaults)';
      process.stdout.write(`tenant ${t.name}: ${describe(effectiveDays(defaults, own))}${note}\n`);
    }
  });
}

function describe(d: RetentionDays): string {
  return `bodies ${d.bodyDays} days, messages ${d.metadataDays} days, audit ${d.auditDays} days`;
}

function daysOption(name: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${name} must be a whole number of days (at least 1) or "default"`);
  return Number(value);
}

async function retentionSetCommand(opts: { tenant: string; bodyDays?: string; metadataDays?: string; auditDays?: string }): Promise<void> {
  const change = {
    bodyDays: daysOption('--body-days', opts.bodyDays),
    metadataDays: daysOption('--metadata-days', opts.metadataDays),
    auditDays: daysOption('--audit-days', opts.auditDays),
  };
  if (Object.values(change).every((v) => v === undefined))
    throw new CliError('say what to change: --body-days, --metadata-days or --audit-days');
  await withStore(async (store, config) => {
    const tenant = await requireTenant(store, opts.tenant);
    let days: RetentionDays;
    try {
      days = await setTenantRetention(store, tenant, configDays(config), change, 'cli');
    } catch (err) {
      if (err instanceof RangeError) throw new CliError(`${err.message}; nothing was changed`);
      throw err;
    }
    process.stdout.write(`tenant ${tenant.name}: ${describe(days)}\n`);
  });
}
