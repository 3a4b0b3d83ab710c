// `npm run bench`: a child `sekisho start` (SQLite, temp dir, relaying to a raw-socket counting sink
// here) under 20 SMTP sessions × 5,000 messages of 10 KB, new connection per message and reused:
// smtp-source ×19 + a Node probe session for latency (20 Node sessions with BENCH_GENERATOR=node or no
// smtp-source). Prints msgs/s end to end, p50/p99 acceptance latency, peak RSS and CPU per message;
// where Postfix is installed, the same for a throwaway Postfix relay on loopback, and the ratio.
// Sekisho runs as an operator would run it on this host: `processes: auto`, one per core
// (BENCH_PROCESSES=1 measures a single process).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { childEnv, startProcess } from '../test/helpers/process.ts';
import { processCount } from '../src/cli/start-processes.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const SESSIONS = 20;
const SIZE = 10 * 1024;
const SMTP_SOURCE = '/usr/sbin/smtp-source';
const PROCESSES = process.env.BENCH_PROCESSES ?? 'auto';
// The figures are for a gateway that has been running: V8 optimizes Sekisho's hot paths over its
// first few thousand messages per process (cold, two processes relay 500–950 msg/s, then
// 1,200–1,350 from about 2,500 messages per process on), so each mode first sends 3,000
// unmeasured messages per Sekisho process. Postfix gets the same number. BENCH_WARMUP overrides.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000 * processCount(PROCESSES === 'auto' ? 'auto' : Number(PROCESSES)));
// postfix's smtp-source is a C program: it costs the 2-core machine far less CPU per message than
// a Node client would, and that CPU is taken from whatever is being measured
const USE_SMTP_SOURCE = process.env.BENCH_GENERATOR !== 'node' && existsSync(SMTP_SOURCE);

const connections = (reuse: boolean) => (reuse ? 'reused connections' : 'new connection per message');

interface Result {
  mode: string;
  connections: string;
  msgsPerSec: number;
  p50: number;
  p99: number;
  /** messages measured: smtp-source's count plus the probe's, or MESSAGES */
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
  /** msg/s of the unmeasured warm-up that came just before (the cold figure), when there was one */
  warmupMsgsPerSec: number | null;
}

// ── the sink: counts messages, notes when the last one arrived ───────────────────────────────
// Raw sockets rather than smtp-server: it shares the two cores with what is measured, so it does
// as little as possible per message. Commands are short and parsed as text; message bodies are only
// scanned for the end-of-data marker, never converted to strings. It offers PIPELINING, as every
// real MTA does (Postfix, Exchange, Gmail), and answers all commands of a chunk in one write: both
// relays under test may then send MAIL, RCPT and DATA in one go (RFC 2920).
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const CRLF = Buffer.from('\r\n');

async function startCountingSink() {
  const state = { count: 0, last: 0, target: Infinity, done: () => {} };
  const arrived = () => {
    state.count++;
    state.last = performance.now();
    if (state.count >= state.target) state.done();
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a client that closes right after QUIT resets the connection
    socket.setNoDelay(true);
    let inData = false;
    let line = ''; // a command line not yet complete
    // in DATA: the last ≤ 4 bytes received, since the end-of-data marker may straddle two chunks;
    // it starts as the CRLF that ended the DATA command, which the marker's own CRLF may be
    let tail: Buffer = CRLF;
    socket.write('220 sink.localhost ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      let out = ''; // replies to every command in this chunk, written once
      let pos = 0;
      while (pos < chunk.length) {
        if (inData) {
          // the marker starting in the tail: look at the tail and the chunk's first 4 bytes
          let end = Buffer.concat([tail, chunk.subarray(pos, pos + 4)]).indexOf(END_OF_DATA);
          if (end >= 0) end = pos + end + END_OF_DATA.length - tail.length;
          else {
            end = chunk.indexOf(END_OF_DATA, pos);
            if (end >= 0) end += END_OF_DATA.length;
          }
          if (end < 0) {
            tail =
              chunk.length - pos >= 4
                ? Buffer.from(chunk.subarray(chunk.length - 4))
                : Buffer.concat([tail, chunk.subarray(pos)]).subarray(-4);
            break;
          }
          inData = false;
          pos = end;
          out += '250 2.0.0 queued\r\n';
          arrived();
          continue;
        }
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) {
          line += chunk.toString('latin1', pos);
          break;
        }
        const cmd = (line + chunk.toString('latin1', pos, nl)).trimEnd();
        line = '';
        pos = nl + 1;
        const verb = cmd.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += '250-sink.localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n';
        else if (verb === 'DATA') {
          out += '354 end with <CRLF>.<CRLF>\r\n';
          inData = true;
          tail = CRLF;
        } else if (verb === 'QUIT') {
          socket.end(out + '221 2.0.0 bye\r\n');
          return;
        } else out += '250 2.0.0 ok\r\n'; // HELO, MAIL, RCPT, RSET, NOOP and anything else
      }
      if (out) socket.write(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    /** counts from now; resolves once n messages arrived. n may be known only later: the
     * smtp-source generator learns its total (its count + the probe's) when it has finished */
    expect(n: number | Promise<number>): Promise<void> {
      state.count = 0;
      state.target = Infinity;
      return new Promise((resolve) => {
        state.done = resolve;
        void Promise.resolve(n).then((total) => {
          state.target = total;
          if (state.count >= total) resolve();
        });
      });
    },
    count: () => state.count,
    lastAt: () => state.last,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
type Sink = Awaited<ReturnType<typeof startCountingSink>>;

// ── the load generators: smtp-source, or a minimal pipelining-free SMTP client on raw sockets
// (which also serves as smtp-source's latency probe) ──────────────────────────────────────────
const LINE = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n';
const FILL = LINE.repeat(Math.ceil(SIZE / LINE.length));
/** a message of at least SIZE bytes, whole lines, with its own Message-ID (the gateway does not
 * queue a resend of the same bytes again), ending with "." CRLF */
function body(i: number): string {
  const head = `From: admin@demo.example\r\nTo: rcpt@example.net\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}-${Date.now()}@demo.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  return head + FILL.slice(0, Math.ceil((SIZE - head.length) / LINE.length) * LINE.length) + '.\r\n';
}

class Session {
  private buf = '';
  private waiter: ((line: string) => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.pump();
    });
    socket.on('error', () => {});
  }
  static async open(port: number): Promise<Session> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', () => r()).once('error', j));
    const s = new Session(socket);
    await s.reply();
    await s.cmd('EHLO bench.example');
    return s;
  }
  private pump() {
    // a complete reply ends with a line "NNN text" (space after the code)
    const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buf);
    if (m && this.waiter) {
      const end = m.index + m[0].length;
      const reply = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      const w = this.waiter;
      this.waiter = null;
      w(reply);
    }
  }
  reply(): Promise<string> {
    return new Promise((r) => {
      this.waiter = r;
      this.pump();
    });
  }
  async cmd(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    const reply = await this.reply();
    const code = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(reply)?.[1] ?? '';
    if (!/^[23]/.test(code)) throw new Error(`${line.slice(0, 40)} → ${reply}`);
    return reply;
  }
  async send(data: string): Promise<void> {
    await this.cmd('MAIL FROM:<admin@demo.example>');
    await this.cmd('RCPT TO:<rcpt@example.net>');
    await this.cmd('DATA');
    await this.cmd(data.slice(0, -2)); // the data already ends with "." CRLF
  }
  async close(): Promise<void> {
    this.socket.write('QUIT\r\n');
    this.socket.end();
  }
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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** user and system CPU seconds of these processes so far (children already reaped are not counted) */
function cpuSeconds(pids: number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      user += Number(fields[11]);
      system += Number(fields[12]);
    } catch {
      /* gone */
    }
  }
  return { user: user / 100, system: system / 100 };
}

/** a process and its children (with `processes` > 1, Sekisho's primary and its workers) */
function processTree(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)];
  } catch {
    return [];
  }
}

/** CPU seconds of this process and of its children that have exited and been reaped */
function benchCpuSeconds(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (own.user + own.system) / 1e6 + (Number(fields[13]) + Number(fields[14])) / 100;
}

/** busy CPU seconds of the whole machine since boot (every CPU; idle and I/O wait left out) */
function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}

async function measure(label: string, port: number, sink: Sink, rssPids: () => number[], cpuReadable: boolean): Promise<Result[]> {
  const out: Result[] = [];
  // BENCH_MODES=new or =reused measures one mode only (for profiling)
  for (const reuse of [false, true].filter((r) => !process.env.BENCH_MODES || process.env.BENCH_MODES === (r ? 'reused' : 'new'))) {
    // Warm-up in the same mode, not measured: JIT of that mode's code paths, lazily loaded
    // modules, first growth of the database and queue files. Without it the first mode measured
    // pays for all of that and the figures depend on run order.
    let warmupMsgsPerSec: number | null = null;
    if (WARMUP > 0) {
      const w = await load(port, sink, reuse, WARMUP);
      warmupMsgsPerSec = w.sent / ((sink.lastAt() - w.start) / 1000);
    }
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(rssPids()))), 100);
    const cpu0 = cpuSeconds(rssPids());
    const bench0 = benchCpuSeconds();
    const machine0 = machineBusySeconds();
    const { start, latencies, sent } = await load(port, sink, reuse, MESSAGES);
    const cpu1 = cpuSeconds(rssPids());
    const cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
    const systemShare = cpu > 0 ? (cpu1.system - cpu0.system) / cpu : 0;
    const benchCpu = benchCpuSeconds() - bench0;
    const machineCpu = machineBusySeconds() - machine0;
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(rssPids()));
    latencies.sort((a, b) => a - b);
    const r: Result = {
      mode: `${label}, ${connections(reuse)}`,
      connections: connections(reuse),
      messages: sent,
      msgsPerSec: sent / ((sink.lastAt() - start) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      peakRssMb: rssPids().length ? peak : null,
      cpuMsPerMsg: cpuReadable ? (cpu * 1000) / sent : null,
      systemShare: cpuReadable ? systemShare : null,
      benchCpuMsPerMsg: (benchCpu * 1000) / sent,
      machineCpuMsPerMsg: (machineCpu * 1000) / sent,
      warmupMsgsPerSec,
    };
    out.push(r);
    print(r);
  }
  return out;
}

function print(r: Result): void {
  console.log(
    `${r.mode.padEnd(64)} ${r.msgsPerSec.toFixed(0).padStart(6)} msg/s (${r.messages})   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   peak RSS ${r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(0) + ' MB'}   CPU ${r.cpuMsPerMsg === null ? 'n/a' : r.cpuMsPerMsg.toFixed(2) + ` ms/msg, ${(100 * r.systemShare!).toFixed(0)}% kernel`} (bench ${r.benchCpuMsPerMsg.toFixed(2)}; machine ${r.machineCpuMsPerMsg.toFixed(2)}, minus bench ${(r.machineCpuMsPerMsg - r.benchCpuMsPerMsg).toFixed(2)})${r.warmupMsgsPerSec === null ? '' : `   warm-up ${r.warmupMsgsPerSec.toFixed(0)} msg/s`}`,
  );
}

// ── a throwaway Postfix relay ───────────────────────────────────────────────────────────────
function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => r(p));
    });
  });
}

async function startPostfix(dir: string, sinkPort: number): Promise<{ port: number; stop: () => void; pids: () => number[] } | null> {
  if (!existsSync('/usr/sbin/postfix')) return null;
  const port = await freePort();
  const conf = join(dir, 'etc');
  const queue = join(dir, 'queue');
  mkdirSync(conf, { recursive: true });
  mkdirSync(queue, { recursive: true });
  const master = readFileSync('/etc/postfix/master.cf', 'utf8').replace(/^smtp\s+inet\s.*$/m, `127.0.0.1:${port} inet n - n - - smtpd`);
  writeFileSync(join(conf, 'master.cf'), master);
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${join(dir, 'data')}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = postfix-bench.localhost',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      `relayhost = [127.0.0.1]:${sinkPort}`,
      'smtp_tls_security_level = none',
      'smtpd_tls_security_level = none',
      `maillog_file = ${join(dir, 'maillog')}`,
      // postfix refuses a log file outside these prefixes, and says so only on a terminal
      `maillog_file_prefixes = ${dir}`,
      'smtpd_client_connection_count_limit = 0',
      'smtpd_client_connection_rate_limit = 0',
      'smtpd_client_message_rate_limit = 0',
      'default_process_limit = 100',
      'smtp_connection_cache_on_demand = yes',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
    ].join('\n') + '\n',
  );
  mkdirSync(join(dir, 'data'), { recursive: true });
  execFileSync('chown', ['-R', 'postfix', join(dir, 'data')]);
  // mkdtemp makes the parent 0700: postfix's own processes (user postfix) must pass through it
  chmodSync(join(dir, '..'), 0o755);
  chmodSync(dir, 0o755);
  const env = { ...process.env, MAIL_CONFIG: conf };
  const setup = spawnSync('/usr/sbin/postfix', ['-c', conf, 'set-permissions'], { env, encoding: 'utf8' });
  const start = spawnSync('/usr/sbin/postfix', ['-c', conf, 'start'], { env, encoding: 'utf8' });
  if (start.status !== 0) {
    // postfix prints its reason only on a terminal; its own log file has it
    const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : start.stderr || setup.stderr;
    console.log(
      `postfix did not start: ${
        log
          .trim()
          .split('\n')
          .filter((l) => /fatal|error/.test(l))[0] ?? log.trim().split('\n').at(-1)
      }`,
    );
    return null;
  }
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) =>
      net
        .connect(port, '127.0.0.1')
        .once('connect', function (this: net.Socket) {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // Postfix's processes: the master and its children (every daemon). Read from /proc rather than
  // with ps or pgrep: the RSS sampler asks ten times a second, and spawning those took about a
  // quarter of a core from the Postfix being measured (and matched any other Postfix running here).
  const pids = () => {
    try {
      return processTree(Number(readFileSync(join(queue, 'pid', 'master.pid'), 'utf8').trim()));
    } catch {
      return [];
    }
  };
  return { port, pids, stop: () => spawnSync('/usr/sbin/postfix', ['-c', conf, 'stop'], { env }) };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), 'sekisho-bench-'));
const sink = await startCountingSink();
const generator = USE_SMTP_SOURCE
  ? `smtp-source: ${MESSAGES} messages of ${SIZE / 1024} KB over ${SESSIONS - 1} sessions + a Node probe session sending for as long (p50/p99 from the probe session)`
  : `Node generator: ${MESSAGES} messages of ${SIZE / 1024} KB over ${SESSIONS} sessions`;
console.log(`${generator}; each mode after ${WARMUP} unmeasured warm-up messages in that mode; sink on 127.0.0.1:${sink.port}\n`);
const sekisho = await startProcess(
  childEnv(
    { dataDir: dir },
    `smtp://127.0.0.1:${sink.port}`,
    { SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32', SEKISHO_LOG_LEVEL: 'warn', SEKISHO_PROCESSES: PROCESSES },
    'sekisho',
  ),
  undefined,
  // BENCH_PROFILE=DIR: the Sekisho process writes a V8 CPU profile there when it exits
  process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
);
let results: Result[] = [];
try {
  results = await measure(
    `Sekisho (SQLite, processes: ${PROCESSES})`,
    sekisho.ports.submission,
    sink,
    () => processTree(sekisho.child.pid!),
    true,
  );
} finally {
  sekisho.child.kill('SIGTERM');
  await Promise.race([sekisho.exited, new Promise((r) => setTimeout(r, 5000))]);
  sekisho.child.kill('SIGKILL');
}
const postfix = process.env.BENCH_POSTFIX === 'no' ? null : await startPostfix(join(dir, 'postfix'), sink.port);
if (postfix) {
  try {
    // postfix's short-lived processes exit before they can be read: no CPU figure for it
    const pf = await measure('Postfix', postfix.port, sink, postfix.pids, false);
    console.log('');
    for (let i = 0; i < Math.min(results.length, pf.length); i++)
      console.log(`ratio Sekisho / Postfix, ${results[i]!.connections}: ${(results[i]!.msgsPerSec / pf[i]!.msgsPerSec).toFixed(2)}×`);
  } finally {
    postfix.stop();
  }
} else {
  console.log(
    process.env.BENCH_POSTFIX === 'no'
      ? '\nPostfix skipped (BENCH_POSTFIX=no)'
      : '\nPostfix not installed (apt-get install -y postfix): no comparison',
  );
}
await sink.close();
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
process.exit(0);
