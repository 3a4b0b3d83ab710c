// `sekisho tenant delete NAME --purge [--yes]`: removes a tenant and everything it holds — mail
// (bodies, recipients, stored attachment files and their blobs, links), users and their console
// sessions, tokens and delegations, domains, policies, DKIM keys, webhooks and settings. The audit trail is
// append-only and stays, with a tenant.deleted event that says what went. Asks for the name again
// unless --yes; without --purge nothing happens (there is no softer delete yet).
import { ask } from './ask.ts';
import { sql, type Kysely } from 'kysely';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { blobStoreFor } from '../blob/blob-store-for.ts';
import type { DB } from '../store/schema/schema.ts';
import { deleteRowsAboutTenantMail, deleteTenantMessages } from '../store/message-retention.ts';

export async function tenantDeleteCommand(name: string, opts: { purge?: boolean; yes?: boolean }): Promise<void> {
  if (!opts.purge) {
    throw new CliError(
      `deleting a tenant removes all its mail, users and settings: say so with --purge (sekisho tenant delete ${name} --purge)`,
    );
  }
  await withStore(async (store, config) => {
    const tenant = await requireTenant(store, name);
    if (
      !opts.yes &&
      (await ask(`This deletes tenant "${name}" with all its mail, users and settings. Type its name to confirm: `)) !== name
    ) {
      throw new CliError('the name did not match; nothing was deleted');
    }
    const blobs = blobStoreFor(config, store);
    const files = await sql<{ blob_key: string }>`SELECT blob_key FROM download_files WHERE tenant_id = ${tenant.id}`.execute(store.db);
    for (const f of files.rows) await blobs.delete(f.blob_key).catch(() => {}); // already purged ones are gone
    const counts = await store.db.transaction().execute((trx) => purgeTenantRows(trx, tenant.id));
    store.directory.forget();
    await store.appendEvent({ tenantId: tenant.id, messageId: null, actor: 'cli', type: 'tenant.deleted', data: { name, ...counts } });
    process.stdout.write(`tenant ${name} deleted: ${counts.messages} messages, ${counts.users} users, ${counts.domains} domains\n`);
  });
}

/** Every row of the tenant, children first; events stay (append-only). */
async function purgeTenantRows(trx: Kysely<DB>, tenantId: string) {
  const run = async (query: ReturnType<typeof sql>) => Number((await query.execute(trx)).numAffectedRows ?? 0);
  const ofTenantUsers = sql`SELECT email FROM users WHERE tenant_id = ${tenantId}`;
  await deleteRowsAboutTenantMail(trx, 'download_events', tenantId);
  for (const table of [
    'download_links',
    'download_files',
    'attachment_protection',
    'quarantine_links',
    'quarantine_requests',
    'outbound_links',
  ]) {
    await run(sql`DELETE FROM ${sql.table(table)} WHERE tenant_id = ${tenantId}`);
  }
  const messages = await deleteTenantMessages(trx, tenantId);
  for (const table of ['console_sessions', 'console_api_tokens', 'console_totp', 'console_backup_codes']) {
    await run(sql`DELETE FROM ${sql.table(table)} WHERE email IN (${ofTenantUsers})`);
  }
  await run(sql`DELETE FROM login_addresses WHERE account IN (${ofTenantUsers})`);
  await run(sql`DELETE FROM user_send_as WHERE user_id IN (SELECT id FROM users WHERE tenant_id = ${tenantId})`);
  const users = await run(sql`DELETE FROM users WHERE tenant_id = ${tenantId}`);
  for (const table of ['inbound_settings', 'contacts', 'dkim_keys', 'policies', 'webhook_deliveries', 'webhooks']) {
    await run(sql`DELETE FROM ${sql.table(table)} WHERE tenant_id = ${tenantId}`);
  }
  const domains = await run(sql`DELETE FROM domains WHERE tenant_id = ${tenantId}`);
  await run(sql`DELETE FROM tenants WHERE id = ${tenantId}`);
  return { messages, users, domains };
}
