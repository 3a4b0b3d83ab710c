// /api/users (admins): list, add one, CSV import (all or nothing, errors by line), change role,
// manager (approver), name, department, language, the addresses a user may send as besides their
// own and their sending settings (hold minutes, 送信確認 on/off: policy overrides); disable and
// enable, set a new password, reset two-factor. Users are always created in the caller's tenant,
// only with addresses in the tenant's domains, and found only in it; the changes are the services
// of src/users/people.ts (the CLI calls the same ones), audited with the admin.
import { issuePasswordResetLink } from '../../users/password-reset.ts';
import type { UserRole } from '../../users/people.ts';
import { ServiceError } from '../../util/service-error.ts';
import { hashPassword, generatePassword } from '../../util/password.ts';
import { EMAIL_RE } from '../../util/address.ts';
import { checkRowsForTenant, parseUserCsv, usersCsv, type CsvError, type CsvUser } from '../../users/user-csv.ts';
import type { ScopedStore } from './scoped-store.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import { bool, int, list, nullable, num, object, oneOfStrings, str } from './schema-kit.ts';
import {
  changeUserAndSendAs,
  listUsers,
  pageUsers,
  USER_PAGE_MAX,
  resetTwoFactor,
  setUserDisabled,
  setUserPassword,
  type UserChange,
} from '../../users/people.ts';

const roleEnum = { type: 'string', enum: ['user', 'approver', 'admin'] };
const emailParams = { type: 'object', required: ['email'], properties: { email: { type: 'string', maxLength: 320 } } };
const emailParam = (req: { params: unknown }) => (req.params as { email: string }).email;

/**
 * Creates the users when every row is good (checkRowsForTenant: in the tenant's domains, not taken,
 * an approver who exists).
 * Otherwise nothing is created and the answer lists every bad row — these and `earlier` (the CSV
 * parser's) together, in line order, each with a code the console words in the viewer's language.
 */
async function createChecked(
  scoped: ScopedStore,
  rows: Array<Omit<CsvUser, 'generated' | 'line'> & { line?: number }>,
  earlier: CsvError[] = [],
) {
  const errors: CsvError[] = [...earlier, ...(await scoped.ofTenant(checkRowsForTenant, rows))];
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line);
    const message = errors.map((e) => (e.line ? `line ${e.line}: ${e.message}` : e.message)).join('; ');
    // one user added by hand: its own error's words; a file: every bad row
    throw new HttpError(400, message, {
      code: rows.length === 1 && earlier.length === 0 && !rows[0]!.line ? errors[0]!.code : 'csv_invalid',
      errors,
    });
  }
  const users = await Promise.all(
    rows.map(async (r) => ({
      email: r.email,
      role: r.role,
      approverEmail: r.approverEmail,
      name: r.name,
      department: r.department,
      holdMinutes: r.holdMinutes,
      confirm: r.confirm,
      passwordHash: await hashPassword(r.password),
    })),
  );
  await scoped.createUsers(users);
}

export const userRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/users',
    summary:
      'Users of the tenant, a page at a time in address order (after = the previous page’s nextAfter), optionally only ' +
      'those whose address, name or department contains q',
    tag: 'users',
    access: 'admin',
    schema: {
      querystring: {
        type: 'object',
        properties: {
          q: { type: 'string', maxLength: 200 },
          after: { type: 'string', maxLength: 320 },
          limit: { type: 'integer', minimum: 1, maximum: USER_PAGE_MAX },
          tenant: { type: 'string', description: 'operators: tenant name or id' },
        },
        additionalProperties: false,
      },
      response: object({
        /** users matching q in the whole tenant */
        total: int,
        /** pass as `after` for the next page; null on the last page */
        nextAfter: nullable(str),
        items: list(
          object({
            email: str,
            role: oneOfStrings(['user', 'approver', 'admin']),
            approver: nullable(str),
            name: nullable(str),
            department: nullable(str),
            language: str,
            /** disabled users cannot log in (SMTP AUTH, console); their mail stays */
            disabled: bool,
            twoFactor: bool,
            /** addresses this user may send as besides their own (delegations) */
            maySendAs: list(str),
            createdAt: num,
            /** the user's own hold minutes (一時保留の時間), replacing the policy's for their mail; null = the policy's */
            holdMinutes: nullable(int),
            /** 送信確認: false = confirmation stages are skipped for their mail (never approval or block) */
            confirm: bool,
          }),
        ),
      }),
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const query = req.query as { q?: string; after?: string; limit?: number };
      const page = await scoped.ofTenant(pageUsers, query);
      const sendAs = await scoped.sendAsByUser();
      return {
        total: page.total,
        nextAfter: page.nextAfter,
        items: page.items.map(({ disabledAt: _at, id, ...u }) => ({ ...u, maySendAs: sendAs.get(id) ?? [] })),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users',
    summary: 'Add a user (an empty password generates one, returned once)',
    tag: 'users',
    access: 'admin',
    schema: {
      body: {
        type: 'object',
        required: ['email', 'role'],
        properties: {
          email: { type: 'string', maxLength: 320 },
          role: roleEnum,
          password: { type: 'string', maxLength: 1024 },
          approver: { type: 'string', maxLength: 320 },
        },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, email: str, generatedPassword: nullable(str) }),
    },
    async handler(req, ctx) {
      const b = req.body as { email: string; role: UserRole; password?: string; approver?: string };
      if (!EMAIL_RE.test(b.email)) throw new HttpError(400, `"${b.email}" is not an email address`);
      if (b.password && b.password.length < 8) throw new HttpError(400, 'password must have at least 8 characters');
      const password = b.password || generatePassword();
      await createChecked(await ctx.scoped(), [
        {
          email: b.email.toLowerCase(),
          role: b.role,
          password,
          approverEmail: b.approver?.toLowerCase() || null,
          name: null,
          department: null,
          holdMinutes: null,
          confirm: true,
        },
      ]);
      return { ok: true, email: b.email.toLowerCase(), generatedPassword: b.password ? null : password };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/users/export',
    summary:
      'The tenant’s users as CSV for Excel (UTF-8 with a BOM), in the import’s columns ' +
      'address,password,role,approver,name,department,holdMinutes,confirm; passwords are never exported (empty)',
    tag: 'users',
    access: 'admin',
    async handler(_req, ctx, reply) {
      const scoped = await ctx.scoped();
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sekisho-users-${day}.csv"`)
        .header('cache-control', 'no-store')
        .send(usersCsv(await scoped.ofTenant(listUsers)));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/import',
    summary:
      'CSV import: address,password,role[,approver[,name[,department[,holdMinutes[,confirm]]]]]; all rows or none — ' +
      'a 400 (code csv_invalid) lists every bad row with its line and code',
    tag: 'users',
    access: 'admin',
    schema: {
      body: {
        type: 'object',
        required: ['csv'],
        properties: { csv: { type: 'string', maxLength: 5_000_000 } },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, imported: int, generated: list(object({ email: str, password: str })) }),
    },
    async handler(req, ctx) {
      const parsed = parseUserCsv((req.body as { csv: string }).csv);
      await createChecked(await ctx.scoped(), parsed.rows, parsed.ok ? [] : parsed.errors);
      return {
        ok: true,
        imported: parsed.rows.length,
        generated: parsed.rows.filter((r) => r.generated).map((r) => ({ email: r.email, password: r.password })),
      };
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/users/:email',
    summary:
      'Change a user’s role, manager (approver; must be a user of this tenant), name, department, language, the ' +
      'addresses they may send as (maySendAs replaces the list) or their sending settings (holdMinutes, confirm: ' +
      'overrides of the policy for their mail)',
    tag: 'users',
    access: 'admin',
    schema: {
      params: emailParams,
      body: {
        type: 'object',
        properties: {
          role: roleEnum,
          approver: { type: ['string', 'null'], maxLength: 320 },
          language: { type: 'string', enum: ['ja', 'en'] },
          name: { type: ['string', 'null'], maxLength: 100 },
          department: { type: ['string', 'null'], maxLength: 100 },
          maySendAs: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 320 } },
          holdMinutes: {
            type: ['integer', 'null'],
            description: 'the user’s own hold minutes, 1 to 4320 (a 400 with code hold_minutes_range otherwise); null = the policy’s',
          },
          confirm: { type: 'boolean', description: '送信確認 on (the policy’s confirmations apply) or off (skipped for this user’s mail)' },
        },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, maySendAs: list(str) }, ['maySendAs']),
    },
    async handler(req, ctx) {
      const b = req.body as UserChange & { maySendAs?: string[] };
      const scoped = await ctx.scoped();
      const user = await scoped.user(emailParam(req));
      const { maySendAs: addresses, ...change } = b;
      if (change.role && change.role !== 'admin' && user.email === scoped.principal.email) {
        throw new ServiceError('own_role', 'you cannot take away your own admin role (ask another admin)');
      }
      if (addresses === undefined && Object.values(change).every((v) => v === undefined)) return { ok: true };
      // send-as and the other fields in one transaction: a refused part leaves the user unchanged
      const done = await scoped.withUser(user, changeUserAndSendAs, change, addresses, scoped.principal.email);
      return { ok: true, ...(done.maySendAs ? { maySendAs: done.maySendAs } : {}) };
    },
  }),
  ...(['disable', 'enable'] as const).map((verb) =>
    defineRoute({
      method: 'POST',
      url: `/api/users/:email/${verb}`,
      summary:
        verb === 'disable'
          ? 'Disable a user: SMTP AUTH and console login refused, sessions and API tokens end; their mail stays'
          : 'Enable a disabled user again',
      tag: 'users',
      access: 'admin',
      schema: { params: emailParams, response: object({ ok: { const: true }, changed: bool }) },
      async handler(req, ctx) {
        const scoped = await ctx.scoped();
        const user = await scoped.user(emailParam(req));
        if (verb === 'disable' && user.email === scoped.principal.email) {
          throw new ServiceError('own_account', 'you cannot disable your own account');
        }
        return { ok: true, changed: await scoped.withUser(user, setUserDisabled, verb === 'disable', scoped.principal.email) };
      },
    }),
  ),
  defineRoute({
    method: 'POST',
    url: '/api/users/:email/password',
    summary: 'Set a new password for a user (an empty one generates one, returned once); ends their console sessions',
    tag: 'users',
    access: 'admin',
    schema: {
      params: emailParams,
      body: {
        type: 'object',
        properties: { password: { type: 'string', maxLength: 1024 } },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, generatedPassword: nullable(str), sessionsEnded: int }),
    },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const user = await scoped.user(emailParam(req));
      const given = (req.body as { password?: string } | undefined)?.password;
      const password = given || generatePassword();
      const r = await scoped.withUser(user, setUserPassword, password, scoped.principal.email, scoped.principal.sessionHash);
      return { ok: true, generatedPassword: given ? null : password, sessionsEnded: r.sessionsEnded };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/:email/reset-link',
    summary:
      'Issue a password-reset link for a user (24 hours, single use; returned once, for the admin to pass on); ends ' +
      'their earlier open link',
    tag: 'users',
    access: 'admin',
    schema: { params: emailParams, response: object({ ok: { const: true }, url: str, expiresAt: int }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const user = await scoped.user(emailParam(req));
      const link = await scoped.withUser(user, issuePasswordResetLink, scoped.principal.email);
      return { ok: true, url: `${ctx.deps.config.publicUrl.replace(/\/+$/, '')}${link.path}`, expiresAt: link.expiresAt };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/:email/reset-2fa',
    summary: 'Remove a user’s two-factor enrolment (a lost phone)',
    tag: 'users',
    access: 'admin',
    schema: { params: emailParams, response: object({ ok: { const: true }, changed: bool }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const user = await scoped.user(emailParam(req));
      return { ok: true, changed: await scoped.withUser(user, resetTwoFactor, scoped.principal.email) };
    },
  }),
];
