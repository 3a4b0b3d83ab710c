// /api/users (admins): list, add one, CSV import (all or nothing, errors by line), change role,
// manager (approver), language and the addresses a user may send as besides their own. Users are
// always created in the caller's tenant, and only with addresses in the tenant's domains.
import { domainOf } from '../../accept/acceptor.ts';
import { hashPassword, generatePassword } from '../../util/password.ts';
import { EMAIL_RE } from '../../cli/context.ts';
import { parseUserCsv } from '../../users/user-csv.ts';
import type { ScopedStore } from '../../console/scoped-store.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import { int, list, nullable, num, object, oneOfStrings, str } from './schema-kit.ts';

const roleEnum = { type: 'string', enum: ['user', 'approver', 'admin'] };

async function createChecked(
  scoped: ScopedStore,
  rows: Array<{ line?: number; email: string; password: string; role: 'user' | 'approver' | 'admin'; approverEmail: string | null }>,
) {
  const domains = new Set((await scoped.domains()).map((d) => d.domain));
  const errors: Array<{ line: number; message: string }> = [];
  for (const r of rows)
    if (!domains.has(domainOf(r.email))) errors.push({ line: r.line ?? 0, message: `${r.email} is not in a domain of this tenant` });
  const existing = new Set(await scoped.raw.existingEmails(rows.map((r) => r.email)));
  for (const r of rows) if (existing.has(r.email)) errors.push({ line: r.line ?? 0, message: `user ${r.email} exists already` });
  if (errors.length > 0)
    throw new HttpError(400, errors.map((e) => (e.line ? `line ${e.line}: ${e.message}` : e.message)).join('; '), { errors });
  const users = await Promise.all(
    rows.map(async (r) => ({ email: r.email, role: r.role, approverEmail: r.approverEmail, passwordHash: await hashPassword(r.password) })),
  );
  await scoped.raw.createUsers(scoped.tenantId, users, scoped.principal.email);
}

export const userRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/users',
    summary: 'Users of the tenant',
    tag: 'users',
    access: 'admin',
    schema: {
      response: object({
        items: list(
          object({
            email: str,
            role: oneOfStrings(['user', 'approver', 'admin']),
            approver: nullable(str),
            language: str,
            /** addresses this user may send as besides their own (delegations) */
            maySendAs: list(str),
            createdAt: num,
          }),
        ),
      }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const rows = await scoped.users();
      const sendAs = await scoped.sendAsByUser();
      return {
        items: rows.map((u) => ({
          email: u.email,
          role: u.role,
          approver: u.approver_email,
          language: u.language,
          maySendAs: sendAs.get(u.id) ?? [],
          createdAt: Number(u.created_at),
        })),
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
      const b = req.body as { email: string; role: 'user' | 'approver' | 'admin'; password?: string; approver?: string };
      if (!EMAIL_RE.test(b.email)) throw new HttpError(400, `"${b.email}" is not an email address`);
      if (b.password && b.password.length < 8) throw new HttpError(400, 'password must have at least 8 characters');
      const password = b.password || generatePassword();
      await createChecked(await ctx.scoped(), [
        { email: b.email.toLowerCase(), role: b.role, password, approverEmail: b.approver?.toLowerCase() || null },
      ]);
      return { ok: true, email: b.email.toLowerCase(), generatedPassword: b.password ? null : password };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/users/import',
    summary: 'CSV import: address,password,role[,approver]; all rows or none',
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
      if (!parsed.ok)
        throw new HttpError(400, parsed.errors.map((e) => `line ${e.line}: ${e.message}`).join('; '), { errors: parsed.errors });
      await createChecked(await ctx.scoped(), parsed.rows);
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
    summary: 'Change a user’s role, manager (approver), language or the addresses they may send as (maySendAs replaces the list)',
    tag: 'users',
    access: 'admin',
    schema: {
      params: { type: 'object', required: ['email'], properties: { email: { type: 'string', maxLength: 320 } } },
      body: {
        type: 'object',
        properties: {
          role: roleEnum,
          approver: { type: ['string', 'null'], maxLength: 320 },
          language: { type: 'string', enum: ['ja', 'en'] },
          maySendAs: { type: 'array', maxItems: 200, items: { type: 'string', maxLength: 320 } },
        },
        additionalProperties: false,
      },
      response: object({ ok: { const: true }, maySendAs: list(str) }, ['maySendAs']),
    },
    async handler(req, ctx) {
      const b = req.body as {
        role?: 'user' | 'approver' | 'admin';
        approver?: string | null;
        language?: 'ja' | 'en';
        maySendAs?: string[];
      };
      if (b.approver && !EMAIL_RE.test(b.approver)) throw new HttpError(400, `"${b.approver}" is not an email address`);
      const scoped = await ctx.scoped();
      const email = (req.params as { email: string }).email;
      const maySendAs = b.maySendAs === undefined ? undefined : await scoped.setUserSendAs(email, b.maySendAs);
      if (maySendAs === undefined || b.role !== undefined || b.approver !== undefined || b.language !== undefined) {
        await scoped.updateUser(email, {
          role: b.role,
          approverEmail: b.approver === undefined ? undefined : b.approver || null,
          language: b.language,
        });
      }
      return { ok: true, ...(maySendAs ? { maySendAs } : {}) };
    },
  }),
];
