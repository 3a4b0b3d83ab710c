// `processes: 2` on SQLite and PostgreSQL: one `sekisho start` runs two processes that share the
// ports and the database. Mail sent over many connections is delivered exactly once, both
// processes take part, /metrics (whichever process answers) counts all of it; a process killed
// with SIGKILL is replaced (on the same ports) and mail keeps flowing, and one killed under load
// loses no message it acknowledged; SIGTERM drains all and exits 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loopbackClient } from '../helpers/mail-client.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { CLI, childEnv, startProcess, type StartedProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { waitUntil } from '../helpers/wait.ts';

/** the Sekisho processes a primary started (not, say, the esbuild service tsx may have spawned) */
const children = (pid: number) => {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(CLI.at(-1)!);
    } catch {
      return false; // gone meanwhile
    }
  });
};

for (const kind of backends()) {
  describe(`sekisho start with processes: 2 on ${kind}`, () => {
    let db: TestDatabase;
    let sink: Sink;
    let p: StartedProcess;

    before(async () => {
      db = await createTestDatabase(kind);
      sink = await startSink();
      p = await startProcess(
        childEnv(db, sink.url, {
          SEKISHO_PROCESSES: '2',
          SEKISHO_DEMO_TENANT: 'true',
          SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
          SEKISHO_LOG_LEVEL: 'info',
          SEKISHO_LEASE_SECONDS: '2',
        }),
      );
    });
    after(async () => {
      if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await sink.close();
      await db.drop();
    });

    const send = async (from: number, count: number) => {
      // one connection per message, as many desktop clients do: the kernel spreads them
      await Promise.all(
        Array.from({ length: count }, (_, k) => {
          const i = from + k;
          const t = loopbackClient(p.ports.submission);
          return t.sendMail({
            from: 'admin@demo.example',
            to: `r${i % 5}@example.net`,
            subject: `procs ${i}`,
            text: `message ${i}\n`,
            messageId: `<procs-${i}@demo.example>`,
          });
        }),
      );
    };
    const delivered = () => sink.messages.map((m) => /Message-ID: <(procs-\d+)@/i.exec(m.raw.toString('latin1'))?.[1]).filter(Boolean);

    it('two processes share the work; each message is delivered once; /metrics counts all', async () => {
      assert.match(p.output(), /Sekisho is running \(.*, 2 processes\)/);
      assert.equal(p.output().match(/Demo tenant "demo" created/g)?.length, 1, 'the demo tenant is announced once, by the primary');
      assert.equal(children(p.child.pid!).length, 2);
      assert.equal((await fetch(`http://127.0.0.1:${p.ports.http}/healthz`)).status, 200);
      await send(0, 60);
      await sink.waitFor(60, 60_000);
      await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
      const ids = delivered();
      assert.equal(new Set(ids).size, 60);
      assert.equal(ids.length, 60, 'none delivered twice');

      // Which process accepted each message is in its log line (pid); both took connections.
      const acceptedBy = new Set([...p.output().matchAll(/"pid":(\d+)[^\n]*"msg":"smtp accepted"/g)].map((m) => m[1]));
      assert.equal(acceptedBy.size, 2, `accepting processes: ${[...acceptedBy].join(', ')}`);

      // Every scrape, whichever process answers it, counts the messages of both.
      for (let i = 0; i < 4; i++) {
        const text = await waitUntil(
          'every delivery counted',
          async () => {
            const t = await (await fetch(`http://127.0.0.1:${p.ports.http}/metrics`)).text();
            return /sekisho_delivery_latency_seconds_count\{direction="outbound"\} 60\b/.test(t) ? t : undefined;
          },
          30_000,
        );
        assert.match(text, /sekisho_messages_accepted_total\{tenant="[^"]+",direction="outbound"\} 60\b/);
        // the queue gauge comes from the shared database: taken once, not summed per process
        const queued = [...text.matchAll(/^sekisho_queue_messages\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
        assert.ok(queued <= 60, `queue gauge ${queued}`);
      }
    });

    it('a process killed with SIGKILL is replaced, and mail keeps flowing', async () => {
      const before = children(p.child.pid!);
      process.kill(before[0]!, 'SIGKILL');
      const after = await waitUntil(
        'a replacement process',
        () => {
          const now = children(p.child.pid!);
          return now.length === 2 && !now.includes(before[0]!) ? now : undefined;
        },
        30_000,
      );
      assert.ok(after.includes(before[1]!), 'the other process kept running');
      assert.match(p.output(), /a Sekisho process exited; starting another in its place/);
      // a process takes connections only once it listens: until then the other one has them all
      const newPid = after.find((pid) => pid !== before[1])!;
      await waitUntil(
        'the replacement serving',
        () => new RegExp(`"pid":${newPid},"msg":"replacement process serving"`).test(p.output()),
        30_000,
      );
      const n = sink.messages.length;
      await send(100, 20);
      await sink.waitFor(n + 20, 60_000);
      assert.equal(new Set(delivered()).size, 80);
    });

    it('a process killed with SIGKILL under load loses no acknowledged message', async () => {
      const TOTAL = 200;
      const transport = loopbackClient(p.ports.submission, 10);
      const acknowledged = new Set<string>();
      let killed = false;
      const victim = children(p.child.pid!)[0]!;
      await Promise.all(
        Array.from({ length: TOTAL }, async (_, k) => {
          const id = `load-${k}`;
          // like a real client: a message whose connection died before its 250 is sent again
          for (let attempt = 0; attempt < 5; attempt++) {
            try {
              await transport.sendMail({
                from: 'admin@demo.example',
                to: `r${k % 5}@example.net`,
                subject: `load ${k}`,
                text: `message ${k}\n`,
                messageId: `<${id}@demo.example>`,
              });
              acknowledged.add(id);
              if (acknowledged.size === 50 && !killed) {
                killed = true;
                process.kill(victim, 'SIGKILL');
              }
              return;
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        }),
      );
      transport.close();
      assert.ok(killed);
      assert.equal(acknowledged.size, TOTAL, 'every message was acknowledged, some after a resend');
      const arrived = () =>
        new Set(sink.messages.map((m) => /Message-ID: <(load-\d+)@/i.exec(m.raw.toString('latin1'))?.[1]).filter(Boolean));
      // the dead process's leased messages move to the other process once their lease (2 s) runs out
      await waitUntil('every acknowledged message delivered', () => [...acknowledged].every((id) => arrived().has(id)), 60_000);
    });

    it('SIGTERM drains every process and exits 0', async () => {
      const kids = children(p.child.pid!);
      p.child.kill('SIGTERM');
      assert.equal(
        await p.exited,
        0,
        p
          .output()
          .split('\n')
          .filter((l) => !/smtp accepted|delivered/.test(l))
          .slice(-15)
          .join('\n'),
      );
      for (const pid of kids) assert.throws(() => process.kill(pid, 0), 'no process left behind');
    });
  });
}
