// /api/policy (admins): the YAML in force (and a rules list), validate without applying, apply;
// the versions ever applied (who, when, the YAML) and restoring one (applied again as a new
// version, audited as policy.restored). Errors carry line, column, field path and a code with
// values the console puts in the viewer's language (src/policy/load.ts). Applying goes through
// the outbound area's policy service, which stores a new version and audits it.
import { parsePolicy, POLICY_ERROR_CODES } from '../../policy/load.ts';
import { applyPolicy, currentPolicy, policyVersion, policyVersions, restorePolicyVersion } from '../../outbound/policy-service.ts';
import { policyToYaml } from '../../policy/load.ts';
import { defineRoute, HttpError, type RouteSpec } from './route.ts';
import type { Policy } from '../../policy/schema.ts';
import { anyObject, int, list, nullable, num, object, oneOfStrings, str } from './schema-kit.ts';

/** A rule as listed beside the YAML: `when` and each `then` entry as in the policy file (src/policy/schema.ts). */
const ruleSchema = object({
  direction: oneOfStrings(['outbound', 'inbound']),
  name: str,
  mode: oneOfStrings(['enforce', 'test']),
  when: nullable(anyObject),
  then: list(anyObject),
});
const policyErrorSchema = object({
  line: int,
  column: int,
  path: str,
  message: str,
  code: oneOfStrings(POLICY_ERROR_CODES),
  params: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
});
const versionParams = {
  type: 'object',
  required: ['version'],
  properties: { version: { type: 'integer', minimum: 0 } },
};
const versionItem = object({ version: int, createdAt: nullable(num), createdBy: nullable(str) });

const yamlBody = {
  type: 'object',
  required: ['yaml'],
  properties: { yaml: { type: 'string', maxLength: 1_000_000 } },
  additionalProperties: false,
};

function rulesOf(policy: Policy) {
  const list = (dir: 'outbound' | 'inbound') =>
    policy[dir].rules.map((r) => {
      const rule = r as unknown as { name: string; mode?: string; when?: unknown; then?: unknown[] };
      return { direction: dir, name: rule.name, mode: rule.mode ?? 'enforce', when: rule.when ?? null, then: rule.then ?? [] };
    });
  return [...list('outbound'), ...list('inbound')];
}

export const policyRoutes: RouteSpec[] = [
  defineRoute({
    method: 'GET',
    url: '/api/policy',
    summary: 'The policy in force: YAML, version, rules list',
    tag: 'policy',
    access: 'admin',
    schema: {
      response: object({
        version: int,
        yaml: str,
        createdAt: nullable(num),
        createdBy: nullable(str),
        rules: list(ruleSchema),
        versions: list(object({ version: int, createdAt: num, createdBy: str })),
      }),
    },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const p = await scoped.ofTenant(currentPolicy);
      return {
        version: p.version,
        yaml: p.yaml ?? policyToYaml(p.policy),
        createdAt: p.createdAt,
        createdBy: p.createdBy,
        rules: rulesOf(p.policy),
        versions: await scoped.ofTenant(policyVersions),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/policy/validate',
    summary: 'Check a policy without applying it; errors name line, column and field',
    tag: 'policy',
    access: 'admin',
    schema: {
      body: yamlBody,
      response: object({ ok: { type: 'boolean' }, errors: list(policyErrorSchema), rules: list(ruleSchema) }, ['rules']),
    },
    async handler(req, ctx) {
      await ctx.scoped();
      const r = parsePolicy((req.body as { yaml: string }).yaml);
      return r.ok ? { ok: true, errors: [], rules: rulesOf(r.policy) } : { ok: false, errors: r.errors };
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/policy',
    summary: 'Apply a new policy version (nothing changes on error: 400 with the errors)',
    tag: 'policy',
    access: 'admin',
    schema: { body: yamlBody, response: object({ ok: { const: true }, version: int }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const r = await scoped.ofTenant(applyPolicy, (req.body as { yaml: string }).yaml, scoped.principal.email);
      if (!r.ok) throw new HttpError(400, 'the policy has errors; nothing was changed', { errors: r.errors });
      return { ok: true, version: r.version };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/policy/versions',
    summary: 'Every policy version applied, newest first (who, when); version 0 is the default policy in force before any',
    tag: 'policy',
    access: 'admin',
    schema: { response: object({ current: int, items: list(versionItem) }) },
    async handler(_req, ctx) {
      const scoped = await ctx.scoped();
      const stored = await scoped.ofTenant(policyVersions);
      const current = stored[0]?.version ?? 0;
      return { current, items: [...stored, { version: 0, createdAt: null, createdBy: null }] };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/policy/versions/:version',
    summary: 'One policy version: its YAML exactly as applied, who and when',
    tag: 'policy',
    access: 'admin',
    schema: { params: versionParams, response: object({ version: int, yaml: str, createdAt: nullable(num), createdBy: nullable(str) }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { version } = req.params as { version: number };
      const v = await scoped.ofTenant(policyVersion, version);
      if (!v) throw new HttpError(404, `no policy version ${version}`, { code: 'no_such_policy_version' });
      return v;
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/policy/versions/:version/restore',
    summary: 'Put an earlier version back in force: its YAML is applied as a new version (audited as policy.restored)',
    tag: 'policy',
    access: 'admin',
    schema: { params: versionParams, response: object({ ok: { const: true }, version: int, restoredFrom: int }) },
    async handler(req, ctx) {
      const scoped = await ctx.scoped();
      const { version } = req.params as { version: number };
      const r = await scoped.ofTenant(restorePolicyVersion, version, scoped.principal.email);
      if ('notFound' in r) throw new HttpError(404, `no policy version ${version}`, { code: 'no_such_policy_version' });
      if (!r.ok) throw new HttpError(400, 'that version no longer passes validation; nothing was changed', { errors: r.errors });
      return { ok: true, version: r.version!, restoredFrom: version };
    },
  }),
];
