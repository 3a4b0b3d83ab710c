// Operators administer every tenant (their API calls name the tenant). They live in
// console_operators, not in users, because a user always belongs to exactly one tenant.
import type { Store } from '../store/store.ts';
import { consoleDb } from '../users/console-tables.ts';

export async function addOperator(store: Store, email: string, passwordHash: string, actor: string): Promise<void> {
  const e = email.toLowerCase();
  if (await store.userByEmail(e)) throw new Error(`${e} is a tenant user; an operator needs an address of its own`);
  await consoleDb(store)
    .insertInto('console_operators')
    .values({ email: e, password_hash: passwordHash, created_at: Date.now() })
    .execute();
  await store.appendEvent({ tenantId: null, messageId: null, actor, type: 'console.operator_added', data: { email: e } });
}
