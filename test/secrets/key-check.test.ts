// One database, one secrets key: a node (or the CLI) whose key file lacks the key the database's
// secrets are sealed with refuses to open the store, naming both keys, rather than failing on every
// secret later. Rotation: a key appended to the file seals from the next start, which seals every
// stored secret afresh (`sekisho secrets rotate` does it at once); a node still holding only the old
// key is then refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.ts';
import { rotateKeyFile } from '../../src/secrets/key-file.ts';
import { dkimKeyFor, ensureDkimKey } from '../../src/delivery/dkim-keys.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';

for (const kind of backends()) {
  describe(`secrets key check on ${kind}`, () => {
    let db: TestDatabase;
    const keyA = () => join(db.dataDir, 'node-a', 'secretsKey');
    const open = (secretsKeyFile: string) => openStore({ databaseUrl: db.url, dataDir: db.dataDir, secretsKeyFile });

    before(async () => {
      db = await createTestDatabase(kind);
    });
    after(async () => {
      await db.drop();
    });

    it('a second key file on the same database is refused; the first goes on working', async () => {
      const a = await open(keyA());
      const tenant = await a.createTenant({ name: 'acme', domains: ['acme.example'] });
      const pem = (await ensureDkimKey(a, tenant.id, 'acme.example', 'test')).privateKeyPem;
      const idA = a.secrets.current.id;
      await a.close();
      await assert.rejects(open(join(db.dataDir, 'node-b', 'secretsKey')), (err: Error) => {
        assert.match(err.message, new RegExp(`sealed with secrets key ${idA}`));
        assert.match(err.message, /node-b\/secretsKey does not hold/);
        assert.match(err.message, /Every node needs the same key file/);
        return true;
      });
      assert.ok(!existsSync(join(db.dataDir, 'node-b', 'secretsKey')), 'the refused node left no key file of its own');
      const again = await open(keyA());
      assert.equal((await dkimKeyFor(again, 'acme.example'))!.privateKeyPem, pem);
      await again.close();
    });

    it('rotation: the new key seals everything at the next start; the old key file alone is refused from then on', async () => {
      const before = join(db.dataDir, 'old-secretsKey');
      copyFileSync(keyA(), before);
      const added = rotateKeyFile(keyA());
      const rotated = await open(keyA());
      assert.equal(rotated.secrets.current.id, added.id);
      const row = await rotated.db.selectFrom('dkim_keys').select('private_key').executeTakeFirstOrThrow();
      assert.ok(rotated.secrets.isCurrent(row.private_key), 'sealed afresh with the new key');
      assert.match((await dkimKeyFor(rotated, 'acme.example'))!.privateKeyPem, /BEGIN PRIVATE KEY/);
      await rotated.close();
      await assert.rejects(open(before), new RegExp(`sealed with secrets key ${added.id}`));
    });

    it('`sekisho secrets rotate` adds a key and seals everything with it at once', async () => {
      const env = {
        SEKISHO_CONFIG: '/dev/null',
        SEKISHO_DATA_DIR: db.dataDir,
        SEKISHO_DATABASE_URL: db.url ?? '',
        SEKISHO_SECRETS_KEY_FILE: keyA(),
      };
      const r = await runCli(['secrets', 'rotate'], env);
      assert.equal(r.code, 0, r.stderr);
      const id = /new secrets key ([0-9a-f]{8}) added/.exec(r.stdout)?.[1];
      assert.ok(id, r.stdout);
      const store = await open(keyA());
      assert.equal(store.secrets.current.id, id);
      const row = await store.db.selectFrom('dkim_keys').select('private_key').executeTakeFirstOrThrow();
      assert.ok(row.private_key.startsWith(`sk1:${id}:`));
      await store.close();
      const missing = await runCli(['secrets', 'rotate'], { ...env, SEKISHO_SECRETS_KEY_FILE: join(db.dataDir, 'nowhere', 'secretsKey') });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no secrets key file at/);
    });
  });
}
