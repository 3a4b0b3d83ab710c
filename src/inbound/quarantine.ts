// The quarantine (隔離) service the CLI, the console and the self-release page call: list a
// tenant's quarantined mail, preview one safely (headers and text only, nothing rendered), release
// it (→ queued; delivered once, verbatim: the stored body with our trace headers), delete it,
// purge what is past retention, and the signed per-recipient links of the digest mail. A recipient
// releases their own copy only: it goes out as a message of its own, and the quarantine keeps
// holding the message for the other recipients (releaseForRecipient).
// Every change takes the message's lease first, so a release never races the purge timer.
import type { MessagePlan } from '../plan/plan.ts';
import { endLease, leaseMessage, setPlanUnderLease, type Lease } from '../store/message-lease.ts';
import { insertEvent, type Message, type Store } from '../store/store.ts';
import { hashToken, newId, newToken } from '../util/id.ts';
import { ServiceError } from '../util/service-error.ts';
import { bodyFacts } from '../mime/stored-facts.ts';
import { inboundDb } from './tenant-settings.ts';
import type { InboundPlanState } from '../plan/inbound.ts';
import { adminOnlyMessage, reasonInputOf, reasonLabels, selfReleasable, type ReleaseClass } from './release-class.ts';
import { countQuarantined, quarantinedPlans, quarantinedRows } from '../store/quarantine-query.ts';
import { tenantScope } from '../store/tenant-scope.ts';
import { emptyBodies } from '../store/message-body.ts';

export interface QuarantineItem {
  id: string;
  tenantId: string;
  receivedAt: number;
  from: string;
  mailFrom: string;
  recipients: string[];
  subject: string;
  score: number | null;
  reason: string;
  symbols: Array<{ name: string; score: number; detail?: string }>;
  purgeAt: number | null;
  /** why it is quarantined, as the class that decides who may release it (release-class.ts) */
  releaseClass: ReleaseClass;
  /** the policy rule that quarantined it, when a rule did */
  rule: string | null;
  /** the real reason in words: ウイルス検出 / Virus detected, 迷惑メール スコア 12.3 / Spam score 12.3 */
  reasonLabel: { ja: string; en: string };
  /** only an admin may release it (anything but spam): recipients may ask for it (解除を依頼) */
  adminOnly: boolean;
  /** the From display name, decoded (RFC 2047); '' when it has none */
  fromName: string;
  /** the From address ('' when the header held none) */
  fromAddress: string;
}

export interface QuarantineFilter {
  tenantId: string;
  /** only mail for this recipient (a user's own view, the digest) */
  recipient?: string;
  /** substring of sender or subject */
  search?: string;
  /** only mail with a recipient containing this text (an admin's filter) */
  recipientContains?: string;
  /** only this reason class */
  reason?: ReleaseClass;
  /** received at or after (epoch ms) */
  since?: number;
  /** received before (epoch ms) */
  until?: number;
  /** keyset cursor: only mail older than this id (the previous page's last) */
  beforeId?: string;
  limit?: number;
}

export function inboundStateOf(m: Pick<Message, 'plan'>): InboundPlanState | null {
  return m.plan.inbound ?? null;
}

/** The decoded From of the stored facts (parse-facts.ts decodes RFC 2047 and charsets). */
function fromOf(m: Pick<Message, 'facts' | 'header_from'>): { fromName: string; fromAddress: string } {
  const from = m.facts.from;
  return { fromName: from?.name ?? '', fromAddress: from?.address || m.header_from };
}

function toItem(m: Message): QuarantineItem {
  const s = inboundStateOf(m);
  const releasedFor = new Set((s?.releasedFor ?? []).map((r) => r.recipient));
  const why = reasonInputOf(s);
  return {
    id: m.id,
    tenantId: m.tenant_id,
    receivedAt: Number(m.created_at),
    from: m.header_from,
    ...fromOf(m),
    mailFrom: m.mail_from,
    // those it is still held for: a recipient who released their own copy has it already
    recipients: m.recipients.filter((r) => !releasedFor.has(r.toLowerCase())),
    subject: m.subject,
    score: s?.score ?? null,
    reason: s?.reason ?? '',
    symbols: (s?.symbols ?? [])
      .filter((x) => x.score !== 0)
      .map((x) => ({ name: x.name, score: x.score, ...(x.detail ? { detail: x.detail } : {}) })),
    purgeAt: m.due_at === null ? null : Number(m.due_at),
    releaseClass: why.releaseClass,
    rule: why.rule ?? null,
    reasonLabel: reasonLabels(why),
    adminOnly: !selfReleasable(why.releaseClass),
  };
}

/** The release class of a stored message (release-class.ts). */
export function releaseClassOfMessage(m: Pick<Message, 'plan'>): ReleaseClass {
  return reasonInputOf(inboundStateOf(m)).releaseClass;
}

/** Quarantined for a reason only an admin may release: malware, a dangerous attachment, phishing, unparseable. */
export function adminOnlyRelease(m: Pick<Message, 'plan'>): boolean {
  return !selfReleasable(releaseClassOfMessage(m));
}

/**
 * An admin-only release refused for a recipient (code admin_only): the API answers the reason
 * class and why in both languages (`error`, `errorJa`); the self-release page words it itself.
 */
export function adminOnlyRefusal(releaseClass: ReleaseClass): ServiceError {
  return new ServiceError('admin_only', `only an administrator can release this message. ${adminOnlyMessage(releaseClass, 'en')}`, {
    error: adminOnlyMessage(releaseClass, 'en'),
    releaseClass,
    errorJa: adminOnlyMessage(releaseClass, 'ja'),
  });
}

/** Refuses a recipient's own release of admin-only quarantine. */
export async function assertSelfReleasable(store: Store, tenantId: string, id: string): Promise<void> {
  const m = await store.message(id, tenantScope(tenantId));
  if (m && adminOnlyRelease(m)) throw adminOnlyRefusal(releaseClassOfMessage(m));
}

/** The SQL filters of a quarantine filter (src/store/quarantine-query.ts); the reason class is not one. */
function rowFilter(filter: QuarantineFilter) {
  return {
    tenantId: filter.tenantId,
    heldFor: filter.recipient,
    recipientContains: filter.recipientContains,
    search: filter.search,
    since: filter.since,
    until: filter.until,
  };
}

/** Rows read at a time while looking for mail of one reason class (the class is not a column). */
const CLASS_BATCH = 500;

/**
 * Newest first. The recipient, date and search filters run in the database
 * (src/store/quarantine-query.ts), so a user's own mail is found however much of the tenant's
 * quarantine is newer. The reason class is derived from the stored verdict, so with `reason` the
 * rows are read in batches and classed here until `limit` of that class are found.
 */
export async function listQuarantine(store: Store, filter: QuarantineFilter): Promise<QuarantineItem[]> {
  const limit = filter.limit ?? 100;
  const base = rowFilter(filter);
  if (!filter.reason) return (await quarantinedRows(store.db, { ...base, beforeId: filter.beforeId, limit })).map(toItem);
  const found: QuarantineItem[] = [];
  let beforeId = filter.beforeId;
  for (;;) {
    const rows = await quarantinedRows(store.db, { ...base, beforeId, limit: CLASS_BATCH });
    for (const item of rows.map(toItem)) if (item.releaseClass === filter.reason && found.length < limit) found.push(item);
    if (found.length >= limit || rows.length < CLASS_BATCH) return found;
    beforeId = rows[rows.length - 1]!.id;
  }
}

/**
 * How much mail passes the filter (the list's 全N件), beforeId and limit aside: counted in SQL;
 * with `reason`, the stored plans of the matching rows are classed in batches, as the list does.
 */
export async function countQuarantine(store: Store, filter: Omit<QuarantineFilter, 'beforeId' | 'limit'>): Promise<number> {
  const base = rowFilter(filter);
  if (!filter.reason) return countQuarantined(store.db, base);
  let n = 0;
  let beforeId: string | undefined;
  for (;;) {
    const rows = await quarantinedPlans(store.db, { ...base, beforeId, limit: COUNT_BATCH });
    n += rows.filter((r) => releaseClassOfMessage(r) === filter.reason).length;
    if (rows.length < COUNT_BATCH) return n;
    beforeId = rows[rows.length - 1]!.id;
  }
}

/** Plans read at a time while counting one reason class. */
const COUNT_BATCH = 2000;

/** Why a viewer may not release a message: self-release is off, or only an admin may (release-class.ts); null: they may. */
export type ReleaseRefusal = 'self_release_off' | 'admin_only' | null;

/**
 * The one rule of who may release quarantined mail, for the single and the bulk release and the
 * list's `mayRelease`: admins (and operators) release every class; anyone else only spam, and only
 * where the tenant allows self-release.
 */
export function releaseRefusal(viewer: { isAdmin: boolean }, selfRelease: boolean, cls: ReleaseClass): ReleaseRefusal {
  if (viewer.isAdmin) return null;
  if (!selfRelease) return 'self_release_off';
  return selfReleasable(cls) ? null : 'admin_only';
}

export interface QuarantinePreview extends QuarantineItem {
  headers: Array<{ key: string; value: string }>;
  /** decoded plain text (HTML reduced to text); never HTML, so nothing runs or loads */
  text: string;
  attachments: Array<{ filename: string; contentType: string; size: number }>;
  auth: Record<string, unknown>;
  authDetails: string[];
}

export async function previewQuarantined(store: Store, tenantId: string, id: string): Promise<QuarantinePreview> {
  const m = await store.message(id, tenantScope(tenantId));
  if (m?.direction !== 'inbound') throw new ServiceError('not_found', `no inbound message ${id} in this tenant`);
  const facts = await bodyFacts(store, m);
  const s = inboundStateOf(m);
  return {
    ...toItem(m),
    headers: (facts?.headers ?? []).map((h) => ({ key: h.key, value: h.value.slice(0, 2000) })),
    text: (facts?.text ?? '').slice(0, 64 * 1024),
    attachments: (facts?.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size })),
    auth: { ...(s?.auth ?? {}) },
    authDetails: s?.authDetails ?? [],
  };
}

async function lease(store: Store, tenantId: string, id: string): Promise<Lease> {
  const got = await leaseMessage(store, id, { purpose: 'quarantine', states: ['quarantined'], scope: tenantScope(tenantId) });
  if ('m' in got) return got;
  if (got.refused === 'not_found') throw new ServiceError('not_found', `no message ${id} in this tenant`);
  if (got.refused === 'wrong_state') throw new ServiceError('wrong_state', `message ${id} is ${got.state}, not quarantined`);
  throw new ServiceError('busy', `message ${id} is being processed right now; try again in a moment`);
}

/**
 * Releases quarantined mail for delivery, once, to every recipient it is still held for (not to
 * those who released their own copy); the stored body goes out as it is.
 */
export async function releaseQuarantined(store: Store, tenantId: string, id: string, actor: string, wake?: () => void): Promise<void> {
  const { m, holder } = await lease(store, tenantId, id);
  await release(store, m, holder, actor, {});
  wake?.();
}

async function release(store: Store, m: Message, holder: string, actor: string, data: Record<string, unknown>): Promise<void> {
  const plan = m.plan;
  if (!plan.inbound) throw new ServiceError('wrong_state', `message ${m.id} has no inbound verdict to release from`);
  const inbound = { ...plan.inbound, released: { by: actor, at: Date.now() } };
  const ok = await store.transition(m, holder, {
    state: 'queued',
    dueAt: Date.now(),
    plan: { ...plan, inbound },
    event: { actor, type: 'quarantine.released', data },
  });
  if (!ok) throw new ServiceError('busy', `message ${m.id} is being processed right now; try again in a moment`);
}

/** Whether the quarantine still holds the message for this recipient (not released, deleted or purged). */
export async function heldFor(store: Store, m: Pick<Message, 'id' | 'state'>, recipient: string): Promise<boolean> {
  if (m.state !== 'quarantined') return false;
  const who = recipient.toLowerCase();
  return (await store.recipients(m.id)).some((r) => r.state === 'pending' && r.address.toLowerCase() === who);
}

/**
 * Releases one recipient's copy (self-release): that recipient gets the message, verbatim, as a
 * message of its own; the quarantine keeps holding this one for everyone else. When nobody else is
 * left, the message itself is released. Refused when it is no longer held for that recipient.
 */
export async function releaseForRecipient(
  store: Store,
  tenantId: string,
  id: string,
  recipient: string,
  actor: string,
  wake?: () => void,
): Promise<void> {
  const who = recipient.toLowerCase();
  const { m, holder } = await lease(store, tenantId, id);
  let leased = true;
  try {
    const pending = (await store.recipients(id)).filter((r) => r.state === 'pending');
    const mine = pending.filter((r) => r.address.toLowerCase() === who).map((r) => r.address);
    if (mine.length === 0) throw new ServiceError('wrong_state', `message ${id} is no longer quarantined for ${who}`);
    if (mine.length === pending.length) {
      leased = false; // the transition ends the lease, or leaves it to another holder
      await release(store, m, holder, actor, { recipient: who });
    } else {
      await releaseCopy(store, m, holder, mine, actor);
    }
  } finally {
    if (leased) await unlease(store, id, holder);
  }
  wake?.();
}

/** The split of releaseForRecipient: `mine` get a copy of their own, queued now. */
async function releaseCopy(store: Store, m: Message, holder: string, mine: string[], actor: string): Promise<void> {
  const id = m.id;
  const who = mine[0]!.toLowerCase();
  const body = await store.body(id);
  if (!body) throw new Error(`message ${id} has no stored body`);
  const plan = m.plan;
  const inbound = plan.inbound;
  if (!inbound) throw new ServiceError('wrong_state', `message ${id} has no inbound verdict to release from`);
  const now = Date.now();
  const copyId = newId(now);
  const parentPlan: MessagePlan = {
    ...plan,
    inbound: { ...inbound, releasedFor: [...(inbound.releasedFor ?? []), { recipient: who, by: actor, at: now, messageId: copyId }] },
  };
  await store.insertMessage({
    id: copyId,
    tenantId: m.tenant_id,
    direction: 'inbound',
    state: 'queued',
    dueAt: now,
    mailFrom: m.mail_from,
    recipients: mine,
    headerFrom: m.header_from,
    subject: m.subject,
    messageId: m.message_id,
    size: Number(m.size),
    facts: m.facts,
    plan: { ...plan, inbound: { ...inbound, released: { by: actor, at: now } } },
    submittedBy: m.submitted_by,
    body,
    events: [{ actor, type: 'quarantine.released', data: { recipient: who, from: id } }],
    // in the same transaction: the quarantined message is no longer held for this recipient
    alsoWrite: async (trx) => {
      const marked = await trx
        .updateTable('recipients')
        .set({ state: 'released', last_response: `released to this recipient as ${copyId}`, updated_at: now })
        .where('message_id', '=', id)
        .where('address', 'in', mine)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      const kept = await setPlanUnderLease(trx, id, holder, parentPlan, now);
      if (Number(marked.numUpdatedRows) !== mine.length || !kept) {
        throw new ServiceError('busy', `message ${id} is being processed right now; try again in a moment`);
      }
      const event = {
        tenantId: m.tenant_id,
        messageId: id,
        actor,
        type: 'quarantine.released' as const,
        data: { recipient: who, as: copyId },
      };
      await insertEvent(trx, store.kind, event);
    },
  });
}

async function unlease(store: Store, id: string, holder: string): Promise<void> {
  await endLease(store, id, holder);
}

/** Deletes quarantined mail: state 'deleted' and the stored body dropped. */
export async function deleteQuarantined(store: Store, tenantId: string, id: string, actor: string): Promise<void> {
  const { m, holder } = await lease(store, tenantId, id);
  const ok = await store.transition(m, holder, { state: 'deleted', dueAt: null, event: { actor, type: 'quarantine.deleted', data: {} } });
  if (!ok) throw new ServiceError('busy', `message ${id} is being processed right now; try again in a moment`);
  await dropBody(store, id);
}

/** The retention purge, run by the worker when a quarantined message's due time comes. */
export async function purgeQuarantined(store: Store, m: Message, node: string): Promise<boolean> {
  const ok = await store.transition(m, node, {
    state: 'discarded',
    dueAt: null,
    event: { actor: 'system', type: 'quarantine.purged', data: { reason: 'retention period ended' } },
  });
  if (ok) await dropBody(store, m.id);
  return ok;
}

async function dropBody(store: Store, id: string): Promise<void> {
  // The audit trail and the facts stay; only the content goes (it may be malware or personal data).
  await store.db.transaction().execute((trx) => emptyBodies(trx, [id]));
  await inboundDb(store).deleteFrom('quarantine_links').where('message_id', '=', id).execute();
}

// ---------------------------------------------------------------- signed self-release links

/** Creates a link token for one recipient and one message (≥128 bits; only its hash is kept). */
export async function createReleaseLink(
  store: Store,
  m: { tenantId: string; id: string },
  recipient: string,
  expiresAt: number,
): Promise<string> {
  const token = newToken(24);
  await inboundDb(store)
    .insertInto('quarantine_links')
    .values({
      token_hash: hashToken(token),
      tenant_id: m.tenantId,
      message_id: m.id,
      recipient: recipient.toLowerCase(),
      created_at: Date.now(),
      expires_at: expiresAt,
      used_at: null,
    })
    .execute();
  return token;
}

export interface LinkTarget {
  tenantId: string;
  messageId: string;
  recipient: string;
  expiresAt: number;
  usedAt: number | null;
}

export async function lookupReleaseLink(store: Store, token: string): Promise<LinkTarget | null> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
  const row = await inboundDb(store)
    .selectFrom('quarantine_links')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return null;
  return {
    tenantId: row.tenant_id,
    messageId: row.message_id,
    recipient: row.recipient,
    expiresAt: Number(row.expires_at),
    usedAt: row.used_at === null ? null : Number(row.used_at),
  };
}

/** The recipient's own release through a link (the page's POST): their copy only. */
export async function releaseByLink(
  store: Store,
  token: string,
  selfReleaseAllowed: (tenantId: string) => Promise<boolean>,
  wake?: () => void,
): Promise<LinkTarget> {
  const link = await lookupReleaseLink(store, token);
  if (!link) throw new ServiceError('not_found', 'unknown link');
  if (link.expiresAt < Date.now()) throw new ServiceError('expired', 'this link has expired');
  if (!(await selfReleaseAllowed(link.tenantId)))
    throw new ServiceError('forbidden', 'your organisation does not allow recipients to release quarantined mail');
  await assertSelfReleasable(store, link.tenantId, link.messageId);
  await releaseForRecipient(store, link.tenantId, link.messageId, link.recipient, `recipient:${link.recipient}`, wake);
  await inboundDb(store).updateTable('quarantine_links').set({ used_at: Date.now() }).where('token_hash', '=', hashToken(token)).execute();
  return link;
}
