// zipEncrypt at delivery time: every attachment into one AES-256 or ZipCrypto ZIP with a strong
// generated password. The password is generated once per message and kept sealed (table
// attachment_protection, src/secrets), so a retried delivery re-encrypts with the same password
// and the sender and admin can read it (`message show`, console). The audit event
// "attachments.zipped" records the ZIP but not the password: audit exports must not carry it.
// The password mail itself is queued later by password-mail.ts, once the ZIP mail is delivered.
import type { Store, Message } from '../store/store.ts';
import type { PreparedCopy } from '../pipeline/pipeline.ts';
import { encryptAttachments, generatePassword } from '../mime/rewrite/index.ts';
import { attachmentsDb, type ZipAction } from './plan-actions.ts';

export interface ZipDetails {
  method: 'aes256' | 'zipcrypto';
  filenameCharset: 'utf8' | 'cp932';
  passwordTo: 'sender' | 'recipients';
  language: 'ja' | 'en' | 'both';
  zipName: string;
  files: string[];
  rule: string;
}

export async function prepareZip(
  store: Store,
  message: Message,
  raw: Buffer,
  recipients: string[],
  action: ZipAction,
  language: 'ja' | 'en' | 'both',
): Promise<PreparedCopy[] | null> {
  const db = attachmentsDb(store);
  const existing = await db.selectFrom('attachment_protection').selectAll().where('message_id', '=', message.id).executeTakeFirst();
  if (existing?.kind === 'none') return null;
  const password = existing?.zip_password ? store.secrets.open('zip-password', existing.zip_password) : generatePassword(16);
  const result = await encryptAttachments(raw, { method: action.method, password, filenameCharset: action.filenameCharset });
  if (result.skipped) {
    result.stream.destroy();
    if (!existing) {
      // Only inline images (or nothing) to protect: the message goes as it is, and the audit says why.
      await db
        .insertInto('attachment_protection')
        .values({
          message_id: message.id,
          tenant_id: message.tenant_id,
          kind: 'none',
          zip_password: null,
          details: JSON.stringify({ reason: 'no-attachments' }),
          password_mail: null,
          created_at: Date.now(),
        })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .execute();
      await store.appendEvent({
        tenantId: message.tenant_id,
        messageId: message.id,
        actor: 'system',
        type: 'attachments.zip.skipped',
        data: { rule: action.rule, reason: 'no attachments to encrypt (inline images stay as they are)' },
      });
    }
    return null;
  }
  if (!existing) {
    const details: ZipDetails = {
      method: action.method,
      filenameCharset: action.filenameCharset,
      passwordTo: action.passwordTo,
      language,
      zipName: result.zipName,
      files: result.zipped.map((f) => f.filename),
      rule: action.rule,
    };
    const inserted = await db
      .insertInto('attachment_protection')
      .values({
        message_id: message.id,
        tenant_id: message.tenant_id,
        kind: 'zip',
        zip_password: store.secrets.seal('zip-password', password),
        details: JSON.stringify(details),
        password_mail: 'pending',
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 1n) === 0) {
      // another copy of the same message got here first: use its password
      result.stream.destroy();
      return prepareZip(store, message, raw, recipients, action, language);
    }
    await store.appendEvent({
      tenantId: message.tenant_id,
      messageId: message.id,
      actor: 'system',
      type: 'attachments.zipped',
      data: {
        rule: action.rule,
        method: action.method,
        zipName: result.zipName,
        files: details.files,
        zipSize: result.zipSize,
        passwordTo: action.passwordTo,
      },
    });
  }
  return [{ recipients, raw: result.stream }];
}
