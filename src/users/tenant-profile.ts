// A tenant's profile: the time zone every time shown to its people is in (IANA name, default
// Asia/Tokyo) and the display name people see instead of the slug (株式会社…). Both live in the
// tenants.settings JSON (keys "timeZone", "displayName") beside retention and send limits; read
// through tenantProfile() only, changed through setTenantProfile() only (validated, audited as
// tenant.profile, one transaction).
import { insertEvent, type Store, type Tenant } from '../store/store.ts';
import { settingsOf } from '../retention/retention-days.ts';
import { DEFAULT_TIME_ZONE, isTimeZone } from '../util/zoned-time.ts';
import { ServiceError } from '../util/service-error.ts';

export interface TenantProfile {
  /** IANA zone, e.g. Europe/Berlin */
  timeZone: string;
  /** the company name people see; null = show the tenant's name */
  displayName: string | null;
}

export interface TenantProfileChange {
  timeZone?: string;
  /** "" or null clears it */
  displayName?: string | null;
}

const DISPLAY_NAME_MAX = 100;

export function tenantProfile(tenant: Pick<Tenant, 'settings'>): TenantProfile {
  const s = settingsOf(tenant);
  const zone = s.timeZone;
  const name = s.displayName;
  return {
    timeZone: typeof zone === 'string' && isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE,
    displayName: typeof name === 'string' && name.trim() ? name : null,
  };
}

/** The tenant's time zone (see tenantProfile). */
export function tenantTimeZone(tenant: Pick<Tenant, 'settings'>): string {
  return tenantProfile(tenant).timeZone;
}

/** The time zone of the tenant with this id (default zone when there is none). */
export async function timeZoneOfTenant(store: Store, tenantId: string | null | undefined): Promise<string> {
  const tenant = tenantId ? await store.tenantById(tenantId) : undefined;
  return tenant ? tenantTimeZone(tenant) : DEFAULT_TIME_ZONE;
}

/** Why `change` cannot be stored (the reason's code and words), or null. */
export function profileProblem(
  change: TenantProfileChange,
): { code: 'invalid_time_zone' | 'invalid_display_name'; message: string } | null {
  if (change.timeZone !== undefined && !isTimeZone(change.timeZone)) {
    return {
      code: 'invalid_time_zone',
      message: `"${change.timeZone}" is not a time zone name like Asia/Tokyo or Europe/Berlin (IANA tz database)`,
    };
  }
  const name = change.displayName;
  if (name != null && (name.trim().length > DISPLAY_NAME_MAX || /[\p{Cc}]/u.test(name))) {
    return { code: 'invalid_display_name', message: `the display name must be one line of at most ${DISPLAY_NAME_MAX} characters` };
  }
  return null;
}

/** Stores the change (refused whole when any part is invalid); audited as tenant.profile. */
export async function setTenantProfile(store: Store, tenant: Tenant, change: TenantProfileChange, actor: string): Promise<TenantProfile> {
  const problem = profileProblem(change);
  if (problem) throw new ServiceError(problem.code, problem.message);
  const before = tenantProfile(tenant);
  const after: TenantProfile = {
    timeZone: change.timeZone ?? before.timeZone,
    displayName: change.displayName === undefined ? before.displayName : change.displayName?.trim() || null,
  };
  const settings = { ...settingsOf(tenant), timeZone: after.timeZone, displayName: after.displayName };
  await store.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tenants')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', tenant.id)
      .execute();
    await insertEvent(trx, store.kind, {
      tenantId: tenant.id,
      messageId: null,
      actor,
      type: 'tenant.profile',
      data: { timeZone: after.timeZone, displayName: after.displayName, before: { ...before } },
    });
  });
  store.directory.forget();
  return after;
}
