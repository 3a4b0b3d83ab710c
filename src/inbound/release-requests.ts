// 解除を依頼 / "Ask an admin to release": a recipient who may not release quarantined mail
// themselves (a virus, a dangerous attachment, phishing, uninspected mail; or self-release off)
// asks the tenant's admins, who get a notice mail and see the request in the console; an admin
// releases it (the requester's copy only) or refuses it (the requester gets a notice). One request
// per message and recipient; every step is an audit event on the message.
import type { Store } from '../store/store.ts';
import { composeNotice } from '../queue/system-mail.ts';
import { newId } from '../util/id.ts';
import { heldFor, inboundStateOf, releaseForRecipient } from './quarantine.ts';
import { ServiceError } from '../util/service-error.ts';
import { reasonInputOf, reasonLabels, type ReleaseClass } from './release-class.ts';
import { inboundDb } from './tenant-settings.ts';
import { enqueueToMailbox } from './digest.ts';
import type { QuarantineRequestTable } from './tables.ts';
import { tenantScope } from '../store/tenant-scope.ts';

export interface RequestDeps {
  store: Store;
  hostname: string;
  /** where the console is, for the link in the admins' notice */
  publicUrl: string;
  wake?: () => void;
}

export interface ReleaseRequest {
  id: string;
  messageId: string;
  recipient: string;
  requestedAt: number;
  state: QuarantineRequestTable['state'];
  decidedBy: string | null;
  decidedAt: number | null;
  note: string | null;
}

/** A request as an admin's list shows it: with the mail it is about and why that was quarantined. */
export interface ReleaseRequestItem extends ReleaseRequest {
  subject: string;
  from: string;
  receivedAt: number;
  releaseClass: ReleaseClass;
  reasonLabel: { ja: string; en: string };
}

function toRequest(r: QuarantineRequestTable): ReleaseRequest {
  return {
    id: r.id,
    messageId: r.message_id,
    recipient: r.recipient,
    requestedAt: Number(r.requested_at),
    state: r.state,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    note: r.note,
  };
}

export async function requestOf(store: Store, tenantId: string, messageId: string, recipient: string): Promise<ReleaseRequest | null> {
  const row = await inboundDb(store)
    .selectFrom('quarantine_requests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('message_id', '=', messageId)
    .where('recipient', '=', recipient.toLowerCase())
    .executeTakeFirst();
  return row ? toRequest(row) : null;
}

/**
 * Stores the recipient's request and mails the tenant's admins. Asking twice changes nothing
 * (`created: false` with the request as it stands, refused ones included).
 */
export async function requestRelease(
  deps: RequestDeps,
  tenantId: string,
  messageId: string,
  recipient: string,
  actor: string,
): Promise<{ request: ReleaseRequest; created: boolean }> {
  const { store } = deps;
  const who = recipient.toLowerCase();
  const m = await store.message(messageId, tenantScope(tenantId));
  if (m?.direction !== 'inbound') throw new ServiceError('not_found', `no inbound message ${messageId} in this tenant`);
  if (!(await heldFor(store, m, who))) throw new ServiceError('wrong_state', `message ${messageId} is no longer quarantined for ${who}`);
  const now = Date.now();
  const id = newId(now);
  const inserted = await inboundDb(store)
    .insertInto('quarantine_requests')
    .values({
      id,
      tenant_id: tenantId,
      message_id: messageId,
      recipient: who,
      requested_at: now,
      state: 'pending',
      decided_by: null,
      decided_at: null,
      note: null,
    })
    .onConflict((oc) => oc.columns(['message_id', 'recipient']).doNothing())
    .executeTakeFirst();
  const request = (await requestOf(store, tenantId, messageId, who))!;
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) !== 1) return { request, created: false };
  const reason = reasonInputOf(inboundStateOf(m));
  const admins = await tenantAdmins(store, tenantId);
  const noticeId = admins.length
    ? await enqueueToMailbox(
        store,
        tenantId,
        admins,
        await composeRequestNotice(deps, admins, who, m.subject, m.header_from || m.mail_from, reasonLabels(reason)),
        {
          kind: 'quarantine-request',
          relatedMessageId: messageId,
        },
      )
    : null;
  await store.appendEvent({
    tenantId,
    messageId,
    actor,
    type: 'quarantine.release_requested',
    data: { request: id, recipient: who, releaseClass: reason.releaseClass, notified: admins, noticeId },
  });
  deps.wake?.();
  return { request, created: true };
}

async function tenantAdmins(store: Store, tenantId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('users')
    .select('email')
    .where('tenant_id', '=', tenantId)
    .where('role', '=', 'admin')
    .orderBy('email')
    .execute();
  return rows.map((r) => r.email.toLowerCase());
}

async function composeRequestNotice(
  deps: RequestDeps,
  admins: string[],
  recipient: string,
  subject: string,
  from: string,
  why: { ja: string; en: string },
): Promise<Buffer> {
  const link = `${deps.publicUrl.replace(/\/+$/, '')}/console/#quarantine`;
  const text = [
    `${recipient} さんから、隔離されたメールの解除依頼が届きました。`,
    '',
    `  差出人: ${from || '-'}`,
    `  件名: ${subject || '-'}`,
    `  隔離の理由: ${why.ja}`,
    '',
    `コンソールの「隔離」画面で内容を確認し、解除または却下してください: ${link}`,
    '解除すると、このメールは依頼者だけに配送されます。却下すると依頼者に通知されます。',
    '',
    `${recipient} asked for a quarantined message to be released.`,
    '',
    `  From: ${from || '-'}`,
    `  Subject: ${subject || '-'}`,
    `  Quarantined for: ${why.en}`,
    '',
    `Check it on the console's Quarantine page and release or refuse it: ${link}`,
    'A release delivers it to the requester only; a refusal is mailed to the requester.',
    '',
  ].join('\n');
  return composeNotice(
    {
      from: `Sekisho <postmaster@${deps.hostname}>`,
      to: admins,
      subject: `【隔離解除の依頼】${subject || '(件名なし)'} / Release request`,
      text,
    },
    deps.hostname,
  );
}

/** The tenant's pending requests whose mail is still quarantined for the requester, oldest first. */
export async function listReleaseRequests(store: Store, tenantId: string): Promise<ReleaseRequestItem[]> {
  const rows = await inboundDb(store)
    .selectFrom('quarantine_requests')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('state', '=', 'pending')
    .orderBy('requested_at')
    .limit(500)
    .execute();
  const items: ReleaseRequestItem[] = [];
  for (const r of rows) {
    const m = await store.message(r.message_id, tenantScope(tenantId));
    // released for everyone, deleted or purged since: nothing left to decide
    if (!m || !(await heldFor(store, m, r.recipient))) continue;
    const reason = reasonInputOf(inboundStateOf(m));
    items.push({
      ...toRequest(r),
      subject: m.subject,
      from: m.header_from || m.mail_from,
      receivedAt: Number(m.created_at),
      releaseClass: reason.releaseClass,
      reasonLabel: reasonLabels(reason),
    });
  }
  return items;
}

/**
 * An admin's answer. `release` delivers the requester's copy (others who got the mail stay
 * protected); `refuse` keeps it quarantined and mails the requester, with the admin's note.
 * The request is claimed first, so two admins answering at once decide it once.
 */
export async function decideReleaseRequest(
  deps: RequestDeps,
  tenantId: string,
  requestId: string,
  decision: 'release' | 'refuse',
  admin: string,
  note?: string,
): Promise<ReleaseRequest> {
  const { store } = deps;
  const db = inboundDb(store);
  const row = await db
    .selectFrom('quarantine_requests')
    .selectAll()
    .where('id', '=', requestId)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) throw new ServiceError('not_found', `no release request ${requestId} in this tenant`);
  const now = Date.now();
  const claimed = await db
    .updateTable('quarantine_requests')
    .set({ state: decision === 'release' ? 'released' : 'refused', decided_by: admin, decided_at: now, note: note?.trim() || null })
    .where('id', '=', requestId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw new ServiceError('wrong_state', `release request ${requestId} was already ${row.state}`);
  const m = await store.message(row.message_id, tenantScope(tenantId));
  if (decision === 'release') {
    try {
      await releaseForRecipient(store, tenantId, row.message_id, row.recipient, admin, deps.wake);
    } catch (err) {
      // not released after all (purged, busy): the request stays open for another try
      await db
        .updateTable('quarantine_requests')
        .set({ state: 'pending', decided_by: null, decided_at: null, note: null })
        .where('id', '=', requestId)
        .execute();
      throw err;
    }
  } else if (m) {
    const why = reasonLabels(reasonInputOf(inboundStateOf(m)));
    const raw = await composeRefusalNotice(
      deps.hostname,
      row.recipient,
      m.subject,
      m.header_from || m.mail_from,
      why,
      note?.trim() || null,
    );
    await enqueueToMailbox(store, tenantId, [row.recipient], raw, { kind: 'quarantine-request-refused', relatedMessageId: row.message_id });
    deps.wake?.();
  }
  await store.appendEvent({
    tenantId,
    messageId: row.message_id,
    actor: admin,
    type: decision === 'release' ? 'quarantine.request_released' : 'quarantine.request_refused',
    data: { request: requestId, recipient: row.recipient, ...(note?.trim() ? { note: note.trim() } : {}) },
  });
  return (await requestOf(store, tenantId, row.message_id, row.recipient))!;
}

async function composeRefusalNotice(
  hostname: string,
  recipient: string,
  subject: string,
  from: string,
  why: { ja: string; en: string },
  note: string | null,
): Promise<Buffer> {
  const text = [
    `${recipient} 様`,
    '',
    'ご依頼の隔離解除は、管理者により却下されました。このメールは配送されず、保存期間の経過後に削除されます。',
    '',
    `  差出人: ${from || '-'}`,
    `  件名: ${subject || '-'}`,
    `  隔離の理由: ${why.ja}`,
    ...(note ? [`  管理者からのコメント: ${note}`] : []),
    '',
    'Your request to release a quarantined message was refused by an administrator. It will not be delivered and is ' +
      'deleted when the retention period ends.',
    '',
    `  From: ${from || '-'}`,
    `  Subject: ${subject || '-'}`,
    `  Quarantined for: ${why.en}`,
    ...(note ? [`  Administrator's note: ${note}`] : []),
    '',
  ].join('\n');
  return composeNotice(
    {
      from: `Sekisho <postmaster@${hostname}>`,
      to: [recipient],
      subject: `【隔離解除の依頼は却下されました】${subject || '(件名なし)'} / Release request refused`,
      text,
    },
    hostname,
  );
}

/** Words for the recipient about their request, for the /q/ page. */
export function requestStateText(r: ReleaseRequest, lang: 'ja' | 'en'): string {
  if (r.state === 'refused')
    return lang === 'ja' ? '解除の依頼は管理者により却下されました。' : 'Your request was refused by an administrator.';
  if (r.state === 'released') return lang === 'ja' ? '管理者が隔離を解除しました。' : 'An administrator released it.';
  return lang === 'ja'
    ? '解除を依頼済みです。管理者が確認し、解除されるとメールボックスに届きます。却下された場合はメールでお知らせします。'
    : 'You have asked for it. An administrator will check it: if released, it arrives in your mailbox; if refused, you are told by mail.';
}
