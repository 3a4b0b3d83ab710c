// The `sekisho download …` commands (attachment protection): what senders and admins do with
// web-download files after sending, through the same service functions as the console
// (src/attachments/control.ts), plus `sekisho message attachments ID` for the ZIP password and
// download status of one message.
//   sekisho download list --message ID [--json]     per recipient: token, count, last time, IP, UA
//   sekisho download withdraw ID [--file N] [--yes] delete one file (1-based) or all (取り下げ); asks
//                                                   first, naming the files, unless --yes
//   sekisho download expire ID --days N             expiry N days from now (0 = now; max 365)
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { withStore } from './context.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import { downloadStatus, setDownloadExpiry, withdrawFiles } from '../attachments/control.ts';
import { ServiceError } from '../util/service-error.ts';
import { attachmentDetails } from '../attachments/details.ts';
import { formatSize } from '../mime/notice-text.ts';
import { ask } from './ask.ts';

const ID_RE = /^[0-9A-Z]{26}$/;

function messageId(id: string | undefined): string {
  if (!id || !ID_RE.test(id)) throw new CliError(`not a message id: ${id ?? '(missing)'} (26 characters, see: sekisho message list)`);
  return id;
}

function positiveInt(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new CliError(`${name} must be a whole number from ${min} to ${max}`);
  return Number(value);
}

async function controlled<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ServiceError) throw new CliError(err.message);
    throw err;
  }
}

export function registerAttachmentsCommands(program: Command): void {
  const download = program.command('download').description('web-download files: status, withdraw, expiry');
  download
    .command('list')
    .description('who downloaded the files of a message')
    .requiredOption('--message <id>')
    .option('--json')
    .action(async (opts: { message: string; json?: boolean }) => {
      const id = messageId(opts.message);
      await withStore((store) =>
        controlled(async () => {
          const status = await downloadStatus(store, ALL_TENANTS, id);
          if (opts.json) {
            process.stdout.write(JSON.stringify(status) + '\n');
            return;
          }
          process.stdout.write('files:\n');
          for (const f of status.files)
            process.stdout.write(`  ${f.index}  ${f.filename}  ${formatSize(f.size)}  ${f.state}  expires ${f.expiresAt}\n`);
          process.stdout.write('recipients:\n');
          for (const r of status.recipients) {
            process.stdout.write(
              `  ${r.recipient}  downloads ${r.count}${r.maxDownloads !== null ? `/${r.maxDownloads}` : ''}  ` +
                `last ${r.lastAt ?? '-'}  ${r.lastIp ?? ''}  ${r.lastUserAgent ?? ''}  token ${r.token}\n`,
            );
          }
        }),
      );
    });
  download
    .command('withdraw <id>')
    .description('delete one file (--file N) or all files of a message; the page then says withdrawn')
    .option('--file <n>')
    .option('--yes', 'do not ask first')
    .action(async (id: string, opts: { file?: string; yes?: boolean }) => {
      const mid = messageId(id);
      const file = opts.file === undefined ? undefined : positiveInt(opts.file, '--file', 1, 10000);
      await withStore((store, config) =>
        controlled(async () => {
          if (!opts.yes) await askBeforeWithdraw(store, mid, file);
          const n = await withdrawFiles(store, blobStoreFor(config, store), ALL_TENANTS, mid, { file, actor: 'cli' });
          process.stdout.write(`withdrew ${n} file(s) of ${mid}\n`);
        }),
      );
    });
  download
    .command('expire <id>')
    .description("set the expiry of a message's files to N days from now (0 = now)")
    .requiredOption('--days <n>')
    .action(async (id: string, opts: { days: string }) => {
      const mid = messageId(id);
      const days = positiveInt(opts.days, '--days', 0, 365);
      await withStore((store) =>
        controlled(async () => {
          const at = await setDownloadExpiry(store, ALL_TENANTS, mid, days, { actor: 'cli' });
          process.stdout.write(`files of ${mid} now expire at ${at.toISOString()}\n`);
        }),
      );
    });

  const message = program.commands.find((c) => c.name() === 'message');
  message
    ?.command('attachments <id>')
    .description('ZIP password and download status of a message (also in message show once merged)')
    .option('--json')
    .action(async (id: string, opts: { json?: boolean }) => {
      const mid = messageId(id);
      await withStore(async (store) => {
        if (!(await store.message(mid, ALL_TENANTS))) throw new CliError(`no message with id ${mid}`);
        const details = await attachmentDetails(store, mid);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ id: mid, ...details }) + '\n');
          return;
        }
        if (details.zipPassword) process.stdout.write(`zipPassword ${details.zipPassword}\n`);
        for (const d of details.downloads ?? [])
          process.stdout.write(`download    ${d.recipient}  ${d.count}  ${d.lastAt ?? '-'}  ${d.token}\n`);
        if (!details.zipPassword && !details.downloads) process.stdout.write('no attachment protection applied\n');
      });
    });
}

/** Withdrawing cannot be undone: name the files and what stops working, and go on only on "yes". */
async function askBeforeWithdraw(store: Parameters<typeof downloadStatus>[0], mid: string, file: number | undefined): Promise<void> {
  const status = await downloadStatus(store, ALL_TENANTS, mid);
  const files = status.files.filter((f) => f.state === 'available' && (file === undefined || f.index === file));
  if (files.length === 0) return; // nothing to lose: withdrawFiles says what there is
  const names = files.map((f) => `"${f.filename}"`).join(', ');
  const answer = await ask(
    `This withdraws ${names} of message ${mid}: the recipients' download links stop working at once. ` +
      'This cannot be undone. Type yes to go ahead: ',
  );
  if (answer.toLowerCase() !== 'yes') throw new CliError('not confirmed; nothing was withdrawn (add --yes to skip the question)');
}
