// People over their lifetime: disable and enable, delete, set a password, reset two-factor, change
// role, manager (approver), name and department. One function per action; the CLI (src/cli) and the
// API (src/console/api/users.ts, auth.ts) call these, and each action is audited with its actor. A
// disabled user keeps their row, mail and audit trail but cannot log in (SMTP AUTH 535, console
// refused) and their sessions and API tokens end; a deleted user's mail and audit trail stay,
// attributed to the address they had.
import { sql } from 'kysely';
import type { Store, StoreWriter, User } from '../store/store.ts';
import { inScope, type TenantScope } from '../store/tenant-scope.ts';
import { checkSendAs, writeSendAs } from './send-as.ts';
import { consoleDb } from './console-tables.ts';
import { EMAIL_RE } from '../util/address.ts';
import { hashPassword } from '../util/password.ts';
import { holdMinutesProblem, sendSettingsOf } from './send-settings.ts';
import { ServiceError } from '../util/service-error.ts';

export const ROLES = ['admin', 'approver', 'user'] as const;
export type UserRole = (typeof ROLES)[number];
export const MIN_PASSWORD_LENGTH = 8;
const MAX_TEXT = 100;

/** What admins see of a user (CLI `user list --json`, GET /api/users). */
export interface UserView {
  email: string;
  role: UserRole;
  approver: string | null;
  name: string | null;
  department: string | null;
  language: 'ja' | 'en';
  disabled: boolean;
  disabledAt: number | null;
  twoFactor: boolean;
  createdAt: number;
  /** the user's own hold minutes (一時保留の時間); null = as the policy says */
  holdMinutes: number | null;
  /** 送信確認: false = confirmation stages are skipped for their mail */
  confirm: boolean;
}

/** The user with this address within the scope (tenant isolation), or ServiceError no_such_user. */
export async function findUser(store: Store, scope: TenantScope, email: string): Promise<User> {
  const user = await store.userByEmail(email.trim());
  if (!user || !inScope(scope, user.tenant_id)) {
    throw new ServiceError('no_such_user', `no user ${email.trim().toLowerCase()}${'tenantId' in scope ? ' in this tenant' : ''}`);
  }
  return user;
}

export async function listUsers(store: Store, tenantId: string): Promise<UserView[]> {
  const rows = await store.db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('email').execute();
  return viewsOf(store, rows);
}

export const USER_PAGE_MAX = 200;

/** One page of a tenant's users for the console. */
export interface UserPage {
  items: Array<UserView & { id: string }>;
  /** users matching the search in the whole tenant */
  total: number;
  /** the `after` of the next page; null on the last one */
  nextAfter: string | null;
}

/**
 * A page of users in address order, after `after` (keyset on the users(tenant_id, email) index, so
 * page 200 of 10,000 users costs what page 1 does), matching `q` in the address, name or
 * department (case-insensitive, anywhere in the text).
 */
export async function pageUsers(store: Store, tenantId: string, opts: { q?: string; after?: string; limit?: number }): Promise<UserPage> {
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), USER_PAGE_MAX);
  const q = opts.q?.trim().toLowerCase();
  // LIKE wildcards typed by the admin are matched literally
  const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const base = () => {
    let b = store.db.selectFrom('users').where('tenant_id', '=', tenantId);
    if (pattern)
      b = b.where((eb) =>
        eb.or([
          eb(sql`lower(email)`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(coalesce(name, ''))`, 'like', sql`${pattern} escape '\\'`),
          eb(sql`lower(coalesce(department, ''))`, 'like', sql`${pattern} escape '\\'`),
        ]),
      );
    return b;
  };
  let page = base()
    .selectAll()
    .orderBy('email')
    .limit(limit + 1);
  if (opts.after) page = page.where('email', '>', opts.after);
  const rows = await page.execute();
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const total = await base()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const views = await viewsOf(store, shown);
  return {
    items: views.map((v, i) => ({ ...v, id: shown[i]!.id })),
    total: Number(total?.n ?? 0),
    nextAfter: more ? shown[shown.length - 1]!.email : null,
  };
}

async function viewsOf(store: Store, rows: User[]): Promise<UserView[]> {
  const totp = await consoleDb(store)
    .selectFrom('console_totp')
    .select('email')
    .where('enabled', '=', 1)
    .where('email', 'in', rows.length ? rows.map((r) => r.email) : [''])
    .execute();
  const enrolled = new Set(totp.map((t) => t.email));
  return rows.map((u) => ({
    email: u.email,
    role: u.role,
    approver: u.approver_email,
    name: u.name,
    department: u.department,
    language: u.language,
    disabled: u.disabled_at != null,
    disabledAt: u.disabled_at == null ? null : Number(u.disabled_at),
    twoFactor: enrolled.has(u.email),
    createdAt: Number(u.created_at),
    ...sendSettingsOf(u),
  }));
}

/** Ends every console session of `email` except the one whose token hash is `keep`. */
async function endSessions(store: Store, email: string, keep?: string): Promise<number> {
  let q = consoleDb(store).deleteFrom('console_sessions').where('email', '=', email);
  if (keep) q = q.where('token_hash', '!=', keep);
  return Number((await q.executeTakeFirst()).numDeletedRows);
}

/**
 * Disables (or enables) the user. Disabling ends their console sessions and API tokens at once;
 * their held and queued mail stays where it is. Returns false when nothing changed.
 */
export async function setUserDisabled(store: Store, user: User, disabled: boolean, actor: string): Promise<boolean> {
  if ((user.disabled_at != null) === disabled) return false;
  await store.db
    .updateTable('users')
    .set({ disabled_at: disabled ? Date.now() : null })
    .where('id', '=', user.id)
    .execute();
  let sessions = 0;
  if (disabled) {
    sessions = await endSessions(store, user.email);
    await consoleDb(store).deleteFrom('console_api_tokens').where('email', '=', user.email).execute();
  }
  store.directory.forget();
  await store.appendEvent({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: disabled ? 'user.disabled' : 'user.enabled',
    data: { email: user.email, ...(disabled ? { sessionsEnded: sessions } : {}) },
  });
  return true;
}

/**
 * Deletes the user: their row, sessions, tokens, two-factor, delegations and login addresses. Their
 * mail and the audit trail stay, attributed to the address (messages.submitted_by, events.actor
 * are addresses, not references). Refused while they are someone's approver.
 */
export async function deleteUser(store: Store, user: User, actor: string): Promise<void> {
  const managed = await store.db
    .selectFrom('users')
    .select('email')
    .where('tenant_id', '=', user.tenant_id)
    .where('approver_email', '=', user.email)
    .execute();
  if (managed.length) {
    throw new ServiceError(
      'user_is_approver',
      `${user.email} approves the mail of ${managed.map((m) => m.email).join(', ')}: give them another approver first`,
    );
  }
  await store.db.transaction().execute(async (trx) => {
    const c = trx.withTables<import('./console-tables.ts').ConsoleTables>();
    for (const table of ['console_sessions', 'console_api_tokens', 'console_totp', 'console_backup_codes'] as const) {
      await c.deleteFrom(table).where('email', '=', user.email).execute();
    }
    await trx.deleteFrom('login_addresses').where('account', '=', user.email).execute();
    await trx.deleteFrom('user_send_as').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('users').where('id', '=', user.id).execute();
  });
  store.directory.forget();
  await store.appendEvent({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.deleted',
    data: { email: user.email, role: user.role, name: user.name },
  });
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ServiceError('password_too_short', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw new ServiceError('password_too_long', 'the password is longer than 1024 characters');
}

/**
 * Sets a new password and ends the user's console sessions, except `keepSessionHash` (the session
 * of a user changing their own password). Audited without the password.
 */
export async function setUserPassword(
  store: Store,
  user: User,
  password: string,
  actor: string,
  keepSessionHash?: string,
): Promise<{ sessionsEnded: number }> {
  checkPassword(password);
  await store.db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password) })
    .where('id', '=', user.id)
    .execute();
  const sessionsEnded = await endSessions(store, user.email, keepSessionHash);
  await store.appendEvent({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.password_set',
    data: { email: user.email, sessionsEnded },
  });
  return { sessionsEnded };
}

/** Removes the user's two-factor enrolment (a lost phone); their next login asks for none. */
export async function resetTwoFactor(store: Store, user: User, actor: string): Promise<boolean> {
  const r = await consoleDb(store).deleteFrom('console_totp').where('email', '=', user.email).executeTakeFirst();
  // the backup codes belong to the enrolment: a new one issues a new set
  await consoleDb(store).deleteFrom('console_backup_codes').where('email', '=', user.email).execute();
  const had = Number(r.numDeletedRows) > 0;
  await store.appendEvent({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.two_factor_reset',
    data: { email: user.email, had },
  });
  return had;
}

export interface UserChange {
  role?: string;
  /** the manager who approves this user's mail; null or "" = none */
  approver?: string | null;
  name?: string | null;
  department?: string | null;
  language?: 'ja' | 'en';
  /** the user's own hold minutes, 1 to 4320; null = as the policy says (send-settings.ts) */
  holdMinutes?: number | null;
  /** 送信確認 on (true, the policy's confirmations apply) or off (skipped for their mail) */
  confirm?: boolean;
}

function optionalText(value: string | null | undefined, what: string): string | null | undefined {
  if (value === undefined) return undefined;
  const text = (value ?? '').trim();
  if (text.length > MAX_TEXT) throw new ServiceError('bad_request', `${what} is longer than ${MAX_TEXT} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new ServiceError('bad_request', `${what} contains control characters`);
  return text || null;
}

type UserSet = Partial<Pick<User, 'role' | 'approver_email' | 'name' | 'department' | 'language' | 'hold_minutes' | 'confirm_off'>>;

/**
 * The fields to write for `change`, checked: the approver must be another user of the same tenant;
 * a role outside admin, approver, user is refused; hold minutes are the policy's 1 to 4320. Throws
 * a ServiceError on the first problem; writes nothing.
 */
async function checkChange(store: Store, user: User, change: UserChange): Promise<UserSet> {
  const set: UserSet = {};
  if (change.role !== undefined) {
    if (!(ROLES as readonly string[]).includes(change.role)) {
      throw new ServiceError('bad_request', `the role must be one of ${ROLES.join(', ')} (got "${change.role}")`);
    }
    set.role = change.role as UserRole;
  }
  if (change.approver !== undefined) {
    const approver = (change.approver ?? '').trim().toLowerCase();
    if (approver) {
      if (!EMAIL_RE.test(approver)) throw new ServiceError('bad_request', `approver "${approver}" is not an email address`);
      if (approver === user.email) throw new ServiceError('bad_request', `${user.email} cannot approve their own mail`);
      const row = await store.userByEmail(approver);
      if (!row || row.tenant_id !== user.tenant_id) {
        throw new ServiceError('no_such_approver', `approver ${approver} is not a user of this tenant (add them first)`);
      }
    }
    set.approver_email = approver || null;
  }
  const name = optionalText(change.name, 'the name');
  if (name !== undefined) set.name = name;
  const department = optionalText(change.department, 'the department');
  if (department !== undefined) set.department = department;
  if (change.language !== undefined) {
    if (change.language !== 'ja' && change.language !== 'en') throw new ServiceError('bad_request', 'the language must be ja or en');
    set.language = change.language;
  }
  if (change.holdMinutes !== undefined) {
    const problem = holdMinutesProblem(change.holdMinutes);
    if (problem) throw new ServiceError('hold_minutes_range', problem);
    set.hold_minutes = change.holdMinutes;
  }
  if (change.confirm !== undefined) set.confirm_off = change.confirm ? 0 : 1;
  return set;
}

/** Writes checked fields (checkChange), audited as user.updated with what changed (the sending settings as holdMinutes and confirm). */
async function writeChange(w: StoreWriter, user: User, set: UserSet, actor: string): Promise<void> {
  await w.db.updateTable('users').set(set).where('id', '=', user.id).execute();
  const { hold_minutes, confirm_off, ...rest } = set;
  await w.audit({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.updated',
    data: {
      email: user.email,
      ...rest,
      ...(set.role && set.role !== user.role ? { previousRole: user.role } : {}),
      ...(hold_minutes !== undefined ? { holdMinutes: hold_minutes } : {}),
      ...(confirm_off !== undefined ? { confirm: confirm_off === 0 } : {}),
    },
  });
}

/**
 * A user's fields (`change`) and the addresses they may send as (`maySendAs`, replacing the list;
 * undefined = unchanged), as one request asks: every part is checked first, then all are written in
 * one transaction, so a failure leaves the user as they were rather than half changed.
 */
export async function changeUserAndSendAs(
  store: Store,
  user: User,
  change: UserChange,
  maySendAs: string[] | undefined,
  actor: string,
): Promise<{ user: User; maySendAs?: string[] }> {
  const changes = Object.values(change).some((v) => v !== undefined);
  if (!changes && maySendAs === undefined) throw new ServiceError('bad_request', 'nothing to change');
  const set = changes ? await checkChange(store, user, change) : {};
  if (changes && Object.keys(set).length === 0) throw new ServiceError('bad_request', 'nothing to change');
  const wanted = maySendAs === undefined ? undefined : await checkSendAs(store, user, maySendAs);
  await store.inTransaction(async (w) => {
    if (wanted) await writeSendAs(w, user, wanted, actor);
    if (changes) await writeChange(w, user, set, actor);
  });
  store.directory.forget();
  return { user: { ...user, ...set }, ...(wanted ? { maySendAs: wanted } : {}) };
}
