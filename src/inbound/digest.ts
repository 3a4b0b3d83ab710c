// The quarantine digest (隔離通知): one mail per recipient listing their quarantined messages —
// sender, subject, the real reason (ウイルス検出, 迷惑メール スコア 12.3: release-class.ts) — in
// Japanese and English, times in the tenant's zone. Each item has a signed link to /q/TOKEN, a page whose button releases
// (spam, where the tenant allows self-release) or asks an admin to release (解除を依頼: anything
// else); the link alone changes nothing. Digests go through the queue towards the tenant's own
// mail server (the inbound route), like the mail they describe, and never through the inbound checks.
import type { Store } from '../store/store.ts';
import { composeNotice } from '../queue/system-mail.ts';
import { newId } from '../util/id.ts';
import { SYSTEM_SUBMITTER } from '../store/message-search.ts';
import { parseFacts } from '../mime/parse-facts.ts';
import { createReleaseLink, listQuarantine, type QuarantineItem } from './quarantine.ts';
import { getSettings, inboundDb } from './tenant-settings.ts';
import { reasonLabel, selfReleasable } from './release-class.ts';
import { escapeHtml } from '../util/escape-html.ts';
import { formatDate } from '../util/zoned-time.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';

export interface DigestDeps {
  store: Store;
  hostname: string;
  publicUrl: string;
  wake?: () => void;
}

export interface DigestResult {
  /** recipient → number of items listed */
  sent: Array<{ recipient: string; items: number; noticeId: string }>;
}

const LINK_DAYS = 7;

/** When an item arrived, in the tenant's zone, in both languages as the digest is. */
function when(ms: number, timeZone: string): string {
  return `${formatDate('ja', ms, timeZone)} / ${formatDate('en', ms, timeZone)}`;
}

/** Sends every recipient with quarantined mail (received since `since`) their digest. */
export async function sendDigests(
  deps: DigestDeps,
  tenantId: string,
  options: { since?: number; recipient?: string } = {},
): Promise<DigestResult> {
  const { store } = deps;
  const settings = await getSettings(store, tenantId);
  const items = await listQuarantine(store, { tenantId, since: options.since, recipient: options.recipient, limit: 5000 });
  const timeZone = await timeZoneOfTenant(store, tenantId);
  const byRecipient = new Map<string, QuarantineItem[]>();
  for (const item of items) {
    for (const r of item.recipients) {
      if (options.recipient && r !== options.recipient.toLowerCase()) continue;
      byRecipient.set(r, [...(byRecipient.get(r) ?? []), item]);
    }
  }
  const base = deps.publicUrl.replace(/\/+$/, '');
  const sent: DigestResult['sent'] = [];
  for (const [recipient, list] of byRecipient) {
    const expiresAt = Date.now() + LINK_DAYS * 86_400_000;
    // every item gets its page: a release button there, or 解除を依頼 where the recipient may not release
    const links = new Map<string, string>();
    for (const item of list) {
      const until = Math.min(expiresAt, item.purgeAt ?? expiresAt);
      links.set(item.id, `${base}/q/${await createReleaseLink(store, { tenantId, id: item.id }, recipient, until)}`);
    }
    const raw = await composeDigest(deps.hostname, recipient, list, links, settings.selfRelease, timeZone);
    const noticeId = await enqueueToMailbox(store, tenantId, [recipient], raw, { kind: 'quarantine-digest', relatedMessageId: null });
    await store.appendEvent({
      tenantId,
      messageId: null,
      actor: 'system',
      type: 'quarantine.digest',
      data: { recipient, items: list.map((i) => i.id), noticeId },
    });
    sent.push({ recipient, items: list.length, noticeId });
  }
  if (sent.length) deps.wake?.();
  return { sent };
}

async function composeDigest(
  hostname: string,
  recipient: string,
  items: QuarantineItem[],
  links: Map<string, string>,
  selfRelease: boolean,
  timeZone: string,
): Promise<Buffer> {
  const e = escapeHtml;
  const own = (i: QuarantineItem) => selfRelease && selfReleasable(i.releaseClass);
  const why = (i: QuarantineItem) => `${reasonLabel(i, 'ja')} / ${reasonLabel(i, 'en')}`;
  const textItems = items.map((i, n) => {
    const link = links.get(i.id);
    return [
      `${n + 1}. ${when(i.receivedAt, timeZone)}`,
      `   差出人 / From: ${i.from || i.mailFrom || '-'}`,
      `   件名 / Subject: ${i.subject || '-'}`,
      `   理由 / Reason: ${why(i)}`,
      ...(link && own(i) ? [`   配送する / Release: ${link}`] : []),
      ...(link && !own(i) ? [`   解除を依頼 / Ask an admin to release: ${link}`] : []),
      ...(!own(i) && selfRelease ? ['   管理者のみ隔離解除できます / Only an administrator can release this message'] : []),
    ].join('\n');
  });
  const howTo = selfRelease
    ? [
        '必要なメールは、リンク先のページで「配送する」ボタンを押すと受信できます。ウイルスや危険な添付ファイルなど管理者のみ解除できるメールは、「解除を依頼」で管理者に依頼できます。',
        'To receive a message you need, open its link and press "Release". Mail only an administrator may release (a ' +
          'virus, a dangerous attachment, …) has "Ask an admin to release" instead.',
      ]
    : [
        '必要なメールがある場合は、リンク先のページの「解除を依頼」で管理者に隔離解除を依頼してください。',
        'If you need one of these messages, open its link and press "Ask an admin to release".',
      ];
  const text = [
    `${recipient} 様`,
    '',
    `迷惑メールまたは危険なメールの疑いがあるため、次の ${items.length} 通のメールを隔離しました。`,
    howTo[0],
    '隔離されたメールは保存期間の経過後に自動的に削除されます。',
    '',
    `The following ${items.length} message(s) addressed to you were quarantined as suspected spam or dangerous mail.`,
    howTo[1],
    'Quarantined mail is deleted automatically when the retention period ends.',
    '',
    ...textItems,
    '',
  ].join('\n');
  const rows = items
    .map((i) => {
      const link = links.get(i.id);
      const action = !link
        ? ''
        : own(i)
          ? `<a href="${e(link)}">配送する / Release</a>`
          : `<a href="${e(link)}">解除を依頼 / Ask an admin to release</a>`;
      return (
        `<tr><td>${e(when(i.receivedAt, timeZone))}</td><td>${e(i.from || i.mailFrom || '-')}</td>` +
        `<td>${e(i.subject || '-')}</td><td>${e(why(i))}</td><td>${action}</td></tr>`
      );
    })
    .join('');
  const html =
    `<p>${e(recipient)} 様</p><p>迷惑メールまたは危険なメールの疑いがあるため、次の ${items.length} ` +
    `通のメールを隔離しました。${e(howTo[0]!)}<br>${e(
      `The following ${items.length} message(s) were quarantined as suspected spam or dangerous mail. ${howTo[1]}`,
    )}</p><table border="1" cellpadding="4" style="border-collapse:collapse">` +
    '<tr><th>受信日時 / Received</th><th>差出人 / From</th><th>件名 / Subject</th><th>理由 / Reason</th><th></th></tr>' +
    `${rows}</table>`;
  return composeNotice(
    {
      from: `Sekisho <postmaster@${hostname}>`,
      to: [recipient],
      subject: `【隔離通知】${items.length} 通のメールを隔離しました / Quarantine digest: ${items.length} message(s)`,
      text,
      html,
    },
    hostname,
  );
}

/** Queues a system mail for tenant users' mailboxes: direction inbound, so it takes the tenant's route. */
export async function enqueueToMailbox(
  store: Store,
  tenantId: string,
  recipients: string[],
  raw: Buffer,
  about: { kind: string; relatedMessageId: string | null },
): Promise<string> {
  const id = newId();
  const envelope = { mailFrom: '', recipients: recipients.map((r) => r.toLowerCase()) };
  const facts = await parseFacts(raw, envelope, 'inbound');
  await store.insertMessage({
    id,
    tenantId,
    direction: 'inbound',
    state: 'queued',
    dueAt: Date.now(),
    mailFrom: '',
    recipients: envelope.recipients,
    headerFrom: facts.from?.address ?? '',
    subject: facts.subject,
    messageId: facts.messageId,
    size: raw.length,
    facts,
    plan: { system: about },
    submittedBy: SYSTEM_SUBMITTER,
    body: raw,
    events: [{ actor: 'system', type: 'notice.created', data: about }],
  });
  return id;
}

/** The periodic digest: tenants whose digest_hours have passed since the last one (claimed, so one node sends). */
export async function runDueDigests(deps: DigestDeps): Promise<number> {
  const db = inboundDb(deps.store);
  const now = Date.now();
  const rows = await db
    .selectFrom('inbound_settings')
    .select(['tenant_id', 'digest_hours', 'last_digest_at'])
    .where('digest_hours', '>', 0)
    .execute();
  let count = 0;
  for (const r of rows) {
    const last = r.last_digest_at === null ? 0 : Number(r.last_digest_at);
    const every = Number(r.digest_hours) * 3_600_000;
    if (now - last < every) continue;
    let q = db.updateTable('inbound_settings').set({ last_digest_at: now }).where('tenant_id', '=', r.tenant_id);
    q = r.last_digest_at === null ? q.where('last_digest_at', 'is', null) : q.where('last_digest_at', '=', last);
    const claimed = await q.executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    count += (await sendDigests(deps, r.tenant_id, { since: last || now - every })).sent.length;
  }
  return count;
}
