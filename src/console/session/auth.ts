// Who is calling the API: console sessions (cookie + CSRF token), bearer API tokens for scripts,
// password login throttled per client and per account (throttle/login-throttle.ts, shared with SMTP
// AUTH), and optional TOTP. Secrets the client
// holds (session cookie, API token) are stored only as SHA-256 hashes; CSRF tokens are per session.
import type { UserRole } from '../../users/people.ts';
import type { Store } from '../../store/store.ts';
import { consoleDb } from '../../users/console-tables.ts';
import { hashToken, newToken } from '../../util/id.ts';
import { verifyPassword } from '../../util/password.ts';
import { IpThrottle } from '../../throttle/ip-throttle.ts';
import { LoginThrottle } from '../../throttle/login-throttle.ts';
import { matchTotp } from './totp.ts';
import { normalBackupCode, spendBackupCode } from './backup-codes.ts';

/** who a console session acts as: a tenant's user role, or the operator across tenants */
export type Role = UserRole | 'operator';

export interface Principal {
  email: string;
  role: Role;
  /** null for an operator (acts on the tenant named per request) */
  tenantId: string | null;
  via: 'session' | 'token';
  /** the session's CSRF token (session only) */
  csrf?: string;
  /** the session's token hash (session only): a password change keeps this session, ends the others */
  sessionHash?: string;
  language: 'ja' | 'en';
}

export const SESSION_COOKIE = 'sekisho_session';
export const SESSION_MS = 12 * 3600_000;
/** failed console logins from one client (that never logged in to the account) in 15 minutes */
export const MAX_FAILS_PER_IP = 30;
const IP_WINDOW_MS = 15 * 60_000;

const sha256 = hashToken;

/** The principal for an email address (tenant user or operator), or undefined. */
export async function principalFor(
  store: Store,
  email: string,
  via: Principal['via'],
): Promise<(Principal & { passwordHash: string | null; disabled: boolean }) | undefined> {
  const e = email.toLowerCase();
  const u = await store.userByEmail(e);
  if (u) {
    // a disabled user or tenant (src/users) has no console: login refused, sessions and tokens void
    const disabled = u.disabled_at != null || (await store.tenantDisabled(u.tenant_id));
    return { email: u.email, role: u.role, tenantId: u.tenant_id, via, language: u.language, passwordHash: u.password_hash, disabled };
  }
  const op = await consoleDb(store).selectFrom('console_operators').selectAll().where('email', '=', e).executeTakeFirst();
  if (op)
    return { email: op.email, role: 'operator', tenantId: null, via, language: 'ja', passwordHash: op.password_hash, disabled: false };
  return undefined;
}

export type LoginOutcome =
  | { ok: true; principal: Principal; sessionToken: string }
  | { ok: false; reason: 'invalid' | 'totp_required' | 'totp_invalid' | 'backup_code_invalid' | 'account_disabled' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

/** The console's login throttle: its own per-client limit, the account back-off shared with SMTP AUTH. */
export function consoleLoginThrottle(store: Store, now?: () => number): LoginThrottle {
  return new LoginThrottle(store, new IpThrottle(store, 'ip', MAX_FAILS_PER_IP, IP_WINDOW_MS), now);
}

/**
 * Password (+ TOTP code or an unused backup code when enrolled) login, throttled in the database so every node counts the same
 * failures (see throttle/login-throttle.ts); a throttled attempt is refused without checking the password.
 */
export async function login(
  store: Store,
  input: { email: string; password: string; totp?: string; ip: string },
  throttle: LoginThrottle = consoleLoginThrottle(store),
): Promise<LoginOutcome> {
  const now = Date.now();
  const email = input.email.trim().toLowerCase();
  const gate = await throttle.begin(email, input.ip);
  if (!gate.ok) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
  const { attempt } = gate;
  const p = await principalFor(store, email, 'session');
  const okPw = await verifyPassword(input.password, p?.passwordHash);
  if (!p || !okPw) {
    await attempt.failed();
    await store.appendEvent({
      tenantId: p?.tenantId ?? null,
      messageId: null,
      actor: email,
      type: 'console.login_failed',
      data: { ip: input.ip },
    });
    return { ok: false, reason: 'invalid' };
  }
  if (p.disabled) {
    // said only to whoever knows the password: the account exists but may not log in
    await attempt.withdraw();
    await store.appendEvent({ tenantId: p.tenantId, messageId: null, actor: email, type: 'console.login_refused', data: { ip: input.ip } });
    return { ok: false, reason: 'account_disabled' };
  }
  const totp = await consoleDb(store)
    .selectFrom('console_totp')
    .selectAll()
    .where('email', '=', p.email)
    .where('enabled', '=', 1)
    .executeTakeFirst();
  if (totp) {
    if (!input.totp) {
      await attempt.withdraw();
      return { ok: false, reason: 'totp_required' };
    }
    if (normalBackupCode(input.totp)) {
      // a backup code (16 characters) in place of the app's 6 digits: each works once
      if (!(await spendBackupCode(store, p.email, p.tenantId, input.totp))) {
        await attempt.failed();
        return { ok: false, reason: 'backup_code_invalid' };
      }
    } else {
      const step = matchTotp(store.secrets.open('totp-secret', totp.secret), input.totp, now);
      // a code works once: replaying the last used step is refused
      if (step === null || step <= Number(totp.last_step)) {
        await attempt.failed();
        return { ok: false, reason: 'totp_invalid' };
      }
      await consoleDb(store).updateTable('console_totp').set({ last_step: step }).where('email', '=', p.email).execute();
    }
  }
  // expired sessions go when someone logs in (no timer needed; logout deletes its own)
  await consoleDb(store).deleteFrom('console_sessions').where('expires_at', '<', now).execute();
  const sessionToken = newToken(32);
  const csrf = newToken(24);
  await consoleDb(store)
    .insertInto('console_sessions')
    .values({ token_hash: sha256(sessionToken), email: p.email, csrf, created_at: now, expires_at: now + SESSION_MS })
    .execute();
  await attempt.succeeded();
  await store.appendEvent({ tenantId: p.tenantId, messageId: null, actor: p.email, type: 'console.login', data: { ip: input.ip } });
  const { passwordHash: _ignored, disabled: _no, ...principal } = p;
  return { ok: true, principal: { ...principal, csrf }, sessionToken };
}

export async function sessionPrincipal(store: Store, token: string): Promise<Principal | undefined> {
  const s = await consoleDb(store).selectFrom('console_sessions').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!s || Number(s.expires_at) < Date.now()) return undefined;
  const p = await principalFor(store, s.email, 'session');
  if (!p || p.disabled) return undefined;
  const { passwordHash: _ignored, disabled: _no, ...principal } = p;
  return { ...principal, csrf: s.csrf, sessionHash: s.token_hash };
}

export async function logout(store: Store, token: string): Promise<void> {
  await consoleDb(store).deleteFrom('console_sessions').where('token_hash', '=', sha256(token)).execute();
}

/** Creates a bearer API token for a user or operator; only its hash is stored. */
export async function createApiToken(store: Store, email: string, name: string, actor: string): Promise<string> {
  const p = await principalFor(store, email, 'token');
  if (!p) throw new Error(`no user or operator ${email}`);
  const token = `sk_${newToken(32)}`;
  await consoleDb(store)
    .insertInto('console_api_tokens')
    .values({ token_hash: sha256(token), email: p.email, name, created_at: Date.now(), last_used_at: null })
    .execute();
  await store.appendEvent({ tenantId: p.tenantId, messageId: null, actor, type: 'console.token_created', data: { email: p.email, name } });
  return token;
}

export async function revokeApiTokens(store: Store, email: string, actor: string): Promise<number> {
  const r = await consoleDb(store).deleteFrom('console_api_tokens').where('email', '=', email.toLowerCase()).executeTakeFirst();
  const p = await principalFor(store, email, 'token');
  await store.appendEvent({
    tenantId: p?.tenantId ?? null,
    messageId: null,
    actor,
    type: 'console.token_revoked',
    data: { email: email.toLowerCase() },
  });
  return Number(r.numDeletedRows);
}

export async function tokenPrincipal(store: Store, token: string): Promise<Principal | undefined> {
  const db = consoleDb(store);
  const row = await db.selectFrom('console_api_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  if (!row) return undefined;
  await db.updateTable('console_api_tokens').set({ last_used_at: Date.now() }).where('token_hash', '=', row.token_hash).execute();
  const p = await principalFor(store, row.email, 'token');
  if (!p || p.disabled) return undefined;
  const { passwordHash: _ignored, disabled: _no, ...principal } = p;
  return principal;
}
