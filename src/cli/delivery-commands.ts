// The `sekisho` commands of the delivery area: `message retry`, `message delete` (queue control,
// logic in delivery/queue-control.ts, shared with the console API) and `dkim show` (creates
// missing per-domain keys and prints the TXT records to publish).
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { requireTenant, tenantOption, withStore } from './context.ts';
import { deleteMessage, retryNow, type ControlResult } from '../delivery/queue-control.ts';
import { tenantDkimRecords } from '../delivery/dkim-keys.ts';

export function registerDeliveryCommands(program: Command): void {
  const message = program.commands.find((c) => c.name() === 'message')!;
  message.commands
    .find((c) => c.name() === 'list')
    ?.option('--direction <dir>', 'outbound | inbound')
    .option('--since <when>', 'created since a date/time or a duration ago (2h, 3d)')
    .option('--recipient <address>', 'messages to this envelope recipient');
  message
    .command('retry [id]')
    .description('make a deferred message (or every deferred one) due now')
    .option('--all-deferred', 'every deferred message')
    .option('--tenant <name>', "only this tenant's messages")
    .option('--json')
    .action(retryCommand);
  message
    .command('delete <id>')
    .description('remove a waiting message from the queue (body and audit trail are kept)')
    .option('--reason <text>', 'recorded in the audit trail')
    .option('--tenant <name>')
    .option('--json')
    .action(deleteCommand);

  const dkim = program.command('dkim').description('DKIM keys of tenant domains');
  dkim
    .command('show')
    .description('print the DNS TXT records to publish (creates missing keys; mail is signed once a key exists)')
    .requiredOption('--tenant <name>')
    .option('--json')
    .action(dkimShowCommand);
}

async function retryCommand(id: string | undefined, opts: { allDeferred?: boolean; tenant?: string; json?: boolean }): Promise<void> {
  if (!id && !opts.allDeferred) throw new CliError('give a message id or --all-deferred');
  if (id && opts.allDeferred) throw new CliError('give either a message id or --all-deferred, not both');
  await withStore(async (store) => {
    const result = await retryNow(store, await tenantOption(store, opts.tenant), { id, allDeferred: opts.allDeferred }, 'cli');
    if (id && result.changed.length === 0) throw new CliError(`${id}: ${result.skipped[0]?.reason ?? 'no such message'}`);
    report(result, 'due now', opts.json);
  });
}

async function deleteCommand(id: string, opts: { reason?: string; tenant?: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const result = await deleteMessage(store, await tenantOption(store, opts.tenant), { id, reason: opts.reason }, 'cli');
    if (result.changed.length === 0) throw new CliError(`${id}: ${result.skipped[0]?.reason ?? 'not deleted'}`);
    report(result, 'deleted', opts.json);
  });
}

async function dkimShowCommand(opts: { tenant: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const records = await tenantDkimRecords(store, tenant.id, 'cli');
    if (opts.json) {
      process.stdout.write(JSON.stringify(records) + '\n');
      return;
    }
    for (const r of records) {
      process.stdout.write(`# ${r.domain} (selector ${r.selector})\n${r.name}  TXT  "${r.value}"\n# BIND zone file:\n${r.zoneLine}\n\n`);
    }
  });
}

function report(result: ControlResult, what: string, json?: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  for (const id of result.changed) process.stdout.write(`${id}  ${what}\n`);
  for (const s of result.skipped) process.stdout.write(`${s.id}  skipped: ${s.reason}\n`);
  if (result.changed.length === 0 && result.skipped.length === 0) process.stdout.write('nothing to do\n');
}
