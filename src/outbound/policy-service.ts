// The tenant's policy in force: apply (validate, then store a new version — older versions are
// kept, nothing changes on error), read (cached per process, re-checked against the newest
// version id every couple of seconds so a policy applied on another node is in force within
// seconds) and print. Used by the CLI, the console API and acceptance.
import { parsePolicy, policyToYaml, type PolicyError } from '../policy/load.ts';
import { defaultPolicy, type Policy } from '../policy/schema.ts';
import type { Store } from '../store/store.ts';

export interface ApplyResult {
  ok: boolean;
  errors: PolicyError[];
  /** the new version's id when applied */
  version?: number;
}

export interface PolicyInForce {
  /** policies.id of the version in force; 0 = none applied yet (the default policy) */
  version: number;
  policy: Policy;
  yaml: string | null;
  createdAt: number | null;
  createdBy: string | null;
}

/**
 * Validates and stores a new policy version; on any error nothing is changed. `restoredFrom`
 * names the earlier version whose YAML this is (audited as policy.restored, not policy.applied).
 */
export async function applyPolicy(
  store: Store,
  tenantId: string,
  yamlText: string,
  actor: string,
  restoredFrom?: number,
): Promise<ApplyResult> {
  const parsed = parsePolicy(yamlText);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const now = Date.now();
  const version = await store.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('policies')
      .values({ tenant_id: tenantId, yaml: yamlText, created_at: now, created_by: actor })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('events')
      .values({
        tenant_id: tenantId,
        message_id: null,
        at: now,
        actor,
        type: restoredFrom === undefined ? 'policy.applied' : 'policy.restored',
        data: JSON.stringify({
          version: Number(row.id),
          ...(restoredFrom === undefined ? {} : { restoredFrom }),
          rules: parsed.policy.outbound.rules.length,
          inboundRules: parsed.policy.inbound.rules.length,
        }),
      })
      .execute();
    return Number(row.id);
  });
  cache.delete(tenantId);
  return { ok: true, errors: [], version };
}

const CACHE_CHECK_MS = 2000;
const cache = new Map<string, { checkedAt: number; value: PolicyInForce }>();

/** The policy in force for a tenant (the default policy if none was applied). */
export async function currentPolicy(store: Store, tenantId: string): Promise<PolicyInForce> {
  const hit = cache.get(tenantId);
  const now = Date.now();
  if (hit && now - hit.checkedAt < CACHE_CHECK_MS) return hit.value;
  const latest = await store.db
    .selectFrom('policies')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const version = latest ? Number(latest.id) : 0;
  if (hit && hit.value.version === version) {
    hit.checkedAt = now;
    return hit.value;
  }
  const value = await loadVersion(store, tenantId, version);
  cache.set(tenantId, { checkedAt: now, value });
  return value;
}

async function loadVersion(store: Store, tenantId: string, version: number): Promise<PolicyInForce> {
  if (version === 0) return { version: 0, policy: defaultPolicy(), yaml: null, createdAt: null, createdBy: null };
  const row = await store.db
    .selectFrom('policies')
    .selectAll()
    .where('id', '=', version)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const parsed = parsePolicy(row.yaml);
  // Stored versions were valid when applied; a schema change that broke one must not stop mail.
  const policy = parsed.ok ? parsed.policy : defaultPolicy();
  return { version, policy, yaml: row.yaml, createdAt: row.created_at, createdBy: row.created_by };
}

/** The policy in force as YAML: the file as applied, or the default policy written out. */
export async function policyYaml(store: Store, tenantId: string): Promise<string> {
  const p = await currentPolicy(store, tenantId);
  return p.yaml ?? policyToYaml(p.policy);
}

/** Every stored version, newest first (for the console's history view). */
export async function policyVersions(
  store: Store,
  tenantId: string,
): Promise<Array<{ version: number; createdAt: number; createdBy: string }>> {
  const rows = await store.db
    .selectFrom('policies')
    .select(['id', 'created_at', 'created_by'])
    .where('tenant_id', '=', tenantId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((r) => ({ version: Number(r.id), createdAt: r.created_at, createdBy: r.created_by }));
}

export interface StoredPolicyVersion {
  /** policies.id; 0 = the default policy (in force before the tenant applied any) */
  version: number;
  yaml: string;
  createdAt: number | null;
  createdBy: string | null;
}

/** One version as applied (its YAML exactly as sent), or null when this tenant has no such version. */
export async function policyVersion(store: Store, tenantId: string, version: number): Promise<StoredPolicyVersion | null> {
  if (version === 0) return { version: 0, yaml: policyToYaml(defaultPolicy()), createdAt: null, createdBy: null };
  const row = await store.db
    .selectFrom('policies')
    .select(['id', 'yaml', 'created_at', 'created_by'])
    .where('id', '=', version)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row ? { version: Number(row.id), yaml: row.yaml, createdAt: row.created_at, createdBy: row.created_by } : null;
}

export type RestoreResult = ApplyResult | { ok: false; notFound: true; errors: PolicyError[] };

/**
 * Puts an earlier version back in force by applying its YAML as a new version (history only
 * grows; the restore itself is a version with who and when). Version 0 is the default policy.
 * A stored version that no longer validates (the schema moved on) comes back with its errors.
 */
export async function restorePolicyVersion(store: Store, tenantId: string, version: number, actor: string): Promise<RestoreResult> {
  const old = await policyVersion(store, tenantId, version);
  if (!old) return { ok: false, notFound: true, errors: [] };
  return applyPolicy(store, tenantId, old.yaml, actor, version);
}
