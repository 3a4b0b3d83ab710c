// The `sekisho quarantine` commands of the inbound area, registered on the program by
// cli/index.ts: list, show (a safe preview), release, delete, digest, and settings (recipient
// self-release, retention, periodic digest, the staff/executive names impersonation checks
// protect). The logic lives in src/inbound/quarantine.ts and digest.ts, shared with the console.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore, tenantClock } from './context.ts';
import { EMAIL_RE } from '../util/address.ts';
import { deleteQuarantined, listQuarantine, previewQuarantined, releaseQuarantined } from '../inbound/quarantine.ts';
import { ServiceError } from '../util/service-error.ts';
import { sendDigests } from '../inbound/digest.ts';
import { getSettings, updateSettings, type InboundSettings } from '../inbound/tenant-settings.ts';
import { parseDuration } from '../util/duration.ts';
import type { Store } from '../store/store.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';

export function registerInboundCommands(program: Command): void {
  const q = program.command('quarantine').description('quarantined inbound mail (迷惑メール隔離)');
  q.command('list')
    .description("a tenant's quarantined mail, newest first")
    .requiredOption('--tenant <name>')
    .option('--recipient <address>', 'only mail for this recipient')
    .option('--search <text>', 'sender or subject contains')
    .option('--since <duration>', 'received within this long (2h, 7d)')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json')
    .action(listCommand);
  q.command('show <id>')
    .description('headers, text and verdict of a quarantined message (nothing is rendered)')
    .requiredOption('--tenant <name>')
    .option('--json')
    .action(showCommand);
  q.command('release <id>')
    .description('deliver a quarantined message to its recipients, as it was received')
    .option('--tenant <name>')
    .action((id, o) => changeCommand('release', id, o));
  q.command('delete <id>')
    .description('delete a quarantined message (the audit trail stays)')
    .option('--tenant <name>')
    .action((id, o) => changeCommand('delete', id, o));
  q.command('digest')
    .description('mail each recipient a list of their quarantined mail (with release links where allowed)')
    .requiredOption('--tenant <name>')
    .option('--since <duration>', 'only mail received within this long (default: everything still quarantined)')
    .option('--recipient <address>', 'only this recipient')
    .option('--json')
    .action(digestCommand);
  q.command('settings')
    .description("show or change the tenant's quarantine and impersonation settings")
    .requiredOption('--tenant <name>')
    .option('--self-release <on|off>', 'recipients may release their own quarantined mail from the digest')
    .option('--retention-days <n>', 'purge quarantined mail after this many days')
    .option('--digest-hours <n>', 'send the digest every N hours (0 = off)')
    .option('--staff-file <file.csv>', 'staff names for impersonation checks: lines "name,address"')
    .option('--executive <name...>', 'executive names (CEO fraud is scored higher)')
    .option('--json')
    .action(settingsCommand);
}

async function tenantIdFor(store: Store, name: string | undefined, id?: string): Promise<string> {
  if (name) return (await requireTenant(store, name)).id;
  const m = id ? await store.message(id, ALL_TENANTS) : undefined;
  if (!m) throw new CliError(`no message ${id}`);
  return m.tenant_id;
}

async function listCommand(o: {
  tenant: string;
  recipient?: string;
  search?: string;
  since?: string;
  limit: string;
  json?: boolean;
}): Promise<void> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number');
  const since = o.since ? Date.now() - duration(o.since) : undefined;
  await withStore(async (store) => {
    const tenantId = (await requireTenant(store, o.tenant)).id;
    const items = await listQuarantine(store, { tenantId, recipient: o.recipient, search: o.search, since, limit });
    if (o.json) return void process.stdout.write(JSON.stringify(items, null, 2) + '\n');
    const clock = await tenantClock(store);
    for (const i of items) {
      process.stdout.write(
        `${i.id}  ${clock(i.receivedAt, tenantId)}  score ${i.score ?? '-'}  ${i.from || i.mailFrom || '<>'} ` +
          `→ ${i.recipients.join(',')}  ${JSON.stringify(i.subject)}\n    ${i.reasonLabel.en}${
            i.adminOnly ? ' (admin release only)' : ''
          }: ${i.reason}\n`,
      );
    }
    if (items.length === 0) process.stdout.write('no quarantined mail\n');
  });
}

async function showCommand(id: string, o: { tenant: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const tenantId = (await requireTenant(store, o.tenant)).id;
    const p = await previewQuarantined(store, tenantId, id).catch(rethrow);
    if (o.json) return void process.stdout.write(JSON.stringify(p, null, 2) + '\n');
    const out = [
      `id: ${p.id}`,
      `from: ${p.from} (envelope ${p.mailFrom || '<>'})`,
      `to: ${p.recipients.join(', ')}`,
      `subject: ${p.subject}`,
      `score: ${p.score}  reason: ${p.reason}`,
      `release class: ${p.releaseClass} — ${p.reasonLabel.en}${p.adminOnly ? ' (admins only; recipients may ask)' : ''}`,
      `authentication: ${p.authDetails.join('; ')}`,
      'symbols:',
      ...p.symbols.map((s) => `  ${s.score.toFixed(2).padStart(7)}  ${s.name}${s.detail ? `  (${s.detail})` : ''}`),
      'attachments:',
      ...p.attachments.map((a) => `  ${a.filename} ${a.contentType} ${a.size} bytes`),
      '',
      p.text.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ''),
    ];
    process.stdout.write(out.join('\n') + '\n');
  });
}

async function changeCommand(what: 'release' | 'delete', id: string, o: { tenant?: string }): Promise<void> {
  await withStore(async (store) => {
    const tenantId = await tenantIdFor(store, o.tenant, id);
    if (what === 'release') await releaseQuarantined(store, tenantId, id, 'cli').catch(rethrow);
    else await deleteQuarantined(store, tenantId, id, 'cli').catch(rethrow);
    process.stdout.write(`${id}: ${what === 'release' ? 'released (queued for delivery)' : 'deleted'}\n`);
  });
}

async function digestCommand(o: { tenant: string; since?: string; recipient?: string; json?: boolean }): Promise<void> {
  if (o.recipient && !EMAIL_RE.test(o.recipient)) throw new CliError(`--recipient: not an address: ${o.recipient}`);
  const since = o.since ? Date.now() - duration(o.since) : undefined;
  await withStore(async (store, config) => {
    const tenantId = (await requireTenant(store, o.tenant)).id;
    const result = await sendDigests({ store, hostname: config.hostname, publicUrl: config.publicUrl }, tenantId, {
      since,
      recipient: o.recipient,
    });
    if (o.json) return void process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    for (const s of result.sent) process.stdout.write(`${s.recipient}: ${s.items} item(s), digest ${s.noticeId}\n`);
    if (result.sent.length === 0) process.stdout.write('no quarantined mail: no digest sent\n');
  });
}

async function settingsCommand(o: {
  tenant: string;
  selfRelease?: string;
  retentionDays?: string;
  digestHours?: string;
  staffFile?: string;
  executive?: string[];
  json?: boolean;
}): Promise<void> {
  const change: Partial<InboundSettings> = {};
  if (o.selfRelease !== undefined) {
    if (!/^(on|off)$/.test(o.selfRelease)) throw new CliError('--self-release must be on or off');
    change.selfRelease = o.selfRelease === 'on';
  }
  if (o.retentionDays !== undefined) change.retentionDays = wholeNumber(o.retentionDays, '--retention-days', 1);
  if (o.digestHours !== undefined) change.digestHours = wholeNumber(o.digestHours, '--digest-hours', 0);
  if (o.staffFile !== undefined) change.staff = readStaff(o.staffFile);
  if (o.executive !== undefined) change.executives = o.executive.map((e) => e.trim()).filter(Boolean);
  await withStore(async (store) => {
    const tenantId = (await requireTenant(store, o.tenant)).id;
    const s = Object.keys(change).length ? await updateSettings(store, tenantId, change, 'cli') : await getSettings(store, tenantId);
    if (o.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    process.stdout.write(
      `self-release: ${s.selfRelease ? 'on' : 'off'}\nretention: ${s.retentionDays} days\n` +
        `digest: ${s.digestHours ? `every ${s.digestHours} h` : 'off'}\nstaff: ${s.staff.length}\n` +
        `executives: ${s.executives.join(', ') || '-'}\n`,
    );
  });
}

function wholeNumber(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be a whole number ≥ ${min}`);
  return n;
}

function duration(text: string): number {
  try {
    return parseDuration(text, '--since');
  } catch (err) {
    throw new CliError((err as Error).message.split('\n')[0]!);
  }
}

function readStaff(file: string): InboundSettings['staff'] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  const staff: InboundSettings['staff'] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.startsWith('#')) return;
    const [name, email] = line.split(',').map((s) => s.trim());
    if (!name || !email || !EMAIL_RE.test(email)) throw new CliError(`${file}:${i + 1}: expected "name,address"`);
    staff.push({ name, email: email.toLowerCase() });
  });
  return staff;
}

function rethrow(err: unknown): never {
  if (err instanceof ServiceError) throw new CliError(err.message);
  throw err;
}
