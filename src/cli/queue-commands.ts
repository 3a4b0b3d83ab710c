// `sekisho queue summary [--tenant T] [--json]`: deferred mail by recipient domain and age, like
// Postfix's qshape (src/queue/queue-shape.ts). See docs/operation.md "Queue shape".
import type { Command } from 'commander';
import { tenantOption, withStore } from './context.ts';
import { AGE_BUCKETS_MINUTES, deferredShape, formatShape } from '../queue/queue-shape.ts';

export function registerQueueCommands(program: Command): void {
  const queue = program.command('queue').description('the delivery queue as a whole');
  queue
    .command('summary')
    .description('deferred recipients by domain and minutes since arrival (like qshape)')
    .option('--tenant <name>')
    .option('--json')
    .action(queueSummaryCommand);
}

async function queueSummaryCommand(opts: { tenant?: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const shapes = await deferredShape(store, await tenantOption(store, opts.tenant));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ bucketsMinutes: AGE_BUCKETS_MINUTES, domains: shapes }, null, 2)}\n`);
      return;
    }
    process.stdout.write(formatShape(shapes));
  });
}
