// Per-tenant-domain DKIM keys in the core dkim_keys table: created by `sekisho dkim show` (which
// prints the TXT record to publish), then used for every outbound message whose From domain is
// that tenant's. Mail is signed only once a key exists, so nobody gets signatures that no DNS
// record can verify before the admin has had the record in hand. Private keys are kept sealed
// (src/secrets): a database dump cannot sign mail as the tenant.
import type { Store } from '../store/store.ts';
import { dkimTxtRecord, generateDkimKey, type DkimTxtRecord } from './dkim.ts';

export interface StoredDkimKey {
  domain: string;
  tenantId: string;
  selector: string;
  privateKeyPem: string;
  publicKeyBase64: string;
}

/**
 * The domain's key, if it has one; cached for a moment (keys are only ever added, never changed).
 * "No key" is cached too (as null): most outbound domains have none until the admin publishes one,
 * and a key created elsewhere is then used within the directory cache's TTL, like any directory change.
 */
export async function dkimKeyFor(store: Store, domain: string): Promise<StoredDkimKey | undefined> {
  const name = domain.toLowerCase();
  const key = await store.directory.lookup<StoredDkimKey | null>('dkim', name, async () => {
    const row = await store.db.selectFrom('dkim_keys').selectAll().where('domain', '=', name).executeTakeFirst();
    return row
      ? {
          domain: row.domain,
          tenantId: row.tenant_id,
          selector: row.selector,
          privateKeyPem: store.secrets.open('dkim-private-key', row.private_key),
          publicKeyBase64: row.public_key,
        }
      : null;
  });
  return key ?? undefined;
}

/** The key for a tenant domain, generated (and audit-logged) when it has none yet. */
export async function ensureDkimKey(store: Store, tenantId: string, domain: string, actor: string): Promise<StoredDkimKey> {
  const existing = await dkimKeyFor(store, domain);
  if (existing) return existing;
  const key = await generateDkimKey();
  // Two nodes (or a node and the CLI) may race here: the first insert wins, both read it back.
  await store.db
    .insertInto('dkim_keys')
    .values({
      domain: domain.toLowerCase(),
      tenant_id: tenantId,
      selector: key.selector,
      private_key: store.secrets.seal('dkim-private-key', key.privateKeyPem),
      public_key: key.publicKeyBase64,
      created_at: Date.now(),
    })
    .onConflict((oc) => oc.column('domain').doNothing())
    .execute();
  store.directory.forget(); // the "no key" just cached
  const stored = (await dkimKeyFor(store, domain))!;
  if (stored.publicKeyBase64 === key.publicKeyBase64) {
    await store.appendEvent({
      tenantId,
      messageId: null,
      actor,
      type: 'dkim.key_created',
      data: { domain: stored.domain, selector: stored.selector },
    });
  }
  return stored;
}

/** The TXT record of every domain of the tenant, creating missing keys. */
export async function tenantDkimRecords(
  store: Store,
  tenantId: string,
  actor: string,
): Promise<Array<DkimTxtRecord & { domain: string; selector: string }>> {
  const out = [];
  for (const d of await store.tenantDomains(tenantId)) {
    const key = await ensureDkimKey(store, tenantId, d.domain, actor);
    out.push({ domain: d.domain, selector: key.selector, ...dkimTxtRecord(d.domain, key.selector, key.publicKeyBase64) });
  }
  return out;
}
