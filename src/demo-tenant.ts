// First start on an empty database creates the demo tenant (domain demo.example) with an admin
// and a user, so a newcomer can submit a first message at once. Their passwords are generated
// and printed once; only scrypt hashes are stored.
import type { Store } from './store/store.ts';
import { generatePassword, hashPassword } from './util/password.ts';

export interface DemoCredentials {
  tenant: string;
  domain: string;
  accounts: Array<{ email: string; role: string; password: string }>;
}

export async function ensureDemoTenant(store: Store): Promise<DemoCredentials | null> {
  if ((await store.listTenants()).length > 0) return null;
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
