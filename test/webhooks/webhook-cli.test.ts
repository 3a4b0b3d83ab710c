// `sekisho webhook list|add|remove` as operators run it, on SQLite and PostgreSQL: add prints the
// secret once and stores it sealed; list shows it without the secret; a bad URL or event is one line
// on stderr and a non-zero exit; remove with --yes removes it; every change is audited as "cli".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';
import { openStore } from '../../src/store/open-store.ts';

for (const kind of backends()) {
  describe(`sekisho webhook on ${kind}`, () => {
    let db: TestDatabase;
    let env: Record<string, string | undefined>;
    const cli = (args: string[]) => runCli(args, env);

    before(async () => {
      db = await createTestDatabase(kind);
      env = { SEKISHO_DATA_DIR: db.dataDir, SEKISHO_DATABASE_URL: db.url, SEKISHO_CONFIG: join(db.dataDir, 'none.yaml') };
      writeFileSync(join(db.dataDir, 'none.yaml'), '{}\n');
      assert.equal((await cli(['init'])).code, 0);
      assert.equal((await cli(['tenant', 'add', 'acme', '--domain', 'acme.example'])).code, 0);
    });
    after(async () => db.drop());

    it('adds, lists and removes a webhook; refuses a bad URL or event in one line', async () => {
      const bad = await cli(['webhook', 'add', 'file:///etc/passwd', '--tenant', 'acme']);
      assert.notEqual(bad.code, 0);
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
      const badEvent = await cli(['webhook', 'add', 'https://hooks.example.net/x', '--tenant', 'acme', '--events', 'held,sent']);
      assert.notEqual(badEvent.code, 0);
      assert.match(badEvent.stderr, /unknown webhook events: sent/);

      const added = await cli(['webhook', 'add', 'https://hooks.example.net/x', '--tenant', 'acme', '--events', 'held,quarantined']);
      assert.equal(added.code, 0, added.stderr);
      const id = /webhook (\w+) added/.exec(added.stdout)?.[1];
      const secret = /whsec_[\w-]+/.exec(added.stdout)?.[0];
      assert.ok(id && secret, added.stdout);

      const list = await cli(['webhook', 'list', '--tenant', 'acme']);
      assert.match(list.stdout, new RegExp(`${id}\\s+on\\s+https://hooks\\.example\\.net/x\\s+\\[held,quarantined\\]`));
      assert.equal(list.stdout.includes(secret), false, 'the list never shows the secret');

      const removed = await cli(['webhook', 'remove', id, '--tenant', 'acme', '--yes']);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match((await cli(['webhook', 'list', '--tenant', 'acme'])).stdout, /no webhooks/);

      const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
      try {
        const events = await store.db
          .selectFrom('events')
          .select(['type', 'actor'])
          .where('type', 'like', 'webhook.%')
          .orderBy('id')
          .execute();
        assert.deepEqual(events, [
          { type: 'webhook.created', actor: 'cli' },
          { type: 'webhook.deleted', actor: 'cli' },
        ]);
      } finally {
        await store.close();
      }
    });
  });
}
