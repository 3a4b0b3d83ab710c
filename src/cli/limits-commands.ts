// `sekisho limits show [--tenant T]` prints each tenant's send limits (its own, or the
// configuration's); `limits set --tenant T --user-messages N …` gives a tenant its own ("default"
// goes back to the configuration's, 0 = no limit). See docs/operation.md "Send and connection limits".
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { configSendLimits, setTenantSendLimits, tenantSendLimitOverride, type SendLimits } from '../accept/send-limits.ts';

const OPTIONS = [
  ['--user-messages <n>', 'userMessagesPerHour', 'messages per user per hour'],
  ['--user-recipients <n>', 'userRecipientsPerHour', 'recipients per user per hour'],
  ['--tenant-messages <n>', 'tenantMessagesPerHour', 'messages per hour for the whole tenant'],
  ['--tenant-recipients <n>', 'tenantRecipientsPerHour', 'recipients per hour for the whole tenant'],
] as const;

export function registerLimitsCommands(program: Command): void {
  const limits = program.command('limits').description('send limits per user and tenant (messages and recipients per hour)');
  limits
    .command('show')
    .description("each tenant's send limits (its own, or the configuration defaults)")
    .option('--tenant <name>')
    .action(limitsShowCommand);
  const set = limits
    .command('set')
    .description('give a tenant its own send limits (0 = no limit, "default" = the configuration\'s again)')
    .requiredOption('--tenant <name>');
  for (const [flag, , what] of OPTIONS) set.option(flag, what);
  set.action(limitsSetCommand);
}

function describe(l: SendLimits): string {
  const n = (v: number) => (v === 0 ? 'no limit' : String(v));
  return (
    `per user ${n(l.userMessagesPerHour)} messages and ${n(l.userRecipientsPerHour)} recipients an hour, ` +
    `tenant ${n(l.tenantMessagesPerHour)} messages and ${n(l.tenantRecipientsPerHour)} recipients an hour`
  );
}

async function limitsShowCommand(opts: { tenant?: string }): Promise<void> {
  await withStore(async (store, config) => {
    const tenants = opts.tenant ? [await requireTenant(store, opts.tenant)] : await store.listTenants();
    const defaults = configSendLimits(config);
    process.stdout.write(`defaults: ${describe(defaults)}\n`);
    for (const t of tenants) {
      const own = tenantSendLimitOverride(t);
      const note = Object.keys(own).length ? ` (its own: ${Object.keys(own).join(', ')})` : ' (the defaults)';
      process.stdout.write(`tenant ${t.name}: ${describe({ ...defaults, ...own })}${note}\n`);
    }
  });
}

function limitOption(flag: string, value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value)) throw new CliError(`${flag} must be a whole number (0 = no limit) or "default"`);
  return Number(value);
}

async function limitsSetCommand(opts: Record<string, string | undefined> & { tenant: string }): Promise<void> {
  const change: { [K in keyof SendLimits]?: number | null } = {};
  for (const [flag, key] of OPTIONS) {
    const camel = flag.slice(2, flag.indexOf(' ')).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const v = limitOption(flag.split(' ')[0]!, opts[camel]);
    if (v !== undefined) change[key] = v;
  }
  if (Object.keys(change).length === 0)
    throw new CliError('say what to change: --user-messages, --user-recipients, --tenant-messages or --tenant-recipients');
  await withStore(async (store, config) => {
    const tenant = await requireTenant(store, opts.tenant);
    const own = await setTenantSendLimits(store, tenant, change, 'cli');
    process.stdout.write(`tenant ${tenant.name}: ${describe({ ...configSendLimits(config), ...own })}\n`);
  });
}
