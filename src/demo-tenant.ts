// The first start of a newcomer (no configuration file, a database that never had a tenant)
// creates the demo tenant (domain demo.example) with an admin and a user, so a first message can
// be submitted at once. Their passwords are generated and shown once, on the terminal only
// (cli/start-shared.ts); only scrypt hashes are stored. `sekisho tenant delete demo --purge`
// removes it.
import type { Store } from './store/store.ts';
import { generatePassword, hashPassword } from './util/password.ts';

export interface DemoCredentials {
  tenant: string;
  domain: string;
  accounts: Array<{ email: string; role: string; password: string }>;
}

/** mode "auto": only if this database never had a tenant; true: whenever it has none now */
export async function ensureDemoTenant(store: Store, mode: 'auto' | true): Promise<DemoCredentials | null> {
  if ((await store.listTenants()).length > 0) return null;
  if (mode === 'auto' && (await hadTenants(store))) return null;
  const tenant = await store.createTenant({ name: 'demo', domains: ['demo.example'] });
  const accounts = [
    { email: 'admin@demo.example', role: 'admin' as const, password: generatePassword() },
    { email: 'user@demo.example', role: 'user' as const, password: generatePassword() },
  ];
  await store.createUsers(
    tenant.id,
    await Promise.all(
      accounts.map(async (a) => ({
        email: a.email,
        role: a.role,
        passwordHash: await hashPassword(a.password),
        approverEmail: a.role === 'user' ? 'admin@demo.example' : null,
      })),
    ),
    'system',
  );
  return { tenant: 'demo', domain: 'demo.example', accounts };
}

/** A tenant was ever created here (the audit trail keeps tenant.created even after a delete). */
async function hadTenants(store: Store): Promise<boolean> {
  const row = await store.db.selectFrom('events').select('id').where('type', '=', 'tenant.created').limit(1).executeTakeFirst();
  return row !== undefined;
}
