// Opens what a management command needs: the same configuration as `sekisho start` and the store,
// which must exist already (a wrong data directory is an error, not a new empty database; only
// `start` and `init` create one). Service errors (ServiceError) become one-line CLI errors. Times for
// people are printed in the tenant's time zone (tenantClock).
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { openStore } from '../store/open-store.ts';
import type { Store, Tenant } from '../store/store.ts';
import { ALL_TENANTS, tenantScope, type TenantScope } from '../store/tenant-scope.ts';
import { CliError } from './cli-error.ts';
import { ServiceError } from '../util/service-error.ts';
import { tenantTimeZone } from '../users/tenant-profile.ts';
import { DEFAULT_TIME_ZONE, isoInZone } from '../util/zoned-time.ts';

export async function withStore<T>(fn: (store: Store, config: Config) => Promise<T>, opts: { create?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 2,
    secretsKeyFile: config.secretsKeyFile,
    mustExist: !opts.create,
  });
  try {
    return await fn(store, config);
  } catch (err) {
    if (err instanceof ServiceError) throw new CliError(err.message);
    throw err;
  } finally {
    await store.close();
  }
}

export async function requireTenant(store: Store, name: string): Promise<Tenant> {
  const tenant = await store.tenantByName(name);
  if (!tenant) throw new CliError(`no tenant named "${name}" (see: sekisho tenant add)`);
  return tenant;
}

/** The scope of a command: the tenant named by --tenant, or every tenant's (the operator's default at the command line). */
export async function tenantOption(store: Store, name: string | undefined): Promise<TenantScope> {
  return name ? tenantScope((await requireTenant(store, name)).id) : ALL_TENANTS;
}

/**
 * Times as the CLI prints them for people: ISO 8601 with the offset of the tenant's time zone
 * (2026-12-03T23:34:05+01:00). --json output keeps UTC (…Z) for scripts.
 */
export async function tenantClock(store: Store): Promise<(ms: number | null | undefined, tenantId: string) => string> {
  const zones = new Map((await store.listTenants()).map((t) => [t.id, tenantTimeZone(t)]));
  return (ms, tenantId) => (ms == null ? '-' : isoInZone(Number(ms), zones.get(tenantId) ?? DEFAULT_TIME_ZONE));
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
