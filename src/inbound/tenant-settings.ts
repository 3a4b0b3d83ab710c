// A tenant's inbound settings that are not policy rules: who may release their own quarantined
// mail, how long quarantine is kept, and the names the impersonation checks protect (staff,
// executives — users carry no display names, so the admin lists them) and extra brands.
// Read at every inbound decision (through the directory cache: a change made in another process
// is seen within its TTL, one made here at once); defaults apply until the admin sets anything.
import type { Kysely } from 'kysely';
import type { Store } from '../store/store.ts';
import type { InboundTables } from './tables.ts';
import type { BrandEntry, StaffMember, TenantContext } from '../model/verdict.ts';
import { currentPolicy } from '../outbound/policy-service.ts';
import type { Policy } from '../policy/schema.ts';

export interface InboundSettings {
  selfRelease: boolean;
  retentionDays: number;
  staff: StaffMember[];
  executives: string[];
  brands: BrandEntry[];
  /** periodic digest every N hours (0 = only on demand: sekisho quarantine digest) */
  digestHours: number;
}

export const DEFAULT_SETTINGS: InboundSettings = {
  selfRelease: false,
  retentionDays: 30,
  staff: [],
  executives: [],
  brands: [],
  digestHours: 0,
};

export function inboundDb(store: Store): Kysely<InboundTables> {
  return store.db.withTables<InboundTables>() as unknown as Kysely<InboundTables>;
}

function json<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

export async function getSettings(store: Store, tenantId: string): Promise<InboundSettings> {
  const row = await inboundDb(store).selectFrom('inbound_settings').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!row) return { ...DEFAULT_SETTINGS };
  return {
    selfRelease: Number(row.self_release) === 1,
    retentionDays: Number(row.retention_days),
    staff: json(row.staff, []),
    executives: json(row.executives, []),
    brands: json(row.brands, []),
    digestHours: Number(row.digest_hours),
  };
}

/**
 * The settings an inbound decision reads, kept in the store's directory cache (src/store/
 * directory-cache.ts) instead of a query per message: a change through this process (updateSettings)
 * applies to the next message, one through another process or the CLI within the cache's TTL.
 */
export async function settingsForDecision(store: Store, tenantId: string): Promise<InboundSettings> {
  return (await store.directory.lookup('inbound-settings', tenantId, () => getSettings(store, tenantId)))!;
}

export async function updateSettings(
  store: Store,
  tenantId: string,
  change: Partial<InboundSettings>,
  actor: string,
): Promise<InboundSettings> {
  const next = { ...(await getSettings(store, tenantId)), ...change };
  const row = {
    tenant_id: tenantId,
    self_release: next.selfRelease ? 1 : 0,
    retention_days: next.retentionDays,
    staff: JSON.stringify(next.staff),
    executives: JSON.stringify(next.executives),
    brands: JSON.stringify(next.brands),
    digest_hours: next.digestHours,
    updated_at: Date.now(),
  };
  const db = inboundDb(store);
  await db.transaction().execute(async (trx) => {
    const { tenant_id: _t, ...rest } = row;
    const r = await trx.updateTable('inbound_settings').set(rest).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) await trx.insertInto('inbound_settings').values(row).execute();
  });
  store.directory.forget();
  await store.appendEvent({ tenantId, messageId: null, actor, type: 'inbound.settings', data: { ...change } });
  return next;
}

/**
 * The tenant context the phishing checks need: own domains, the people whose names are protected
 * (the admin's staff list plus every user with a name, so the tenant's own people are protected
 * without a list), executives, and brands added in the settings or the policy (`inbound.brands`).
 */
export async function tenantContext(
  store: Store,
  tenantId: string,
  settings: InboundSettings,
  policyBrands: readonly BrandEntry[] = [],
): Promise<TenantContext> {
  const domains = (await store.tenantDomains(tenantId)).map((d) => d.domain);
  const listed = new Set(settings.staff.map((s) => s.email.toLowerCase()));
  const users = (await namedUsers(store, tenantId)).filter((u) => !listed.has(u.email));
  const brands = policyBrands.length ? [...settings.brands, ...policyBrands] : settings.brands;
  return { domains, staff: users.length ? [...settings.staff, ...users] : settings.staff, executives: settings.executives, brands };
}

/** The tenant's enabled users who have a name, kept for the directory cache's TTL (a query per message otherwise). */
async function namedUsers(store: Store, tenantId: string): Promise<StaffMember[]> {
  const rows = await store.directory.lookup('named-users', tenantId, async () =>
    (
      await store.db
        .selectFrom('users')
        .select(['email', 'name'])
        .where('tenant_id', '=', tenantId)
        .where('name', 'is not', null)
        .where('disabled_at', 'is', null)
        .execute()
    )
      .filter((r) => r.name?.trim())
      .map((r) => ({ name: r.name!.trim(), email: r.email.toLowerCase() })),
  );
  return rows ?? [];
}

/** The tenant policy in force (one place to swap if the policy service changes). */
export async function inboundPolicy(store: Store, tenantId: string): Promise<Policy> {
  return (await currentPolicy(store, tenantId)).policy;
}
