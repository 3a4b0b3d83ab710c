// `sekisho message list [--tenant NAME] [--state STATE] [--json]` and `sekisho message show ID [--json]`:
// the queue and the audit trail as operators and scripts see them.
import type { Store, Message } from '../store/store.ts';
import type { AddressFact } from '../model/facts.ts';
import { CliError } from './cli-error.ts';
import { attachmentDetails } from '../attachments/details.ts';
import { tenantOption, withStore, tenantClock } from './context.ts';
import { listQueue } from '../delivery/queue-control.ts';
import { MESSAGE_STATES, parseMessageState } from '../store/schema/message-state.ts';
import { parseDuration } from '../util/duration.ts';
import { eventFacts } from '../audit/event-words.ts';
import { serverWords } from '../audit/catalogue.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';

/** --since: an ISO date/time, or a duration back from now ("2h", "3d"). */
function parseSince(text: string): number {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$/.test(text.trim())) return Date.now() - parseDuration(text, '--since');
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new CliError(`--since: "${text}" is neither a date (2026-04-01T09:00) nor a duration (2h, 3d)`);
  return t;
}

export function messageSummary(m: Message) {
  return {
    id: m.id,
    tenantId: m.tenant_id,
    direction: m.direction,
    state: m.state,
    messageId: m.message_id,
    subject: m.subject,
    from: m.header_from,
    mailFrom: m.mail_from,
    recipients: m.recipients,
    size: m.size,
    createdAt: new Date(m.created_at).toISOString(),
    dueAt: m.due_at ? new Date(m.due_at).toISOString() : null,
    attempts: m.attempts,
    lastError: m.last_error,
  };
}

export async function messageListCommand(opts: {
  tenant?: string;
  state?: string;
  json?: boolean;
  limit?: string;
  direction?: string;
  since?: string;
  recipient?: string;
}): Promise<void> {
  const limit = opts.limit ? Number(opts.limit) : 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError('--limit must be a number from 1 to 10000');
  if (opts.direction && opts.direction !== 'outbound' && opts.direction !== 'inbound')
    throw new CliError('--direction must be outbound or inbound');
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  const state = opts.state === undefined ? undefined : parseMessageState(opts.state);
  if (state === null) throw new CliError(`--state must be one of: ${MESSAGE_STATES.join(', ')}`);
  await withStore(async (store) => {
    const rows = await listQueue(store, await tenantOption(store, opts.tenant), {
      state,
      limit,
      direction: opts.direction as 'outbound' | 'inbound' | undefined,
      since,
      recipient: opts.recipient,
    });
    if (opts.json) {
      process.stdout.write(JSON.stringify(rows.map(messageSummary)) + '\n');
      return;
    }
    const clock = await tenantClock(store);
    for (const m of rows) {
      process.stdout.write(
        `${m.id}  ${m.state.padEnd(17)} ${clock(m.created_at, m.tenant_id)}  ${m.header_from || m.mail_from}  → ` +
          ` ${m.recipients.join(', ')}  ${m.subject}\n`,
      );
    }
  });
}

export async function messageShowCommand(id: string, opts: { json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    // The operator's view adds what attachment protection did: the ZIP password, download links.
    const detail = { ...(await messageDetail(store, id)), ...(await attachmentDetails(store, id)) };
    if (opts.json) {
      process.stdout.write(JSON.stringify(detail) + '\n');
      return;
    }
    const { events, recipients, attachments, downloads, ...fields } = detail;
    // people read times in the tenant's zone; --json keeps UTC
    const clock = await tenantClock(store);
    const at = (iso: string | null) => (iso ? clock(Date.parse(iso), detail.tenantId) : null);
    const rest = { ...fields, createdAt: at(fields.createdAt), dueAt: at(fields.dueAt) };
    for (const [k, v] of Object.entries(rest)) process.stdout.write(`${k.padEnd(11)} ${Array.isArray(v) ? v.join(', ') : (v ?? '')}\n`);
    for (const a of attachments) process.stdout.write(`attachment  ${a.filename} (${a.contentType}, ${a.size} bytes)\n`);
    for (const d of downloads ?? [])
      process.stdout.write(`download    ${d.recipient}  ${d.count} time(s)${d.lastAt ? `, last ${at(d.lastAt)}` : ''}\n`);
    process.stdout.write('recipients:\n');
    for (const r of recipients) process.stdout.write(`  ${r.address}  ${r.state}  ${r.lastResponse ?? ''}\n`);
    process.stdout.write('events:\n');
    // the CLI speaks English: skipped actions (policy.matched) are codes, worded from the catalogue
    const en = serverWords('en');
    for (const e of events) {
      const { skipped, ...data } = (e.data ?? {}) as Record<string, unknown>;
      process.stdout.write(`  ${at(e.at)}  ${e.type.padEnd(12)} ${e.actor}  ${JSON.stringify(data)}\n`);
      for (const f of eventFacts(en, { skipped })) process.stdout.write(`    ${f.label}: ${f.value}\n`);
    }
  });
}

function formatAddress(a: AddressFact): string {
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

export async function messageDetail(store: Store, id: string) {
  const m = await store.message(id, ALL_TENANTS);
  if (!m) throw new CliError(`no message with id ${id}`);
  const events = await store.events(id);
  const recipients = await store.recipients(id);
  const facts = m.facts;
  return {
    ...messageSummary(m),
    fromName: facts.from?.name ?? '',
    // the retention purge removed the body and attachments; the row and its trail remain
    bodyPurged: m.body_purged_at === null ? '' : `removed after its retention period, ${new Date(Number(m.body_purged_at)).toISOString()}`,
    to: (facts.to ?? []).map(formatAddress),
    cc: (facts.cc ?? []).map(formatAddress),
    attachments: (facts.attachments ?? [])
      .filter((a) => !a.inline)
      .map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
    recipients: recipients.map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, lastResponse: r.last_response })),
    events: events.map((e) => ({ at: new Date(e.at).toISOString(), actor: e.actor, type: e.type, data: JSON.parse(e.data) as unknown })),
  };
}
