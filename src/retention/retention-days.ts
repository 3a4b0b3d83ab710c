// How long each tenant keeps its mail and audit trail: the configuration's retention*Days, with a
// tenant's own overrides kept in its settings (tenants.settings JSON, key "retention"). The days
// always nest — body ≤ metadata ≤ audit — so an override that would break that is refused when
// set, and a configuration changed since is lifted to nest when a run uses it.
import type { Config } from '../config/schema.ts';
import { retentionOrderProblem } from '../config/schema.ts';
import { insertEvent, type Store, type Tenant } from '../store/store.ts';

export interface RetentionDays {
  bodyDays: number;
  metadataDays: number;
  auditDays: number;
}

export type RetentionOverride = Partial<RetentionDays>;

export function configDays(config: Pick<Config, 'retentionBodyDays' | 'retentionMetadataDays' | 'retentionAuditDays'>): RetentionDays {
  return { bodyDays: config.retentionBodyDays, metadataDays: config.retentionMetadataDays, auditDays: config.retentionAuditDays };
}

/** A tenant's settings JSON (tenants.settings) as an object; unreadable = none. */
export function settingsOf(tenant: Pick<Tenant, 'settings'>): Record<string, unknown> {
  try {
    const parsed = JSON.parse(tenant.settings) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The tenant's own retention settings (only the days it set). */
export function tenantOverride(tenant: Pick<Tenant, 'settings'>): RetentionOverride {
  const raw = settingsOf(tenant).retention;
  if (!raw || typeof raw !== 'object') return {};
  const out: RetentionOverride = {};
  for (const key of ['bodyDays', 'metadataDays', 'auditDays'] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (Number.isInteger(v) && (v as number) >= 1) out[key] = v as number;
  }
  return out;
}

/** The days a run uses for this tenant: its overrides over the defaults, lifted to nest. */
export function effectiveDays(defaults: RetentionDays, override: RetentionOverride): RetentionDays {
  const d = { ...defaults, ...override };
  const metadataDays = Math.max(d.metadataDays, d.bodyDays);
  return { bodyDays: d.bodyDays, metadataDays, auditDays: Math.max(d.auditDays, metadataDays) };
}

/**
 * Sets (a number) or clears (null) the tenant's own days; refuses, changing nothing, when the
 * result would not nest. Audited as tenant.retention.
 */
export async function setTenantRetention(
  store: Store,
  tenant: Tenant,
  defaults: RetentionDays,
  change: { [K in keyof RetentionDays]?: number | null },
  actor: string,
): Promise<RetentionDays> {
  const next: RetentionOverride = { ...tenantOverride(tenant) };
  for (const key of ['bodyDays', 'metadataDays', 'auditDays'] as const) {
    const v = change[key];
    if (v === null) delete next[key];
    else if (v !== undefined) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${key} must be a whole number of days, at least 1`);
      next[key] = v;
    }
  }
  const days = { ...defaults, ...next };
  const problem = retentionOrderProblem(days);
  if (problem) throw new RangeError(problem);
  const settings = { ...settingsOf(tenant), retention: next };
  await store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tenants')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', tenant.id)
      .execute();
    await insertEvent(trx, store.kind, { tenantId: tenant.id, messageId: null, actor, type: 'tenant.retention', data: { ...change } });
  });
  return days;
}
