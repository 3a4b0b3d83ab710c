// The relay bench (`npm run bench`, modes new and reused): a child `sekisho start` (SQLite, temp
// dir, relaying to the counting sink) under 20 SMTP sessions sending 10 KB messages, new connection
// per message and reused: smtp-source ×19 + a Node probe session for latency (20 Node sessions with
// BENCH_GENERATOR=node or no smtp-source). For each mode a fresh start: the first BENCH_COLD
// messages (3,000) are the cold figure, then unmeasured messages up to the warm-up
// (3,000 per Sekisho process), then BENCH_MESSAGES (5,000) give the steady figure. Prints msgs/s end
// to end, p50/p99 acceptance latency, peak RSS and CPU per message; where Postfix is installed,
// the same for a throwaway Postfix relay on loopback, fresh per mode too, and the ratios.
// Sekisho runs as an operator would run it on this host: `processes: auto`, one per core
// (BENCH_PROCESSES=1 measures a single process).
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, startBuiltProcess, withDefaultWarmUp } from '../test/helpers/process.ts';
import { processCount } from '../src/cli/start-processes.ts';
import { startCountingSink, type Sink } from './sink.ts';
import { Session } from './smtp-client.ts';
import { benchCpuSeconds, connectionsPerProcess, cpuSeconds, machineBusySeconds, percentile, processTree, rssMb } from './proc.ts';
import { startPostfix } from './postfix.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const SESSIONS = 20;
const SIZE = 10 * 1024;
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const PROCESSES = process.env.BENCH_PROCESSES ?? 'auto';
// The cold figure: the first messages after a fresh `sekisho start` (a deploy, a reload, a
// failover), as issue 23 measures it.
const COLD = Number(process.env.BENCH_COLD ?? 3000);
// The steady figure is for a gateway that has been running: V8 optimizes Sekisho's hot paths over
// its first few thousand messages per process, so the measured messages come after 3,000 per
// Sekisho process (the cold ones included). Postfix gets the same number. BENCH_WARMUP overrides.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000 * processCount(PROCESSES === 'auto' ? 'auto' : Number(PROCESSES)));
// postfix's smtp-source is a C program: it costs the 2-core machine far less CPU per message than
// a Node client would, and that CPU is taken from whatever is being measured
const USE_SMTP_SOURCE = process.env.BENCH_GENERATOR !== 'node' && existsSync(SMTP_SOURCE);

// a start takes ~12 s of CPU with two processes (4.6 s with one: each loads and compiles the
// TypeScript), which is minutes on a busy machine
export const START_TIMEOUT_MS = 300_000;

/**
 * Node options for a Sekisho start under the bench. BENCH_PROFILE=DIR: each Sekisho process writes
 * a V8 CPU profile there when it exits; BENCH_NODE_ARGS: more options (say --trace-opt
 * --trace-deopt, with BENCH_CHILD_LOG).
 */
export function sekishoNodeArgs(): string[] {
  return [
    ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ];
}

/** BENCH_CHILD_LOG=PREFIX: what a start printed (its ports, then any V8 traces) in PREFIX-<name>.log */
export function keepChildLog(name: string, output: string): void {
  if (process.env.BENCH_CHILD_LOG) writeFileSync(`${process.env.BENCH_CHILD_LOG}-${name}.log`, output);
}
/** What a start prints after its ports is kept only for BENCH_CHILD_LOG (else read and dropped). */
export const KEEP_CHILD_OUTPUT = Boolean(process.env.BENCH_CHILD_LOG);
/**
 * Sekisho's log level under the bench: BENCH_LOG_LEVEL, default warn. The product's default, info,
 * logs two lines per message (docs/delivery.md, "Current figures").
 */
export const BENCH_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';

export type RelayMode = 'new' | 'reused';
const connections = (reuse: boolean) => (reuse ? 'reused connections' : 'new connection per message');

interface Result {
  mode: string;
  connections: string;
  /** 'cold': the first messages after a fresh start; 'steady': after the warm-up */
  phase: 'cold' | 'steady';
  msgsPerSec: number;
  p50: number;
  p99: number;
  /** messages measured: smtp-source's count plus the probe's, or the count asked for */
  messages: number;
  peakRssMb: number | null;
  /** CPU time of the measured processes per message (ms), where it can be read */
  cpuMsPerMsg: number | null;
  /** the kernel's share of that CPU time (system / (user + system)) */
  systemShare: number | null;
  /** CPU time of the bench per message (ms): this process (sink, probe or Node generator) and its
   * children that exited meanwhile (smtp-source) */
  benchCpuMsPerMsg: number;
  /** busy CPU time of the whole machine per message (ms), from /proc/stat: the relay, the bench
   * and anything else running. Minus the bench's own, it is the relay's cost where its processes
   * cannot be read one by one (Postfix's short-lived ones) */
  machineCpuMsPerMsg: number;
  /** reused connections to a relay of several processes: how many each held (the most seen), else null */
  split: number[] | null;
}

/** a relay under test, started fresh for each mode */
interface Relay {
  port: number;
  pids: () => number[];
  stop: () => Promise<void>;
}

// ── the load generators: smtp-source, or a minimal pipelining-free SMTP client on raw sockets
// (which also serves as smtp-source's latency probe) ──────────────────────────────────────────
const LINE = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n';
const FILL = LINE.repeat(Math.ceil(SIZE / LINE.length));
/** a message of at least SIZE bytes, whole lines, with its own Message-ID (the gateway does not
 * queue a resend of the same bytes again), ending with "." CRLF */
function body(i: number): string {
  const head =
    `From: admin@demo.example\r\nTo: rcpt@example.net\r\nSubject: bench ${i}\r\nMessage-ID: ` +
    `<bench-${i}-${Date.now()}@demo.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  return head + FILL.slice(0, Math.ceil((SIZE - head.length) / LINE.length) * LINE.length) + '.\r\n';
}

interface Run {
  start: number;
  latencies: number[];
  /** messages sent and accepted */
  sent: number;
}

/** SESSIONS Node sessions share `count` messages, built before the clock starts */
async function driveNode(port: number, reuse: boolean, count: number): Promise<Run> {
  const messages = Array.from({ length: count }, (_, i) => body(i));
  let next = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      let s: Session | null = null;
      for (;;) {
        const i = next++;
        if (i >= count) break;
        const t0 = performance.now();
        if (!s) s = await Session.open(port);
        await s.send(messages[i]!);
        latencies.push(performance.now() - t0);
        if (!reuse) {
          await s.close();
          s = null;
        }
      }
      await s?.close();
    }),
  );
  return { start, latencies, sent: count };
}

/**
 * smtp-source sends `count` messages over SESSIONS - 1 sessions; it reports no latencies, so one
 * Node probe session in the same mode sends back-to-back for as long as smtp-source runs and times
 * each of its messages. The probe's messages count as sent too.
 */
async function driveSmtpSource(port: number, reuse: boolean, count: number): Promise<Run> {
  const args = [
    '-4',
    ...['-s', String(SESSIONS - 1), '-m', String(count)],
    // -l is the body only: smtp-source adds From, To, Date and Message-Id headers (about 145
    // bytes, and the Message-Id differs per message, so none is taken for a resend). Not -F: every
    // message would carry the file's one Message-ID and bytes.
    ...['-l', String(SIZE - 150)],
    ...['-f', 'admin@demo.example', '-t', 'rcpt@example.net', '-M', 'bench.example'],
    ...(reuse ? ['-d'] : []), // without -d, one connection per message
    `127.0.0.1:${port}`,
  ];
  const start = performance.now();
  const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  let running = true;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => {
      running = false;
      reject(e);
    });
    child.once('close', (code) => {
      running = false;
      resolve(code);
    });
  });
  const latencies: number[] = [];
  let probed = 0;
  try {
    let s: Session | null = null;
    while (running) {
      const t0 = performance.now();
      if (!s) s = await Session.open(port);
      await s.send(body(probed));
      latencies.push(performance.now() - t0);
      probed++;
      if (!reuse) {
        await s.close();
        s = null;
      }
    }
    await s?.close();
  } catch (e) {
    child.kill();
    exited.catch(() => {});
    throw e;
  }
  const code = await exited;
  // without -A smtp-source stops at the first reply that is not positive and says why
  if (code !== 0) throw new Error(`smtp-source exited with ${code}: ${stderr.trim()}`);
  return { start, latencies, sent: count + probed };
}

/** one run of the chosen generator; resolves once every message sent has arrived at the sink */
async function load(port: number, sink: Sink, reuse: boolean, count: number): Promise<Run> {
  let total!: (n: number) => void;
  const arrived = sink.expect(new Promise<number>((r) => (total = r)));
  const run = await (USE_SMTP_SOURCE ? driveSmtpSource : driveNode)(port, reuse, count);
  total(run.sent);
  // a message accepted but never relayed (say, taken for a resend) would otherwise hang the bench
  let seen = -1;
  let stalled: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => {
    stalled = setInterval(() => {
      if (sink.count() === seen) reject(new Error(`the sink stopped at ${seen} of ${run.sent} messages`));
      seen = sink.count();
    }, 60_000);
  });
  try {
    await Promise.race([arrived, stall]);
  } finally {
    clearInterval(stalled);
  }
  return run;
}

/** one measured run of `count` messages */
async function measureRun(
  label: string,
  relay: Relay,
  sink: Sink,
  reuse: boolean,
  count: number,
  phase: Result['phase'],
  cpuReadable: boolean,
): Promise<Result> {
  let peak = 0;
  let split: number[] | null = null;
  // the kernel hands each long-lived connection to one process for good: how they fell
  const splitOf = () => connectionsPerProcess(relay.pids(), relay.port);
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(relay.pids()));
    if (!reuse || !cpuReadable) return;
    const now = splitOf();
    if (now.length > 1 && (!split || sum(now) > sum(split))) split = now.sort((a, b) => b - a);
  }, 100);
  const cpu0 = cpuSeconds(relay.pids());
  const bench0 = benchCpuSeconds();
  const machine0 = machineBusySeconds();
  const series = SERIES ? arrivalSeries(sink) : null;
  const { start, latencies, sent } = await load(relay.port, sink, reuse, count);
  series?.stop();
  const cpu1 = cpuSeconds(relay.pids());
  const cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  const systemShare = cpu > 0 ? (cpu1.system - cpu0.system) / cpu : 0;
  const benchCpu = benchCpuSeconds() - bench0;
  const machineCpu = machineBusySeconds() - machine0;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(relay.pids()));
  latencies.sort((a, b) => a - b);
  const r: Result = {
    mode: `${label}, ${connections(reuse)}, ${phase === 'cold' ? `cold (first ${count} after start)` : 'steady'}`,
    connections: connections(reuse),
    phase,
    messages: sent,
    msgsPerSec: sent / ((sink.lastAt() - start) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    peakRssMb: relay.pids().length ? peak : null,
    cpuMsPerMsg: cpuReadable ? (cpu * 1000) / sent : null,
    systemShare: cpuReadable ? systemShare : null,
    benchCpuMsPerMsg: (benchCpu * 1000) / sent,
    machineCpuMsPerMsg: (machineCpu * 1000) / sent,
    split,
  };
  print(r);
  if (series) console.log(`  arrivals per 0.5 s: ${series.counts.join(' ')}`);
  return r;
}

/** BENCH_SERIES=1: messages arriving at the sink per half second of a run (where a cold start's time goes). */
const SERIES = process.env.BENCH_SERIES === '1';

/** Counts the sink's arrivals per half second until stopped (the sink counts from zero at each run's start). */
function arrivalSeries(sink: Sink): { counts: number[]; stop: () => void } {
  const counts: number[] = [];
  let seen = 0;
  const take = () => {
    const now = sink.count();
    counts.push(now - seen);
    seen = now;
  };
  const timer = setInterval(take, 500);
  return {
    counts,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/** For each mode: a fresh relay; its first COLD messages (cold), the rest of the warm-up, then MESSAGES (steady). */
async function measure(
  label: string,
  start: (mode: RelayMode) => Promise<Relay | null>,
  sink: Sink,
  modes: RelayMode[],
  cpuReadable: boolean,
): Promise<Result[]> {
  const out: Result[] = [];
  for (const mode of modes) {
    const reuse = mode === 'reused';
    const relay = await start(mode);
    if (!relay) return out;
    try {
      if (COLD > 0) out.push(await measureRun(label, relay, sink, reuse, COLD, 'cold', cpuReadable));
      // Warm-up in the same mode, not measured: JIT of that mode's code paths, lazily loaded
      // modules, first growth of the database and queue files.
      if (WARMUP > COLD) await load(relay.port, sink, reuse, WARMUP - COLD);
      out.push(await measureRun(label, relay, sink, reuse, MESSAGES, 'steady', cpuReadable));
    } finally {
      await relay.stop();
    }
  }
  return out;
}

function print(r: Result): void {
  console.log(
    `${r.mode.padEnd(88)} ${r.msgsPerSec.toFixed(0).padStart(6)} msg/s (${r.messages})   ` +
      `p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   ` +
      `peak RSS ${r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(0) + ' MB'}   ` +
      `CPU ${r.cpuMsPerMsg === null ? 'n/a' : r.cpuMsPerMsg.toFixed(2) + ` ms/msg, ${(100 * r.systemShare!).toFixed(0)}% kernel`} ` +
      `(bench ${r.benchCpuMsPerMsg.toFixed(2)}; machine ${r.machineCpuMsPerMsg.toFixed(2)}, ` +
      `minus bench ${(r.machineCpuMsPerMsg - r.benchCpuMsPerMsg).toFixed(2)})`,
  );
  if (r.split) {
    console.log(
      `  connections per process: ${r.split.join(' / ')} ` +
        '(long-lived connections stay where the kernel put them; the busiest process sets the rate, docs/scale-out.md)',
    );
  }
  if (r.cpuMsPerMsg === null) return; // Postfix: its own CPU is the machine's, nothing to set apart
  const foreign = r.machineCpuMsPerMsg - r.benchCpuMsPerMsg - r.cpuMsPerMsg;
  // The kernel's own threads (the file system journal, the network) account for a few tenths of a
  // millisecond per message; more than that is another load beside the bench, and the figure shows it.
  if (foreign > Math.max(FOREIGN_CPU_MS, 0.3 * r.cpuMsPerMsg)) {
    console.log(`  ↑ disturbed: the machine spent ${foreign.toFixed(2)} ms per message outside the bench and the relay (another load ran)`);
  }
}

/** CPU per message outside the bench and the relay above which a run is reported as disturbed. */
const FOREIGN_CPU_MS = 0.5;

/** Runs the relay bench for these modes in `dir`; prints as it goes. */
export async function runRelayBench(dir: string, modes: RelayMode[]): Promise<void> {
  const sink = await startCountingSink();
  const generator = USE_SMTP_SOURCE
    ? `smtp-source: ${SIZE / 1024} KB messages over ${SESSIONS - 1} sessions ` +
      '+ a Node probe session sending for as long (p50/p99 from the probe session)'
    : `Node generator: ${SIZE / 1024} KB messages over ${SESSIONS} sessions`;
  console.log(
    `relay bench — ${generator}; each mode from a fresh start: the first ${COLD} messages (cold), ` +
      `unmeasured messages up to ${WARMUP}, then ${MESSAGES} (steady); sink on 127.0.0.1:${sink.port}\n`,
  );
  const startSekisho = async (mode: RelayMode): Promise<Relay> => {
    const sekisho = await startBuiltProcess(
      // with the start's warm-up as installs run it (SEKISHO_WARM_UP_MESSAGES=0 measures without)
      withDefaultWarmUp(
        childEnv(
          { dataDir: dir },
          `smtp://127.0.0.1:${sink.port}`,
          {
            SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
            SEKISHO_LOG_LEVEL: BENCH_LOG_LEVEL,
            SEKISHO_PROCESSES: PROCESSES,
            // a first start with the demo tenant, which sends every bench message; the tenant send
            // limits (5,000 an hour by default) would stop the bench itself
            SEKISHO_DEMO_TENANT: 'true',
            SEKISHO_SEND_LIMIT_TENANT_MESSAGES_PER_HOUR: '0',
            SEKISHO_SEND_LIMIT_TENANT_RECIPIENTS_PER_HOUR: '0',
          },
          `sekisho-${mode}`,
        ),
      ),
      sekishoNodeArgs(),
      START_TIMEOUT_MS,
      KEEP_CHILD_OUTPUT,
    );
    return {
      port: sekisho.ports.submission,
      pids: () => processTree(sekisho.child.pid!),
      stop: async () => {
        keepChildLog(mode, sekisho.output());
        sekisho.child.kill('SIGTERM');
        await Promise.race([sekisho.exited, new Promise((r) => setTimeout(r, 5000))]);
        sekisho.child.kill('SIGKILL');
      },
    };
  };
  const results = await measure(`Sekisho (SQLite, processes: ${PROCESSES})`, startSekisho, sink, modes, true);
  if (process.env.BENCH_POSTFIX === 'no') console.log('\nPostfix skipped (BENCH_POSTFIX=no)');
  else {
    const startPf = async (mode: RelayMode): Promise<Relay | null> => {
      const pf = await startPostfix(join(dir, `postfix-${mode}`), sink.port);
      return pf && { port: pf.port, pids: pf.pids, stop: async () => void pf.stop() };
    };
    // postfix's short-lived processes exit before they can be read: no CPU figure for it
    const pf = await measure('Postfix', startPf, sink, modes, false);
    if (pf.length === 0) console.log('\nPostfix not installed or did not start (apt-get install -y postfix): no comparison');
    console.log('');
    for (const r of results) {
      const p = pf.find((x) => x.connections === r.connections && x.phase === r.phase);
      if (p) console.log(`ratio Sekisho / Postfix, ${r.connections}, ${r.phase}: ${(r.msgsPerSec / p.msgsPerSec).toFixed(2)}×`);
    }
  }
  console.log('');
  for (const r of results.filter((x) => x.phase === 'cold')) {
    const steady = results.find((x) => x.connections === r.connections && x.phase === 'steady');
    if (steady) console.log(`Sekisho cold / steady, ${r.connections}: ${((100 * r.msgsPerSec) / steady.msgsPerSec).toFixed(0)} %`);
  }
  await sink.close();
}
