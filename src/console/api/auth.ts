// /api/auth: log in (email + password, + TOTP code when enrolled), log out, who am I (with the
// CSRF token the console sends back on every change), TOTP enrolment and its backup codes.
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import type { FastifyReply } from 'fastify';
import type { Store, Tenant } from '../../store/store.ts';
import { tenantProfile, tenantTimeZone } from '../../users/tenant-profile.ts';
import { DEFAULT_TIME_ZONE } from '../../util/zoned-time.ts';
import { consoleDb } from '../../users/console-tables.ts';
import { consoleLoginThrottle, login, logout, principalFor, SESSION_COOKIE, SESSION_MS, type Principal } from '../session/auth.ts';
import { matchTotp, newTotpSecret, otpauthUrl } from '../session/totp.ts';
import { backupCodesLeft, issueBackupCodes } from '../session/backup-codes.ts';
import { bool, int, list, nullable, object, okSchema, oneOfStrings, str } from './schema-kit.ts';
import { verifyPassword } from '../../util/password.ts';
import { setUserPassword } from '../../users/people.ts';

const meFields = {
  email: str,
  role: oneOfStrings(['user', 'approver', 'admin', 'operator']),
  tenantId: nullable(str),
  /** the tenant's name (operators: null; they name a tenant per request) */
  tenant: nullable(str),
  /** the tenant's display name (null: show `tenant`) */
  tenantDisplayName: nullable(str),
  /** the tenant's IANA time zone: every time the console shows is in it (operators: Asia/Tokyo, see tenants[].timeZone) */
  timeZone: str,
  language: str,
  csrfToken: nullable(str),
};
const meSchema = object(
  {
    ...meFields,
    totpEnabled: bool,
    /** unused two-factor backup codes */
    backupCodesLeft: int,
    /** operators only: every tenant, by name */
    tenants: list(object({ id: str, name: str, displayName: nullable(str), timeZone: str })),
  },
  ['tenants'],
);

const me = (p: { email: string; role: string; tenantId: string | null; language: string; csrf?: string }, tenant: Tenant | undefined) => ({
  email: p.email,
  role: p.role,
  tenantId: p.tenantId,
  tenant: tenant?.name ?? null,
  tenantDisplayName: tenant ? tenantProfile(tenant).displayName : null,
  timeZone: tenant ? tenantTimeZone(tenant) : DEFAULT_TIME_ZONE,
  language: p.language,
  csrfToken: p.csrf ?? null,
});

/** GET /api/auth/me's answer for a logged-in person. */
async function meAnswer(store: Store, p: Principal) {
  const tenant = p.tenantId ? await store.tenantById(p.tenantId) : undefined;
  const totp = await consoleDb(store).selectFrom('console_totp').select('enabled').where('email', '=', p.email).executeTakeFirst();
  const tenants =
    p.role === 'operator' ? (await store.listTenants()).map((t) => ({ id: t.id, name: t.name, ...tenantProfile(t) })) : undefined;
  const totpEnabled = totp?.enabled === 1;
  return { ...me(p, tenant), totpEnabled, backupCodesLeft: totpEnabled ? await backupCodesLeft(store, p.email) : 0, tenants };
}

export const authRoutes: RouteSpec[] = [
  defineRoute({
    method: 'POST',
    url: '/api/auth/login',
    summary: 'Log in with email and password (and TOTP code when enrolled); sets the session cookie',
    tag: 'auth',
    access: 'public',
    schema: {
      body: {
        type: 'object',
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', maxLength: 320 },
          password: { type: 'string', maxLength: 1024 },
          /** the app's 6-digit code, or one unused backup code */
          totp: { type: 'string', maxLength: 40 },
        },
        additionalProperties: false,
      },
      response: object(meFields),
    },
    async handler(req, ctx, reply) {
      const body = req.body as { email: string; password: string; totp?: string };
      const r = await login(ctx.deps.store, { ...body, ip: req.ip });
      if (!r.ok) {
        if (r.reason === 'throttled') throw throttled(reply, r.retryAfterSeconds);
        throw new HttpError(
          401,
          {
            invalid: 'wrong email or password',
            totp_required: 'two-factor code required',
            totp_invalid: 'wrong two-factor code',
            backup_code_invalid: 'this backup code is wrong or has already been used',
            account_disabled: 'this account is disabled; ask your administrator',
          }[r.reason],
          { code: r.reason },
        );
      }
      const secure = ctx.deps.config.publicUrl.startsWith('https:');
      reply.setCookie(SESSION_COOKIE, r.sessionToken, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_MS / 1000 });
      const tenant = r.principal.tenantId ? await ctx.deps.store.tenantById(r.principal.tenantId) : undefined;
      return me(r.principal, tenant);
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/logout',
    summary: 'End the console session',
    tag: 'auth',
    access: 'any',
    schema: { response: okSchema },
    async handler(req, ctx, reply) {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await logout(ctx.deps.store, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/auth/me',
    summary: 'The logged-in person, role, tenant and CSRF token',
    tag: 'auth',
    access: 'any',
    schema: { response: meSchema },
    async handler(_req, ctx) {
      return meAnswer(ctx.deps.store, ctx.principal!);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/auth/session',
    summary: 'Whether a session is open: `me` as GET /api/auth/me answers, or null (no 401, so a console start logs no error)',
    tag: 'auth',
    access: 'public',
    schema: { response: object({ me: nullable(meSchema) }) },
    async handler(_req, ctx) {
      return { me: ctx.principal ? await meAnswer(ctx.deps.store, ctx.principal) : null };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/password',
    summary: 'Change your own password (the current one required); your other console sessions end',
    tag: 'auth',
    access: 'any',
    schema: {
      body: {
        type: 'object',
        required: ['currentPassword', 'newPassword'],
        properties: { currentPassword: { type: 'string', maxLength: 1024 }, newPassword: { type: 'string', maxLength: 1024 } },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, sessionsEnded: int }),
    },
    async handler(req, ctx, reply) {
      const p = ctx.principal!;
      const store = ctx.deps.store;
      const b = req.body as { currentPassword: string; newPassword: string };
      const user = p.tenantId ? await store.userByEmail(p.email) : undefined;
      if (!user) throw new HttpError(400, 'operators change their password with sekisho operator add', { code: 'not_a_user' });
      // the current password is guessed no faster here than at login (a borrowed session must not
      // become an unthrottled password oracle): the same throttle, the same account back-off
      const gate = await consoleLoginThrottle(store).begin(p.email, req.ip);
      if (!gate.ok) throw throttled(reply, gate.retryAfterSeconds);
      if (!(await verifyPassword(b.currentPassword, user.password_hash))) {
        await gate.attempt.failed();
        await store.appendEvent({
          tenantId: user.tenant_id,
          messageId: null,
          actor: p.email,
          type: 'user.password_change_failed',
          data: {},
        });
        throw new HttpError(400, 'the current password is wrong', { code: 'wrong_password' });
      }
      await gate.attempt.succeeded();
      const r = await setUserPassword(store, user, b.newPassword, p.email, p.sessionHash);
      return { ok: true, sessionsEnded: r.sessionsEnded };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/totp/enrol',
    summary: 'Start two-factor enrolment: returns a new secret and otpauth:// URL (not active until verified)',
    tag: 'auth',
    access: 'any',
    schema: { response: object({ secret: str, otpauthUrl: str }) },
    async handler(_req, ctx) {
      const p = ctx.principal!;
      const db = consoleDb(ctx.deps.store);
      const existing = await db.selectFrom('console_totp').select('enabled').where('email', '=', p.email).executeTakeFirst();
      if (existing?.enabled === 1) throw new HttpError(409, 'two-factor is already enabled', { code: 'totp_already_enabled' });
      const secret = newTotpSecret();
      await db.deleteFrom('console_totp').where('email', '=', p.email).execute();
      const sealed = ctx.deps.store.secrets.seal('totp-secret', secret);
      await db
        .insertInto('console_totp')
        .values({ email: p.email, secret: sealed, enabled: 0, last_step: 0, created_at: Date.now() })
        .execute();
      return { secret, otpauthUrl: otpauthUrl(secret, p.email) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/totp/verify',
    summary:
      'Finish enrolment with a code from the authenticator app; two-factor is required from the next login. Answers ten ' +
      'single-use backup codes, shown this once',
    tag: 'auth',
    access: 'any',
    schema: {
      body: { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 10 } }, additionalProperties: false },
      response: object({ ok: { const: true }, totpEnabled: bool, backupCodes: list(str) }),
    },
    async handler(req, ctx) {
      const p = ctx.principal!;
      const db = consoleDb(ctx.deps.store);
      const row = await db.selectFrom('console_totp').selectAll().where('email', '=', p.email).executeTakeFirst();
      if (!row) throw new HttpError(409, 'start enrolment first', { code: 'totp_not_started' });
      if (row.enabled === 1) throw new HttpError(409, 'two-factor is already enabled', { code: 'totp_already_enabled' });
      const step = matchTotp(ctx.deps.store.secrets.open('totp-secret', row.secret), (req.body as { code: string }).code);
      if (step === null) throw new HttpError(400, 'wrong code', { code: 'totp_invalid' });
      await db.updateTable('console_totp').set({ enabled: 1, last_step: step }).where('email', '=', p.email).execute();
      await ctx.deps.store.appendEvent({ tenantId: p.tenantId, messageId: null, actor: p.email, type: 'console.totp_enabled', data: {} });
      const backupCodes = await issueBackupCodes(ctx.deps.store, p.email, p.tenantId, p.email);
      return { ok: true, totpEnabled: true, backupCodes };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/auth/totp/backup-codes',
    summary: 'Issue ten new two-factor backup codes (your password required); the earlier ones stop working. Shown this once',
    tag: 'auth',
    access: 'any',
    schema: {
      body: {
        type: 'object',
        required: ['password'],
        properties: { password: { type: 'string', maxLength: 1024 } },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, backupCodes: list(str) }),
    },
    async handler(req, ctx) {
      const p = ctx.principal!;
      const store = ctx.deps.store;
      const totp = await consoleDb(store).selectFrom('console_totp').select('enabled').where('email', '=', p.email).executeTakeFirst();
      if (totp?.enabled !== 1) throw new HttpError(409, 'turn on two-factor first', { code: 'totp_not_enabled' });
      // a stolen session alone must not mint a way past the second factor
      const who = await principalFor(store, p.email, 'session');
      if (!(await verifyPassword((req.body as { password: string }).password, who?.passwordHash))) {
        throw new HttpError(400, 'the password is wrong', { code: 'wrong_password' });
      }
      return { ok: true, backupCodes: await issueBackupCodes(store, p.email, p.tenantId, p.email) };
    },
  }),
];

/** 429 with Retry-After: too many wrong passwords for this account or from this client. */
function throttled(reply: FastifyReply, retryAfterSeconds: number): HttpError {
  reply.header('retry-after', String(retryAfterSeconds));
  return new HttpError(429, `too many failed attempts; try again in ${retryAfterSeconds} seconds`, {
    code: 'throttled',
    retryAfterSeconds,
  });
}
