// Waiting mail survives a restart on SQLite and PostgreSQL: a hold whose time ran out while
// Sekisho was down fires on start without anyone waking it, and a held message's page link still
// works (links live in the database, not in memory).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { backends } from '../helpers/databases.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startSekisho, type RunningSekisho } from '../../src/main.ts';
import { createLogger } from '../../src/util/logger.ts';
import { copies, formToken, linkIn, mail, startHarness, submit, waitNotice, type Harness } from './harness.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`outbound timers across a restart on ${kind}`, () => {
    let h: Harness;
    let second: RunningSekisho | null = null;
    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await second?.stop();
      await h.sink.close();
      await h.inst.db.drop();
    });

    it('fires a hold that ran out during downtime and keeps page links working', async () => {
      const discard = await submit(h, mail('HOLDDISCARD restart'), { to: ['partner@example.net'] });
      const manual = await submit(h, mail('HOLDMANUAL restart'), { to: ['partner@example.net'] });
      const path = linkIn((await waitNotice(h, 'held', 'HOLDMANUAL restart')).text, 'h');
      await h.inst.sekisho.stop();

      const config = loadConfig(
        {},
        {
          dataDir: h.inst.db.dataDir,
          databaseUrl: h.inst.db.url,
          submissionPort: 0,
          inboundPort: 0,
          httpPort: 0,
          demoTenant: false,
          pollIntervalMs: 50,
          relay: h.sink.url,
        },
      );
      const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
      // The first node is down; its hold time passes.
      const { openStore } = await import('../../src/store/open-store.ts');
      const offline = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      await offline.db
        .updateTable('messages')
        .set({ due_at: Date.now() - 1000 })
        .where('id', '=', discard)
        .execute();
      await offline.close();

      second = await startSekisho(config, quiet);
      const deadline = Date.now() + 15_000;
      while ((await second.store.message(discard, ALL_TENANTS))!.state !== 'discarded') {
        assert.ok(Date.now() < deadline, 'the overdue hold fired after the restart');
        await new Promise((r) => setTimeout(r, 25));
      }
      const base = `http://127.0.0.1:${second.ports.http}`;
      const page = await fetch(base + path).then((r) => r.text());
      assert.match(page, /確認して送信/);
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([
          ['formToken', formToken(page)],
          ['action', 'release'],
        ]).toString(),
      });
      assert.equal(res.status, 200);
      while ((await second.store.message(manual, ALL_TENANTS))!.state !== 'delivered') {
        assert.ok(Date.now() < deadline, 'released after the restart');
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(copies(h, 'HOLDMANUAL restart').length, 1);
      assert.equal(copies(h, 'HOLDDISCARD restart').length, 0);
    });
  });
}
