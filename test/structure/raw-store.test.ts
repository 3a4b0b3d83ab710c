// The console's routes reach tenant data through the scoped store (src/console/api/scoped-store.ts):
// only the files listed here may name the raw store (`deps.store`, `scoped.raw`), each for a reason
// that has no tenant scope yet. A new use elsewhere fails here; move it into the scoped store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../src/console/api/', import.meta.url));

/** file → why it may use the raw store */
const ALLOWED: Record<string, string> = {
  'route.ts': 'authenticates the request and builds the scoped store',
  'scoped-store.ts': 'the scoped store itself',
  'auth.ts': 'login, logout, TOTP: the principal, before any tenant',
  'tenants.ts': "the operator's overview of every tenant",
  'audit.ts': "the operator's audit log across tenants (auditLogFor)",
  'approvals.ts': 'outbound actions: the actor carries the tenant (issue 18, left)',
  'held-mail.ts': 'outbound actions: the actor carries the tenant (issue 18, left)',
  'quarantine.ts': 'release requests: the tenant is passed with the request (issue 18, left)',
};

test('only the listed console API files touch the raw store', () => {
  const using = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => /\bdeps\.store\b|\.raw\b/.test(readFileSync(dir + f, 'utf8')));
  assert.deepEqual(
    using.filter((f) => !(f in ALLOWED)),
    [],
  );
  assert.deepEqual(
    Object.keys(ALLOWED).filter((f) => !using.includes(f)),
    [],
    'an allowance no longer needed: remove it',
  );
});
