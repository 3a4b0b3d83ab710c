// What senders and admins do with web-download files after sending (service functions the CLI,
// API and console call): see who downloaded what, withdraw a file or all of a message's files
// (the blob is deleted at once; the page then says 取り下げ), move the expiry, and the retention
// purge of expired files. Every change is audited. Deleting is idempotent, so the purge is safe
// to run on every node at once.
import type { Store } from '../store/store.ts';
import type { TenantScope } from '../store/tenant-scope.ts';
import type { BlobStore } from '../blob/blob-store.ts';
import { linkToken } from './details.ts';
import { attachmentsDb } from './plan-actions.ts';
import { ServiceError } from '../util/service-error.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface DownloadStatus {
  messageId: string;
  files: Array<{
    index: number;
    filename: string;
    size: number;
    sha256: string;
    expiresAt: string;
    withdrawnAt: string | null;
    purgedAt: string | null;
    state: 'available' | 'expired' | 'withdrawn';
  }>;
  recipients: Array<{
    recipient: string;
    token: string;
    count: number;
    lastAt: string | null;
    lastIp: string | null;
    lastUserAgent: string | null;
    maxDownloads: number | null;
    passcode: boolean;
  }>;
  downloads: Array<{ recipient: string; file: number | 'all'; at: string; ip: string; userAgent: string }>;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

async function requireMessage(store: Store, scope: TenantScope, messageId: string) {
  const m = await store.message(messageId, scope);
  if (!m) throw new ServiceError('bad_request', `no message with id ${messageId}`);
  const files = await attachmentsDb(store)
    .selectFrom('download_files')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('idx')
    .execute();
  if (files.length === 0) throw new ServiceError('bad_request', `message ${messageId} has no download files`);
  return { message: m, files };
}

export async function downloadStatus(
  store: Store,
  scope: TenantScope,
  messageId: string,
  opts: { now?: number } = {},
): Promise<DownloadStatus> {
  const now = opts.now ?? Date.now();
  const { files } = await requireMessage(store, scope, messageId);
  const db = attachmentsDb(store);
  const links = await db.selectFrom('download_links').selectAll().where('message_id', '=', messageId).orderBy('recipient').execute();
  const events = await db.selectFrom('download_events').selectAll().where('message_id', '=', messageId).orderBy('id').execute();
  const recipientOf = new Map(links.map((l) => [l.token_hash, l.recipient]));
  return {
    messageId,
    files: files.map((f) => ({
      index: f.idx,
      filename: f.filename,
      size: Number(f.size),
      sha256: f.sha256,
      expiresAt: iso(f.expires_at)!,
      withdrawnAt: iso(f.withdrawn_at),
      purgedAt: iso(f.purged_at),
      state: f.withdrawn_at !== null ? 'withdrawn' : f.expires_at <= now ? 'expired' : 'available',
    })),
    recipients: links.map((l) => ({
      recipient: l.recipient,
      token: linkToken(store, l),
      count: l.download_count,
      lastAt: iso(l.last_download_at),
      lastIp: l.last_ip,
      lastUserAgent: l.last_user_agent,
      maxDownloads: l.max_downloads,
      passcode: l.passcode === 1,
    })),
    downloads: events.map((e) => ({
      recipient: recipientOf.get(e.token_hash) ?? '',
      file: e.idx === 0 ? 'all' : e.idx,
      at: iso(e.at)!,
      ip: e.ip,
      userAgent: e.user_agent,
    })),
  };
}

/** Withdraws one file (1-based index) or all files of a message; returns the files withdrawn now. */
export async function withdrawFiles(
  store: Store,
  blobs: BlobStore,
  scope: TenantScope,
  messageId: string,
  opts: { file?: number; actor: string },
): Promise<number> {
  const { message, files } = await requireMessage(store, scope, messageId);
  if (opts.file !== undefined && !files.some((f) => f.idx === opts.file)) {
    throw new ServiceError('bad_request', `message ${messageId} has no file ${opts.file} (files 1–${files.length})`);
  }
  const db = attachmentsDb(store);
  let n = 0;
  for (const f of files) {
    if (opts.file !== undefined && f.idx !== opts.file) continue;
    if (f.withdrawn_at !== null) continue;
    const now = Date.now();
    const res = await db
      .updateTable('download_files')
      .set({ withdrawn_at: now })
      .where('message_id', '=', messageId)
      .where('idx', '=', f.idx)
      .where('withdrawn_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) continue;
    await blobs.delete(f.blob_key);
    await db
      .updateTable('download_files')
      .set({ purged_at: Date.now() })
      .where('message_id', '=', messageId)
      .where('idx', '=', f.idx)
      .execute();
    await store.appendEvent({
      tenantId: message.tenant_id,
      messageId,
      actor: opts.actor,
      type: 'download.withdrawn',
      data: { file: f.idx, filename: f.filename },
    });
    n++;
  }
  return n;
}

/** Sets the expiry of a message's files to `days` days from now (0 = expire now; max 365). */
export async function setDownloadExpiry(
  store: Store,
  scope: TenantScope,
  messageId: string,
  days: number,
  opts: { actor: string; now?: number },
): Promise<Date> {
  if (!Number.isFinite(days) || days < 0 || days > 365) throw new ServiceError('bad_request', 'days must be a number from 0 to 365');
  const { message, files } = await requireMessage(store, scope, messageId);
  if (files.every((f) => f.purged_at !== null))
    throw new ServiceError('bad_request', `the files of message ${messageId} are already deleted`);
  const expiresAt = (opts.now ?? Date.now()) + Math.round(days * DAY_MS);
  await attachmentsDb(store)
    .updateTable('download_files')
    .set({ expires_at: expiresAt })
    .where('message_id', '=', messageId)
    .where('purged_at', 'is', null)
    .execute();
  await store.appendEvent({
    tenantId: message.tenant_id,
    messageId,
    actor: opts.actor,
    type: 'download.expiry',
    data: { days, expiresAt: new Date(expiresAt).toISOString() },
  });
  return new Date(expiresAt);
}

/** Retention: deletes the blobs of expired files. Safe to run on every node at the same time. */
export async function purgeExpired(store: Store, blobs: BlobStore, now = Date.now()): Promise<number> {
  const db = attachmentsDb(store);
  // withdrawn-but-not-purged rows are a withdrawal interrupted by a crash: finish it here
  const due = await db
    .selectFrom('download_files')
    .selectAll()
    .where('purged_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('withdrawn_at', 'is not', null)]))
    .limit(200)
    .execute();
  let n = 0;
  for (const f of due) {
    // Claim first (still expired, not yet purged), then delete: an expiry extended in between
    // wins, and of several nodes only one claims the row. A crash after the claim leaves an
    // orphan blob at worst, never a row that promises a file that is gone.
    const res = await db
      .updateTable('download_files')
      .set({ purged_at: Date.now() })
      .where('message_id', '=', f.message_id)
      .where('idx', '=', f.idx)
      .where('purged_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('withdrawn_at', 'is not', null)]))
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) continue;
    await blobs.delete(f.blob_key);
    await store.appendEvent({
      tenantId: f.tenant_id,
      messageId: f.message_id,
      actor: 'system',
      type: 'download.purged',
      data: { file: f.idx, filename: f.filename, reason: f.withdrawn_at !== null ? 'withdrawn' : 'expired' },
    });
    n++;
  }
  return n;
}
