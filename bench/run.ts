// `npm run bench`: Sekisho (a child `sekisho start` on SQLite in a temp dir, relay = a sink in
// this process, 127.0.0.1 trusted so no AUTH) under 20 parallel SMTP sessions × 5,000 messages of
// 10 KB, once with a new connection per message and once with reused connections. Prints
// msgs/s end to end (first send → last message at the sink), p50/p99 acceptance latency (send
// → 250) and the Sekisho process's peak RSS; where Postfix is installed, the same for a
// throwaway Postfix relay on loopback (own config and queue dirs), and the ratio.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { childEnv, startProcess } from '../test/helpers/process.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const SESSIONS = 20;
const SIZE = 10 * 1024;

interface Result {
  mode: string;
  msgsPerSec: number;
  p50: number;
  p99: number;
  peakRssMb: number | null;
  /** CPU time of the measured processes per message (ms), where it can be read */
  cpuMsPerMsg: number | null;
  /** CPU time of this bench process (load generator and sink) per message (ms) */
  benchCpuMsPerMsg: number;
}

// ── the sink: counts messages, notes when the last one arrived ───────────────────────────────
async function startCountingSink() {
  const state = { count: 0, last: 0, target: Infinity, done: () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, _s, cb) {
      stream.on('data', () => {});
      stream.on('end', () => {
        state.count++;
        state.last = performance.now();
        if (state.count >= state.target) state.done();
        cb();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = ((server as unknown as { server: net.Server }).server.address() as AddressInfo).port;
  return {
    port,
    expect(n: number): Promise<void> {
      state.count = 0;
      state.target = n;
      return new Promise((resolve) => (state.done = resolve));
    },
    lastAt: () => state.last,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ── the load generator: a minimal pipelining-free SMTP client on raw sockets ────────────────
function body(i: number): string {
  const head = `From: admin@demo.example\r\nTo: rcpt@example.net\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}-${Date.now()}@demo.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz.\r\n';
  let text = head;
  while (text.length < SIZE) text += line;
  return text + '.\r\n';
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

async function drive(port: number, reuse: boolean, count = MESSAGES): Promise<{ start: number; latencies: number[] }> {
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
  return { start, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** user+system CPU seconds of these processes so far (children already reaped are not counted) */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
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

async function measure(label: string, port: number, sink: Awaited<ReturnType<typeof startCountingSink>>, rssPids: () => number[], cpuReadable: boolean): Promise<Result[]> {
  const out: Result[] = [];
  // BENCH_MODES=new or =reused measures one mode only (for profiling)
  for (const reuse of [false, true].filter((r) => !process.env.BENCH_MODES || process.env.BENCH_MODES === (r ? 'reused' : 'new'))) {
    // Warm-up in the same mode, not measured: JIT of that mode's code paths, lazily loaded
    // modules, first growth of the database and queue files. Without it the first mode measured
    // pays for all of that and the figures depend on run order.
    if (WARMUP > 0) {
      const warm = sink.expect(WARMUP);
      await drive(port, reuse, WARMUP);
      await warm;
    }
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(rssPids()))), 100);
    const arrived = sink.expect(MESSAGES);
    const cpu0 = cpuSeconds(rssPids());
    const bench0 = process.cpuUsage();
    const { start, latencies } = await drive(port, reuse);
    await arrived;
    const cpu = cpuSeconds(rssPids()) - cpu0;
    const benchCpu = process.cpuUsage(bench0);
    clearInterval(sampler);
    peak = Math.max(peak, rssMb(rssPids()));
    latencies.sort((a, b) => a - b);
    const r: Result = {
      mode: `${label}, ${reuse ? 'reused connections' : 'new connection per message'}`,
      msgsPerSec: MESSAGES / ((sink.lastAt() - start) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      peakRssMb: rssPids().length ? peak : null,
      cpuMsPerMsg: cpuReadable ? (cpu * 1000) / MESSAGES : null,
      benchCpuMsPerMsg: (benchCpu.user + benchCpu.system) / 1000 / MESSAGES,
    };
    out.push(r);
    print(r);
  }
  return out;
}

function print(r: Result): void {
  console.log(`${r.mode.padEnd(48)} ${r.msgsPerSec.toFixed(0).padStart(6)} msg/s   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   peak RSS ${r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(0) + ' MB'}   CPU ${r.cpuMsPerMsg === null ? 'n/a' : r.cpuMsPerMsg.toFixed(2) + ' ms/msg'} (bench ${r.benchCpuMsPerMsg.toFixed(2)})`);
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
    console.log(`postfix did not start: ${log.trim().split('\n').filter((l) => /fatal|error/.test(l))[0] ?? log.trim().split('\n').at(-1)}`);
    return null;
  }
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pids = () => {
    const out = spawnSync('pgrep', ['-f', queue.replace(/[.*]/g, '\\$&') + '|postfix-bench'], { encoding: 'utf8' }).stdout;
    const own = spawnSync('sh', ['-c', `ps -eo pid,args | grep -E '(master|smtpd|smtp|cleanup|qmgr|trivial-rewrite) ' | grep -v grep | awk '{print $1}'`], { encoding: 'utf8' }).stdout;
    return [...out.split('\n'), ...own.split('\n')].filter(Boolean).map(Number);
  };
  return { port, pids, stop: () => spawnSync('/usr/sbin/postfix', ['-c', conf, 'stop'], { env }) };
}

// ── main ───────────────────────────────────────────────────────────────────────────────────
const dir = mkdtempSync(join(tmpdir(), 'sekisho-bench-'));
const sink = await startCountingSink();
console.log(`${MESSAGES} messages of ${SIZE / 1024} KB, ${SESSIONS} sessions, each mode after ${WARMUP} unmeasured warm-up messages in that mode; sink on 127.0.0.1:${sink.port}\n`);
const sekisho = await startProcess(
  childEnv({ dataDir: dir }, `smtp://127.0.0.1:${sink.port}`, { SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32', SEKISHO_LOG_LEVEL: 'warn' }, 'sekisho'),
  undefined,
  // BENCH_PROFILE=DIR: the Sekisho process writes a V8 CPU profile there when it exits
  process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
);
let results: Result[] = [];
try {
  results = await measure('Sekisho (SQLite)', sekisho.ports.submission, sink, () => [sekisho.child.pid!], true);
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
    for (let i = 0; i < Math.min(results.length, pf.length); i++) console.log(`ratio Sekisho / Postfix, ${results[i]!.mode.replace(/^[^,]*, /, '')}: ${(results[i]!.msgsPerSec / pf[i]!.msgsPerSec).toFixed(2)}×`);
  } finally {
    postfix.stop();
  }
} else {
  console.log(process.env.BENCH_POSTFIX === 'no' ? '\nPostfix skipped (BENCH_POSTFIX=no)' : '\nPostfix not installed (apt-get install -y postfix): no comparison');
}
await sink.close();
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
process.exit(0);
