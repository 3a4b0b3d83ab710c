// The ZIP password mail (パスワード通知メール), sent separately and only AFTER the ZIP mail: a
// periodic sweep looks for protected messages whose password mail is pending and whose ZIP mail
// has reached a final state. Delivered → the password goes to the sender or to the recipients
// that received the ZIP (never to internal ones who got the original, under applyTo: external); bounced/cancelled → nothing to
// unlock, skipped. Claiming the row with a
// conditional UPDATE first makes the sweep safe on many nodes: each password mail is queued once.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { FINAL_MESSAGE_STATES } from '../store/message-state.ts';
import { composeNotice, enqueueSystemMessage } from '../queue/system-mail.ts';
import { zipPasswordNotice } from '../mime/notice-text.ts';
import { attachmentsDb, attachmentTreatment, protectedRecipients } from './plan-actions.ts';
import type { ZipDetails } from './zip-prepare.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';

export async function sendDuePasswordMails(store: Store, hostname: string, logger: Logger): Promise<number> {
  const db = attachmentsDb(store);
  const due = await db
    .selectFrom('attachment_protection as p')
    .innerJoin('messages as m', 'm.id', 'p.message_id')
    .select([
      'p.message_id',
      'p.zip_password',
      'p.details',
      'm.state',
      'm.mail_from',
      'm.header_from',
      'm.subject',
      'm.created_at',
      'm.tenant_id',
      'm.plan',
      'm.direction',
    ])
    .where('p.password_mail', '=', 'pending')
    .where('m.state', 'in', FINAL_MESSAGE_STATES)
    .limit(50)
    .execute();
  let sent = 0;
  for (const row of due) {
    const delivered = row.state === 'delivered';
    const claimed = await db
      .updateTable('attachment_protection')
      .set({ password_mail: delivered ? 'sent' : 'skipped' })
      .where('message_id', '=', row.message_id)
      .where('password_mail', '=', 'pending')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue; // another node took it
    if (!delivered) {
      await store.appendEvent({
        tenantId: row.tenant_id,
        messageId: row.message_id,
        actor: 'system',
        type: 'attachments.password.skipped',
        data: { reason: `the ZIP mail ended ${row.state}` },
      });
      continue;
    }
    try {
      const details = JSON.parse(row.details) as ZipDetails;
      const to = details.passwordTo === 'recipients' ? await zipRecipients(store, row) : [row.mail_from || row.header_from];
      if (to.length === 0) continue;
      const notice = zipPasswordNotice({
        lang: details.language,
        password: row.zip_password ? store.secrets.open('zip-password', row.zip_password) : '',
        zipName: details.zipName,
        subject: row.subject,
        sentAt: new Date(row.created_at),
        files: details.files,
        timeZone: await timeZoneOfTenant(store, row.tenant_id),
      });
      const raw = await composeNotice(
        { from: row.header_from || row.mail_from, to, subject: notice.subject, text: notice.text, html: notice.html },
        hostname,
      );
      await enqueueSystemMessage(store, { tenantId: row.tenant_id, to, raw, kind: 'zip-password', relatedMessageId: row.message_id });
      sent++;
    } catch (err) {
      logger.error({ err, id: row.message_id }, 'could not queue the ZIP password mail');
    }
  }
  return sent;
}

/** Delivered recipients whose copy carried the ZIP. */
async function zipRecipients(
  store: Store,
  m: { message_id: string; plan: string | null; direction: 'inbound' | 'outbound' },
): Promise<string[]> {
  const delivered = (await store.recipients(m.message_id)).filter((r) => r.state === 'delivered').map((r) => r.address);
  const treatment = attachmentTreatment(m);
  return treatment ? protectedRecipients(treatment, delivered).apply : delivered;
}
