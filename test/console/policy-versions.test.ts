// Policy versions over the API on SQLite and PostgreSQL: every apply is kept (who, when, the YAML
// byte for byte); an earlier version — or the default policy, version 0 — is restored by applying
// its YAML as a new version, audited as policy.restored with the version it came from; another
// tenant's version is not found; validation errors carry a code and values for the console's
// words and the line of the offending field.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { currentPolicy } from '../../src/outbound/policy-service.ts';
import { loginApi, type Api } from './api-client.ts';

const V1 = `version: 1
# 社外宛ては5分保留
outbound:
  defaults:
    hold: { minutes: 5 }
`;
const V2 = `version: 1
outbound:
  rules:
    - name: 社外宛て承認
      when: { recipients: { external: true } }
      then: [ { approve: {} } ]
`;

for (const kind of backends()) {
  describe(`policy versions API on ${kind}`, () => {
    let inst: TestInstance;
    let admin: Api;
    let gadmin: Api;

    before(async () => {
      inst = await startInstance(kind);
      const store = inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(inst.tenantId, [{ email: 'admin@acme.example', passwordHash: pw, role: 'admin' }], 'test');
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      const base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      admin = await loginApi(base, 'admin@acme.example', PASSWORD);
      gadmin = await loginApi(base, 'gadmin@globex.example', PASSWORD);
    });
    after(async () => {
      await inst.stop();
    });

    it('apply → version list → view → restore → audit row', async () => {
      const empty = await admin.call('GET', '/api/policy/versions');
      assert.deepEqual(empty.json, { current: 0, items: [{ version: 0, createdAt: null, createdBy: null }] });

      const a1 = await admin.call('PUT', '/api/policy', { yaml: V1 });
      assert.equal(a1.status, 200);
      const a2 = await admin.call('PUT', '/api/policy', { yaml: V2 });
      assert.equal(a2.status, 200);
      const list = await admin.call('GET', '/api/policy/versions');
      assert.equal(list.json.current, a2.json.version);
      assert.deepEqual(
        list.json.items.map((v: { version: number }) => v.version),
        [a2.json.version, a1.json.version, 0],
      );
      assert.equal(list.json.items[0].createdBy, 'admin@acme.example');
      assert.equal(typeof list.json.items[0].createdAt, 'number');

      const one = await admin.call('GET', `/api/policy/versions/${a1.json.version}`);
      assert.equal(one.json.yaml, V1, 'the YAML is kept exactly as applied, comments and all');
      const dflt = await admin.call('GET', '/api/policy/versions/0');
      assert.match(dflt.json.yaml, /^version: 1$/m);

      const r = await admin.call('POST', `/api/policy/versions/${a1.json.version}/restore`);
      assert.equal(r.status, 200);
      assert.equal(r.json.restoredFrom, a1.json.version);
      assert.ok(r.json.version > a2.json.version, 'a restore is a new version; history only grows');
      const now = await admin.call('GET', '/api/policy');
      assert.equal(now.json.version, r.json.version);
      assert.equal(now.json.yaml, V1);
      const inForce = await currentPolicy(inst.sekisho.store, inst.tenantId);
      assert.equal(inForce.policy.outbound.defaults.hold?.minutes, 5);

      const ev = await inst.sekisho.store.db
        .selectFrom('events')
        .selectAll()
        .where('tenant_id', '=', inst.tenantId)
        .where('type', '=', 'policy.restored')
        .executeTakeFirstOrThrow();
      assert.equal(ev.actor, 'admin@acme.example');
      assert.deepEqual(
        { version: JSON.parse(ev.data).version, restoredFrom: JSON.parse(ev.data).restoredFrom },
        {
          version: r.json.version,
          restoredFrom: a1.json.version,
        },
      );
      // the audit API lists it under ポリシー変更
      const audit = await admin.call('GET', '/api/audit?type=policy');
      assert.equal(audit.status, 200);
      assert.ok(audit.json.items.some((i: { type: string }) => i.type === 'policy.restored'));

      // back to the default policy (version 0)
      const d = await admin.call('POST', '/api/policy/versions/0/restore');
      assert.equal(d.status, 200);
      assert.equal((await currentPolicy(inst.sekisho.store, inst.tenantId)).policy.outbound.defaults.hold, undefined);
    });

    it("another tenant's versions are not found, and nothing changes", async () => {
      const mine = (await admin.call('GET', '/api/policy/versions')).json.items[0].version;
      const theirs = await gadmin.call('GET', `/api/policy/versions/${mine}`);
      assert.equal(theirs.status, 404);
      assert.equal(theirs.json.code, 'no_such_policy_version');
      assert.equal((await gadmin.call('POST', `/api/policy/versions/${mine}/restore`)).status, 404);
      assert.equal((await gadmin.call('GET', '/api/policy/versions')).json.current, 0);
    });

    it('validation errors carry the line, a code and its values', async () => {
      const bad =
        'version: 1\noutbound:\n  rules:\n    - name: x\n      then: [ { hold: { minutes: 0 } } ]\n    - name: x\n      ' +
        'then: [ { blok: {} } ]\n';
      const v = await admin.call('POST', '/api/policy/validate', { yaml: bad });
      assert.equal(v.json.ok, false);
      const codes = v.json.errors.map((e: { line: number; code: string; params: object }) => [e.line, e.code, e.params]);
      assert.deepEqual(codes, [
        [5, 'tooSmall', { minimum: 1, of: 'number' }],
        [6, 'duplicateRule', { name: 'x' }],
        [7, 'unknownField', { field: 'blok' }],
      ]);
      const syntax = await admin.call('POST', '/api/policy/validate', { yaml: 'version: 1\nversion: 1\n' });
      assert.equal(syntax.json.errors[0].code, 'duplicateKey');
      assert.equal(syntax.json.errors[0].line, 2);
      const put = await admin.call('PUT', '/api/policy', { yaml: bad });
      assert.equal(put.status, 400);
      assert.equal(put.json.errors[0].code, 'tooSmall');
    });
  });
}
