// Two `sekisho start` processes on one PostgreSQL database share the queue: 500 messages
// submitted half to each node's submission port are delivered exactly once each (counted by
// Message-ID at the sink), and both nodes do part of the delivery work.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loopbackClient } from '../helpers/mail-client.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, startProcess, type StartedProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { openStore } from '../../src/store/open-store.ts';

const TOTAL = 500;

describe('two nodes on one PostgreSQL', { skip: !backends().includes('postgres') }, () => {
  let db: TestDatabase;
  let sink: Sink;
  const nodes: StartedProcess[] = [];

  before(async () => {
    db = await createTestDatabase('postgres');
    sink = await startSink();
    const env = (name: string, demo: boolean) =>
      childEnv(
        db,
        sink.url,
        {
          SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
          SEKISHO_NODE_NAME: name,
          SEKISHO_DEMO_TENANT: demo ? 'true' : 'false',
          SEKISHO_LOG_LEVEL: 'warn',
          // every node of a cluster seals and opens secrets with the same key file
          SEKISHO_SECRETS_KEY_FILE: join(db.dataDir, 'secretsKey'),
        },
        name,
      );
    // The first node migrates and creates the demo tenant; the second joins the same database.
    nodes.push(await startProcess(env('node-a', true)));
    nodes.push(await startProcess(env('node-b', false)));
  });
  after(async () => {
    for (const n of nodes) {
      n.child.kill('SIGTERM');
      await n.exited;
    }
    await sink.close();
    await db.drop();
  });

  it(`${TOTAL} messages split across both nodes are each delivered exactly once`, async () => {
    const transports = nodes.map((n) => loopbackClient(n.ports.submission, 8));
    await Promise.all(
      Array.from({ length: TOTAL }, (_, i) =>
        transports[i % 2]!.sendMail({
          from: 'admin@demo.example',
          to: `r${i % 7}@example.net`,
          subject: `multi ${i}`,
          text: `message ${i}\n`,
          messageId: `<multi-${i}@demo.example>`,
        }),
      ),
    );
    for (const t of transports) t.close();
    await sink.waitFor(TOTAL, 120_000);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive now
    const ids = sink.messages.map((m) => /Message-ID: <(multi-\d+)@/i.exec(m.raw.toString('latin1'))?.[1]).filter(Boolean);
    assert.equal(new Set(ids).size, TOTAL, 'every message delivered');
    assert.equal(ids.length, TOTAL, 'none delivered twice');

    // Both nodes worked, and the audit trail says each message was delivered once.
    const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir, poolSize: 1 });
    try {
      const rows = await store.db.selectFrom('messages').select(['state']).execute();
      assert.equal(rows.filter((r) => r.state === 'delivered').length, TOTAL);
      const delivered = await store.db.selectFrom('events').select(['id']).where('type', '=', 'delivered').execute();
      assert.equal(delivered.length, TOTAL);
    } finally {
      await store.close();
    }
    const perNode = await Promise.all(
      nodes.map(async (n) => {
        const text = await (await fetch(`http://127.0.0.1:${n.ports.http}/metrics`)).text();
        return [...text.matchAll(/^sekisho_messages_delivered_total\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
      }),
    );
    assert.equal(perNode[0]! + perNode[1]!, TOTAL, `deliveries per node: ${perNode.join(' + ')}`);
    assert.ok(
      perNode.every((n) => n > 0),
      `both nodes delivered: ${perNode.join(' + ')}`,
    );
    const logs = nodes.map((n) => n.output());
    assert.ok(
      logs.every((l) => !/lease lost/.test(l)),
      'no node lost a lease',
    );
  });
});
