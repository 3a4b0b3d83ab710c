// Password-reset links an admin issues for a person who forgot their password (issue 19 item 1):
// the admin never learns the new password. A link is a random token kept only as its SHA-256,
// valid for 24 hours and once; issuing a new one ends the person's earlier open link. Redeeming
// sets the password through setUserPassword (which ends the person's console sessions and audits
// user.password_set); issuing is audited as user.password_reset_link. A disabled person's link
// does not work.
import type { Store, User } from '../store/store.ts';
import { consoleDb } from './console-tables.ts';
import { hashToken, newToken } from '../util/id.ts';
import { checkPassword, setUserPassword } from './people.ts';
import { ServiceError } from '../util/service-error.ts';

export const RESET_LINK_MS = 24 * 3600_000;

export interface IssuedResetLink {
  /** the path of the page (/r/TOKEN); shown once, to the admin who issued it */
  path: string;
  expiresAt: number;
}

export async function issuePasswordResetLink(store: Store, user: User, actor: string, now = Date.now()): Promise<IssuedResetLink> {
  if (user.disabled_at !== null) throw new ServiceError('user_disabled', `${user.email} is disabled: enable the account first`);
  const token = newToken(24);
  const expiresAt = now + RESET_LINK_MS;
  const db = consoleDb(store);
  await db.deleteFrom('console_password_resets').where('email', '=', user.email).where('used_at', 'is', null).execute();
  await db
    .insertInto('console_password_resets')
    .values({ token_hash: hashToken(token), email: user.email, created_by: actor, created_at: now, expires_at: expiresAt, used_at: null })
    .execute();
  await store.appendEvent({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.password_reset_link',
    data: { email: user.email, expiresAt },
  });
  return { path: `/r/${token}`, expiresAt };
}

export type ResetLinkProblem = 'unknown' | 'expired' | 'used' | 'disabled';

/** Whose link it is, or why it does not work. */
export async function resetLinkStatus(
  store: Store,
  token: string,
  now = Date.now(),
): Promise<{ user: User } | { problem: ResetLinkProblem }> {
  const row = await consoleDb(store)
    .selectFrom('console_password_resets')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) return { problem: 'unknown' };
  if (row.used_at !== null) return { problem: 'used' };
  if (row.expires_at < now) return { problem: 'expired' };
  const user = await store.userByEmail(row.email);
  if (!user) return { problem: 'unknown' };
  if (user.disabled_at !== null) return { problem: 'disabled' };
  return { user };
}

/** Sets the new password once: the link is spent before the password changes, so two tabs cannot both use it. */
export async function redeemPasswordResetLink(
  store: Store,
  token: string,
  password: string,
  now = Date.now(),
): Promise<{ user: User } | { problem: ResetLinkProblem }> {
  checkPassword(password);
  const status = await resetLinkStatus(store, token, now);
  if (!('user' in status)) return status;
  const spent = await consoleDb(store)
    .updateTable('console_password_resets')
    .set({ used_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) return { problem: 'used' };
  await setUserPassword(store, status.user, password, `reset-link:${status.user.email}`);
  return status;
}
