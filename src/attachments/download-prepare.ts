// webDownload at delivery time: each attachment is streamed ONCE into the blob store (shared by
// every recipient), then each recipient gets a copy without attachments whose text and HTML parts
// carry a notice with that recipient's own link (/d/TOKEN, 160-bit token), so the sender sees who
// downloaded. A retried delivery reuses the stored files and the tokens (kept as a hash to look the
// link up by, and sealed to send it again). The message is read in 64 KiB chunks (reopenable),
// never handed to the MIME splitter as one huge buffer.
import type { Store, Message } from '../store/store.ts';
import type { PreparedCopy } from '../pipeline/pipeline.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import { removeAttachmentsWithNotice, storeAttachments } from '../mime/rewrite/index.ts';
import { reopenable } from '../mime/rewrite/message-source.ts';
import { webDownloadNotice } from '../mime/notice-text.ts';
import { hashToken, newToken } from '../util/id.ts';
import { attachmentsDb, type DownloadAction } from './plan-actions.ts';
import { timeZoneOfTenant } from '../users/tenant-profile.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DownloadDeps {
  store: Store;
  blobs: BlobStore;
  publicUrl: string;
}

export function downloadUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/d/${token}`;
}

export async function prepareDownload(
  deps: DownloadDeps,
  message: Message,
  raw: Buffer,
  recipients: string[],
  action: DownloadAction,
  language: 'ja' | 'en' | 'both',
): Promise<PreparedCopy[] | null> {
  const { store } = deps;
  const db = attachmentsDb(store);
  const existing = await db.selectFrom('attachment_protection').select('kind').where('message_id', '=', message.id).executeTakeFirst();
  if (existing?.kind === 'none') return null;
  if (!existing && !(await storeFiles(deps, message, raw, action, language))) return null;

  const files = await db.selectFrom('download_files').selectAll().where('message_id', '=', message.id).orderBy('idx').execute();
  const listed = files.filter((f) => f.withdrawn_at === null);
  const expiresAt = new Date(Math.max(...files.map((f) => f.expires_at)));
  const copies: PreparedCopy[] = [];
  const timeZone = await timeZoneOfTenant(store, message.tenant_id);
  for (const recipient of recipients) {
    const token = await linkFor(store, message, recipient.toLowerCase(), action);
    const notice = webDownloadNotice({
      lang: language,
      url: downloadUrl(deps.publicUrl, token),
      files: listed.map((f) => ({ filename: f.filename, size: f.size })),
      expiresAt,
      passcode: action.passcode,
      timeZone,
    });
    const { stream } = removeAttachmentsWithNotice((await reopenable(raw)).open(), { notice, position: action.position });
    copies.push({ recipients: [recipient], raw: stream });
  }
  return copies;
}

/** Stores the attachments once; false when there was nothing to store (recorded as a no-op). */
async function storeFiles(deps: DownloadDeps, message: Message, raw: Buffer, action: DownloadAction, language: string): Promise<boolean> {
  const { store } = deps;
  const db = attachmentsDb(store);
  const stored = await storeAttachments((await reopenable(raw)).open(), { blobStore: deps.blobs, keyPrefix: `download/${message.id}/` });
  const now = Date.now();
  if (stored.length === 0) {
    await db
      .insertInto('attachment_protection')
      .values({
        message_id: message.id,
        tenant_id: message.tenant_id,
        kind: 'none',
        zip_password: null,
        details: JSON.stringify({ reason: 'no-attachments' }),
        password_mail: null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .execute();
    await store.appendEvent({
      tenantId: message.tenant_id,
      messageId: message.id,
      actor: 'system',
      type: 'attachments.download.skipped',
      data: { rule: action.rule, reason: 'no attachments to store (inline images stay as they are)' },
    });
    return false;
  }
  const expiresAt = now + action.expiresDays * DAY_MS;
  const details = {
    rule: action.rule,
    position: action.position,
    expiresDays: action.expiresDays,
    maxDownloads: action.maxDownloads ?? null,
    passcode: action.passcode,
    language,
  };
  await db.transaction().execute(async (trx) => {
    const ins = await trx
      .insertInto('attachment_protection')
      .values({
        message_id: message.id,
        tenant_id: message.tenant_id,
        kind: 'download',
        zip_password: null,
        details: JSON.stringify(details),
        password_mail: null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('message_id').doNothing())
      .executeTakeFirst();
    if (Number(ins.numInsertedOrUpdatedRows ?? 1n) === 0) return;
    for (const [i, f] of stored.entries()) {
      await trx
        .insertInto('download_files')
        .values({
          message_id: message.id,
          idx: i + 1,
          tenant_id: message.tenant_id,
          filename: f.filename,
          content_type: f.contentType,
          size: f.size,
          sha256: f.sha256,
          blob_key: f.blobKey,
          expires_at: expiresAt,
          withdrawn_at: null,
          purged_at: null,
          created_at: now,
        })
        .execute();
    }
  });
  await store.appendEvent({
    tenantId: message.tenant_id,
    messageId: message.id,
    actor: 'system',
    type: 'attachments.stored',
    data: {
      rule: action.rule,
      files: stored.map((f, i) => ({ index: i + 1, filename: f.filename, size: f.size, sha256: f.sha256 })),
      expiresAt: new Date(expiresAt).toISOString(),
      maxDownloads: action.maxDownloads ?? null,
      passcode: action.passcode,
    },
  });
  return true;
}

async function linkFor(store: Store, message: Message, recipient: string, action: DownloadAction): Promise<string> {
  const db = attachmentsDb(store);
  const find = async () => {
    const row = await db
      .selectFrom('download_links')
      .select('token_sealed')
      .where('message_id', '=', message.id)
      .where('recipient', '=', recipient)
      .executeTakeFirst();
    return row?.token_sealed ? store.secrets.open('download-token', row.token_sealed) : undefined;
  };
  const found = await find();
  if (found) return found;
  const token = newToken(20);
  await db
    .insertInto('download_links')
    .values({
      token_hash: hashToken(token),
      token_sealed: store.secrets.seal('download-token', token),
      message_id: message.id,
      tenant_id: message.tenant_id,
      recipient,
      max_downloads: action.maxDownloads ?? null,
      passcode: action.passcode ? 1 : 0,
      download_count: 0,
      last_download_at: null,
      last_ip: null,
      last_user_agent: null,
      code_hash: null,
      code_expires_at: null,
      code_attempts: 0,
      code_sent_at: null,
      codes_sent: 0,
      created_at: Date.now(),
    })
    .onConflict((oc) => oc.columns(['message_id', 'recipient']).doNothing())
    .execute();
  return (await find())!;
}
