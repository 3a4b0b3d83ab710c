// A tenant's time zone for times people read (the audit CSV): the tenant setting `timeZone` when it
// names a zone this runtime knows, else Asia/Tokyo.
import type { Tenant } from '../store/store.ts';

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

export function tenantTimeZone(tenant: Pick<Tenant, 'settings'>): string {
  let zone: unknown;
  try {
    const settings = JSON.parse(tenant.settings || '{}') as Record<string, unknown>;
    zone = settings.timeZone ?? settings.timezone;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
  if (typeof zone !== 'string' || zone === '') return DEFAULT_TIME_ZONE;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}
