// `npm run bench:kill9`: how many messages a kill -9 makes arrive twice. A child `sekisho start`
// relays to a recording SMTP sink while 10 client sessions submit KILL9_MESSAGES (default 2,000);
// it is killed with SIGKILL KILL9_KILLS times (default 1) in the middle of the load and started
// again, the clients resend what they got no 250 for, and at the end every Message-ID the sink saw
// more than once is counted. Those are deliveries the sink had accepted while the killed node had
// not yet committed the result (docs/delivery.md, "Exactly once"). That window is also measured
// directly: each node logs (level debug) how long after the next hop's reply each delivery result
// committed. KILL9_ROUNDS rounds (default 3) on each of KILL9_DATABASES (default sqlite,postgres);
// one line per round, then a summary.
import nodemailer from 'nodemailer';
import { createTestDatabase } from '../test/helpers/databases.ts';
import { childEnv, startProcess, type StartedProcess } from '../test/helpers/process.ts';
import { startSink, type Sink } from '../test/helpers/sink.ts';

const TOTAL = Number(process.env.KILL9_MESSAGES ?? 2000);
const KILLS = Number(process.env.KILL9_KILLS ?? 1);
const ROUNDS = Number(process.env.KILL9_ROUNDS ?? 3);
const DATABASES = (process.env.KILL9_DATABASES ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const SESSIONS = 10;
const CONCURRENCY = 20; // deliveryConcurrency: the most that can be in flight at a kill

interface Round {
  kind: string;
  duplicates: number;
  inFlightAtKills: number[];
  seconds: number;
  /** ms from the next hop's reply to the commit of the result, every delivery of the round */
  windows: number[];
}

async function round(kind: 'sqlite' | 'postgres'): Promise<Round> {
  const started = performance.now();
  const db = await createTestDatabase(kind);
  const sink = await startSink();
  const env = childEnv(db, `smtp://127.0.0.1:${sink.port}`, {
    SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
    SEKISHO_LEASE_SECONDS: '2',
    SEKISHO_RETRY_SCHEDULE: '1s',
    SEKISHO_LOG_LEVEL: 'debug',
    SEKISHO_DELIVERY_CONCURRENCY: String(CONCURRENCY),
  });
  const acked = new Set<number>();
  const inFlightAtKills: number[] = [];
  const windows: number[] = [];
  const collect = (node: StartedProcess) => {
    for (const m of node.output().matchAll(/"resultCommitMs":([\d.]+)/g)) windows.push(Number(m[1]));
  };
  try {
    for (let phase = 0; acked.size < TOTAL; phase++) {
      const node = await startProcess({ ...env, SEKISHO_DEMO_TENANT: phase === 0 ? 'true' : 'false' });
      const killAt = phase < KILLS ? ((phase + 1) * TOTAL) / (KILLS + 1) : Infinity;
      const todo = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !acked.has(i));
      let killed = false;
      await Promise.all(
        Array.from({ length: SESSIONS }, () =>
          session(node.ports.submission, todo, acked, () => {
            if (killed || acked.size < killAt || sink.messages.length === 0) return;
            killed = true;
            node.child.kill('SIGKILL');
          }),
        ),
      );
      if (!killed) {
        await allDelivered(sink);
        node.child.kill('SIGKILL');
        await node.exited;
        collect(node);
        break;
      }
      await settle(node, sink);
      collect(node);
      inFlightAtKills.push(sink.messages.length);
    }
    const counts = new Map<string, number>();
    for (const m of sink.messages) {
      const id = /Message-ID: <kill9-(\d+)@/i.exec(m.raw.toString('latin1'))?.[1];
      if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (counts.size !== TOTAL) throw new Error(`only ${counts.size} of ${TOTAL} messages arrived`);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    return { kind, duplicates, inFlightAtKills, seconds: (performance.now() - started) / 1000, windows };
  } finally {
    await sink.close();
    await db.drop();
  }
}

async function session(port: number, todo: number[], acked: Set<number>, afterEach: () => void): Promise<void> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
  for (let i = todo.shift(); i !== undefined; i = todo.shift()) {
    try {
      // a fixed Date: a resend is the same bytes, as an MTA resends its queue file
      await t.sendMail({
        from: 'admin@demo.example',
        to: `r${i % 5}@example.net`,
        subject: `kill9 ${i}`,
        text: `message ${i}\n`,
        messageId: `<kill9-${i}@demo.example>`,
        date: new Date(Date.UTC(2026, 10, 27, 1, 0, 0, i % 1000)),
      });
      acked.add(i);
    } catch {
      // no 250: resent in the next phase
    }
    afterEach();
  }
  t.close();
}

/** The killed node is gone and the sink has read its last bytes. */
async function settle(node: StartedProcess, sink: Sink): Promise<void> {
  await node.exited;
  for (const until = Date.now() + 10_000; sink.open > 0 && Date.now() < until; ) await sleep(20);
}

async function allDelivered(sink: Sink): Promise<void> {
  const ids = () => new Set(sink.messages.map((m) => /Message-ID: <kill9-(\d+)@/i.exec(m.raw.toString('latin1'))?.[1])).size;
  for (const until = Date.now() + 180_000; ids() < TOTAL && Date.now() < until; ) await sleep(100);
  // leases of a killed node expire after 2 s: whatever it left half done is redone by now
  await sleep(3000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const results: Round[] = [];
for (const kind of DATABASES) {
  for (let r = 0; r < ROUNDS; r++) {
    const result = await round(kind);
    results.push(result);
    process.stdout.write(
      `${kind}: ${TOTAL} messages, ${KILLS} kill(s): ${result.duplicates} delivered twice ` +
        `(sink had ${result.inFlightAtKills.join(', ')} at the kills; ${result.seconds.toFixed(0)} s); ` +
        `result committed after the reply: ${stats(result.windows)}\n`,
    );
  }
}
for (const kind of DATABASES) {
  const d = results.filter((r) => r.kind === kind).map((r) => r.duplicates);
  process.stdout.write(
    `${kind}: duplicates per round ${d.join(', ')}; total ${d.reduce((a, b) => a + b, 0)} over ${d.length * KILLS} kills ` +
      `(bound: ${CONCURRENCY} per kill); result committed after the reply: ` +
      `${stats(results.filter((r) => r.kind === kind).flatMap((r) => r.windows))}\n`,
  );
}

function stats(ms: number[]): string {
  if (ms.length === 0) return 'no measurements';
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return `mean ${mean.toFixed(1)} ms, p50 ${at(0.5)}, p90 ${at(0.9)}, p99 ${at(0.99)} (${sorted.length} deliveries)`;
}
process.exit(0);
