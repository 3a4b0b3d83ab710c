// The ZIP password mail (パスワード通知メール), sent separately and only AFTER the ZIP mail: a
// periodic sweep looks for protected messages whose password mail is pending and whose ZIP mail
// has reached a final state. Delivered → the password goes to the sender or to the recipients
// that received the ZIP (never to internal ones who got the original, under applyTo: external); bounced/cancelled → nothing to
// unlock, skipped. Claiming the row with a
// conditional UPDATE first makes the sweep safe on many nodes: each password mail is queued once.
import type { Logger } from 'pino';
import type { Message, Store } from '../store/store.ts';
import { finalMessageIds } from '../store/final-messages.ts';
import { composeNotice, enqueueSystemMessage } from '../queue/system-mail.ts';
import { zipPasswordNotice } from '../mime/notice-text.ts';
import { attachmentsDb, attachmentTreatment, protectedRecipients } from './plan-actions.ts';
import type { ZipDetails } from './zip-prepare.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';
import { ALL_TENANTS } from '../store/tenant-scope.ts';

export async function sendDuePasswordMails(store: Store, hostname: string, logger: Logger): Promise<number> {
  const db = attachmentsDb(store);
  const due = await db
    .selectFrom('attachment_protection')
    .select(['message_id', 'zip_password', 'details'])
    .where('password_mail', '=', 'pending')
    .where('message_id', 'in', finalMessageIds(store.db))
    .limit(50)
    .execute();
  let sent = 0;
  for (const p of due) {
    const m = await store.message(p.message_id, ALL_TENANTS);
    if (!m) continue; // deleted with its tenant since
    const delivered = m.state === 'delivered';
    const claimed = await db
      .updateTable('attachment_protection')
      .set({ password_mail: delivered ? 'sent' : 'skipped' })
      .where('message_id', '=', p.message_id)
      .where('password_mail', '=', 'pending')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue; // another node took it
    if (!delivered) {
      await store.appendEvent({
        tenantId: m.tenant_id,
        messageId: p.message_id,
        actor: 'system',
        type: 'attachments.password.skipped',
        data: { reason: `the ZIP mail ended ${m.state}` },
      });
      continue;
    }
    try {
      const details = JSON.parse(p.details) as ZipDetails;
      const to = details.passwordTo === 'recipients' ? await zipRecipients(store, m) : [m.mail_from || m.header_from];
      if (to.length === 0) continue;
      const notice = zipPasswordNotice({
        lang: details.language,
        password: p.zip_password ? store.secrets.open('zip-password', p.zip_password) : '',
        zipName: details.zipName,
        subject: m.subject,
        sentAt: new Date(m.created_at),
        files: details.files,
        timeZone: await timeZoneOfTenant(store, m.tenant_id),
      });
      const raw = await composeNotice(
        { from: m.header_from || m.mail_from, to, subject: notice.subject, text: notice.text, html: notice.html },
        hostname,
      );
      await enqueueSystemMessage(store, { tenantId: m.tenant_id, to, raw, kind: 'zip-password', relatedMessageId: p.message_id });
      sent++;
    } catch (err) {
      logger.error({ err, id: p.message_id }, 'could not queue the ZIP password mail');
    }
  }
  return sent;
}

/** Delivered recipients whose copy carried the ZIP. */
async function zipRecipients(store: Store, m: Pick<Message, 'id' | 'plan' | 'direction'>): Promise<string[]> {
  const delivered = (await store.recipients(m.id)).filter((r) => r.state === 'delivered').map((r) => r.address);
  const treatment = attachmentTreatment(m);
  return treatment ? protectedRecipients(treatment, delivered).apply : delivered;
}
