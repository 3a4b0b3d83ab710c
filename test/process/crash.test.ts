// kill -9 in the middle of a 500-message load (submissions and deliveries both running), then
// restart: every message the node acknowledged is delivered, the client resends the ones it
// got no "250" for (as any SMTP client does), and in the end each of the 500 Message-IDs has
// reached the sink. A resend of a message committed before the kill is not queued twice; the
// only duplicates allowed are deliveries in flight at the kill (the window SMTP cannot close).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loopbackClient } from '../helpers/mail-client.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, startProcess } from '../helpers/process.ts';
import { openStore } from '../../src/store/open-store.ts';
import { startSink, type Sink } from '../helpers/sink.ts';

const TOTAL = 500;
const SESSIONS = 10;

for (const kind of backends()) {
  describe(`kill -9 under load on ${kind}`, () => {
    let db: TestDatabase;
    let sink: Sink;
    let env: Record<string, string | undefined>;

    before(async () => {
      db = await createTestDatabase(kind);
      sink = await startSink();
      env = childEnv(db, `smtp://127.0.0.1:${sink.port}`, {
        SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
        SEKISHO_DEMO_TENANT: 'true',
        SEKISHO_LEASE_SECONDS: '2',
        SEKISHO_RETRY_SCHEDULE: '1s',
        SEKISHO_LOG_LEVEL: 'warn',
      });
    });
    after(async () => {
      await sink.close();
      await db.drop();
    });

    it(`${TOTAL} messages, SIGKILL mid-load, restart: all delivered, none twice except in-flight deliveries`, async () => {
      const first = await startProcess(env);
      const acked = new Set<number>();
      let next = 0;
      let killed = false;
      const session = async (port: number, todo: number[]) => {
        const t = loopbackClient(port, 1);
        for (;;) {
          const i = todo.length ? todo.shift() : undefined;
          if (i === undefined) break;
          try {
            // a fixed Date: a resend is the same bytes, as an MTA resends its queue file
            await t.sendMail({
              from: 'admin@demo.example',
              to: `r${i % 5}@example.net`,
              subject: `crash ${i}`,
              text: `message ${i}\n`,
              messageId: `<crash-${i}@demo.example>`,
              date: new Date(Date.UTC(2026, 10, 27, 1, 0, 0, i)),
            });
            acked.add(i);
          } catch {
            // no 250: the client keeps it and sends it again later
          }
          if (!killed && acked.size >= TOTAL / 2 && sink.messages.length > 0) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
        t.close();
      };
      const all = Array.from({ length: TOTAL }, () => next++);
      await Promise.all(Array.from({ length: SESSIONS }, () => session(first.ports.submission, all)));
      await first.exited;
      assert.ok(killed, 'the node was killed during the load');
      // The exit is reported before the sink has necessarily read the killed node's last bytes: a
      // delivery it finished just before dying is counted only once its session has closed.
      for (const until = Date.now() + 10_000; sink.open > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
      assert.equal(sink.open, 0, "the killed node's delivery sessions have closed");
      const deliveredBeforeRestart = sink.messages.length;
      const ackedBeforeKill = acked.size;
      assert.ok(
        acked.size < TOTAL && deliveredBeforeRestart < TOTAL,
        `killed mid-load (acked ${acked.size}, delivered ${deliveredBeforeRestart})`,
      );

      const second = await startProcess({ ...env, SEKISHO_DEMO_TENANT: 'false' });
      const unacked = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !acked.has(i));
      await Promise.all(Array.from({ length: SESSIONS }, () => session(second.ports.submission, unacked)));
      assert.equal(acked.size, TOTAL, 'the restarted node acknowledged the rest');
      process.stderr.write(`# crash ${kind}: acked before kill ${ackedBeforeKill}, delivered before restart ${deliveredBeforeRestart}\n`);
      const deadline = Date.now() + 120_000;
      while (
        new Set(sink.messages.map((m) => /Message-ID: <crash-(\d+)@/i.exec(m.raw.toString('latin1'))?.[1])).size < TOTAL &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      // Leases of the killed node expire after 2 s; anything it left half-done is redone now.
      await new Promise((r) => setTimeout(r, 3000));
      const ids = sink.messages.map((m) => /Message-ID: <crash-(\d+)@/i.exec(m.raw.toString('latin1'))?.[1]).filter(Boolean);
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id!, (counts.get(id!) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id!);
      process.stderr.write(`# crash ${kind}: ${twice.length} delivered twice (in flight at the kill)\n`);
      second.child.kill('SIGKILL');
      await second.exited;
      const store = await openStore({ databaseUrl: db.url, dataDir: join(db.dataDir, 'data') });
      const suppressed = await store.db.selectFrom('events').select('message_id').where('type', '=', 'duplicate.suppressed').execute();
      await store.close();
      process.stderr.write(`# crash ${kind}: ${suppressed.length} resends of committed messages recognised and not queued again\n`);
      assert.equal(counts.size, TOTAL, 'every message delivered');
      // SMTP has no idempotent DATA. A client's resend of a message the killed node had committed
      // but not yet answered 250 for is recognised (src/accept/resubmission.ts) and not queued
      // again. What remains is the delivery side, which no gateway can close: a delivery the sink
      // had answered 250 for while the killed node had not yet committed the result is sent again
      // when its lease expires (RFC 1047; Postfix has the same window). Only those may appear twice:
      // their first copy reached the sink before the restart, and there are at most as many as
      // deliveries run in parallel (deliveryConcurrency, 20).
      const firstIndex = (id: string) => ids.indexOf(id);
      for (const id of twice) {
        assert.ok(firstIndex(id) < deliveredBeforeRestart, `crash-${id} was delivered twice but was not in flight at the kill`);
      }
      assert.ok(twice.length <= 20, `${twice.length} duplicates`);
      const acknowledgedLost = [...acked].filter((i) => !counts.has(String(i)));
      assert.deepEqual(acknowledgedLost, [], 'no acknowledged message lost');
    });
  });
}
