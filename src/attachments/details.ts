// The attachment-protection facts `sekisho message show` (and the console) add to a message:
// the ZIP password used, and per recipient the download link's token, count and last download.
// Both are kept sealed (src/secrets) and opened here for the people allowed to see them.
import type { Store } from '../store/store.ts';
import { attachmentsDb } from './plan-actions.ts';
import type { DownloadLinkTable } from './tables.ts';

export interface AttachmentDetails {
  zipPassword?: string;
  downloads?: Array<{
    recipient: string;
    token: string;
    count: number;
    lastAt: string | null;
    lastIp: string | null;
    lastUserAgent: string | null;
  }>;
}

export async function attachmentDetails(store: Store, messageId: string): Promise<AttachmentDetails> {
  const db = attachmentsDb(store);
  const protection = await db.selectFrom('attachment_protection').selectAll().where('message_id', '=', messageId).executeTakeFirst();
  const out: AttachmentDetails = {};
  if (protection?.kind === 'zip' && protection.zip_password) out.zipPassword = store.secrets.open('zip-password', protection.zip_password);
  if (protection?.kind === 'download') {
    const links = await db.selectFrom('download_links').selectAll().where('message_id', '=', messageId).orderBy('recipient').execute();
    out.downloads = links.map((l) => ({
      recipient: l.recipient,
      token: linkToken(store, l),
      count: l.download_count,
      lastAt: l.last_download_at === null ? null : new Date(l.last_download_at).toISOString(),
      lastIp: l.last_ip,
      lastUserAgent: l.last_user_agent,
    }));
  }
  return out;
}

/** The link's token for the sender and admins to see (kept sealed; '' for a link without one). */
export function linkToken(store: Store, link: Pick<DownloadLinkTable, 'token_sealed'>): string {
  return link.token_sealed ? store.secrets.open('download-token', link.token_sealed) : '';
}
