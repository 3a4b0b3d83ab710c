// `sekisho webhook list|add|remove --tenant T` (docs/webhooks.md): the same actions as the
// console's Webhook page, audited with actor "cli". `add` prints the signing secret, the one time
// it is shown; `remove` asks for the webhook's id again unless --yes.
import type { Command } from 'commander';
import { ask } from './ask.ts';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { WEBHOOK_EVENTS } from '../store/webhook-events.ts';
import { addWebhook, listDeliveries, listWebhooks, removeWebhook } from '../webhooks/webhooks.ts';

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description("a tenant's webhooks: signed notices of held, blocked, quarantined… mail");
  webhook
    .command('list')
    .description('the webhooks of a tenant, each with its latest deliveries')
    .requiredOption('--tenant <name>')
    .option('--json')
    .action(webhookListCommand);
  webhook
    .command('add <url>')
    .description(`add a webhook; prints its signing secret, shown only this once (events: ${WEBHOOK_EVENTS.join(', ')})`)
    .requiredOption('--tenant <name>')
    .option('--events <list>', 'comma-separated events', WEBHOOK_EVENTS.join(','))
    .action(webhookAddCommand);
  webhook
    .command('remove <id>')
    .description('remove a webhook and its deliveries not yet sent')
    .requiredOption('--tenant <name>')
    .option('--yes', 'do not ask')
    .action(webhookRemoveCommand);
}

async function webhookListCommand(opts: { tenant: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const hooks = await listWebhooks(store, tenant.id);
    const deliveries = await listDeliveries(store, tenant.id, { limit: 200 });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ webhooks: hooks, deliveries }, null, 2)}\n`);
      return;
    }
    if (hooks.length === 0) process.stdout.write(`tenant ${tenant.name} has no webhooks\n`);
    for (const h of hooks) {
      const mine = deliveries.filter((d) => d.webhookId === h.id);
      const count = (s: string) => mine.filter((d) => d.state === s).length;
      process.stdout.write(
        `${h.id}  ${h.enabled ? 'on ' : 'off'}  ${h.url}  [${h.events.join(',')}]  ` +
          `recent deliveries: ${count('delivered')} delivered, ${count('pending')} waiting, ${count('failed')} failed\n`,
      );
    }
  });
}

async function webhookAddCommand(url: string, opts: { tenant: string; events: string }): Promise<void> {
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const events = opts.events
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const added = await addWebhook(store, tenant.id, { url, events }, 'cli');
    process.stdout.write(
      `webhook ${added.id} added for tenant ${tenant.name}: ${added.url} [${added.events.join(',')}]\n` +
        `signing secret (shown only now; keep it for the receiver): ${added.secret}\n`,
    );
  });
}

async function webhookRemoveCommand(id: string, opts: { tenant: string; yes?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const hook = (await listWebhooks(store, tenant.id)).find((h) => h.id === id);
    if (!hook) throw new CliError(`tenant ${tenant.name} has no webhook ${id} (see: sekisho webhook list --tenant ${tenant.name})`);
    if (
      !opts.yes &&
      (await ask(`This removes the webhook to ${hook.url} and its deliveries not yet sent. Type its id to confirm: `)) !== id
    ) {
      throw new CliError('the id did not match; nothing was removed');
    }
    await removeWebhook(store, tenant.id, id, 'cli');
    process.stdout.write(`webhook ${id} removed\n`);
  });
}
