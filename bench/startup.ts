// `npm run bench:startup`: how long `sekisho start` takes until it listens and how much memory it
// holds then, and how long a management command (`sekisho message list`) takes from exec to exit
// with its peak memory (GNU time's figure, where /usr/bin/time exists). SQLite in a temp dir.
// BENCH_CLI=built (default: bin/sekisho.js, the built code), source (tsx compiling src/ on load) or
// the path of another entry script;
// BENCH_RUNS (default 7). Prints min / median / max of each figure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MODE = process.env.BENCH_CLI ?? 'built';
const CLI =
  MODE === 'source' ? ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] : [MODE === 'built' ? join(ROOT, 'bin/sekisho.js') : MODE];
const GNU_TIME = '/usr/bin/time';

const dataDir = mkdtempSync(join(tmpdir(), 'sekisho-bench-startup-'));
const env = {
  ...process.env,
  SEKISHO_DATA_DIR: dataDir,
  SEKISHO_CONFIG: '/dev/null',
  SEKISHO_SUBMISSION_PORT: '0',
  SEKISHO_INBOUND_PORT: '0',
  SEKISHO_HTTP_PORT: '0',
  SEKISHO_RELAY: 'smtp://127.0.0.1:9',
  SEKISHO_LOG_LEVEL: 'warn',
  SEKISHO_DEMO_TENANT: 'true',
};

interface StartRun {
  readyMs: number;
  /** CPU (user + system) the process used until then: steadier than wall time on a busy machine */
  cpuMs: number;
  rssMb: number;
}

/** user + system CPU of a running process, from /proc (fields 14 and 15, in clock ticks of 10 ms) */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One `sekisho start`: ms until the ready lines are printed and /healthz answers, RSS then. */
async function startOnce(): Promise<StartRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const http = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /console, API, health +http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`sekisho start exited with ${code}:\n${out}`)));
  });
  const health = await fetch(`http://127.0.0.1:${http}/healthz`);
  const readyMs = performance.now() - t0;
  if (!health.ok) throw new Error(`/healthz answered ${health.status}`);
  const cpuMs = cpuMsOf(child.pid!);
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { readyMs, cpuMs, rssMb: rssKb / 1024 };
}

interface CommandRun {
  wallMs: number;
  cpuMs: number | null;
  peakMb: number | null;
}

/** One management command run to exit: wall ms and (with GNU time) CPU and peak RSS. */
function commandOnce(args: string[]): CommandRun {
  const withTime = existsSync(GNU_TIME);
  const [cmd, argv] = withTime ? [GNU_TIME, ['-f', '%U %S %M', process.execPath, ...CLI, ...args]] : [process.execPath, [...CLI, ...args]];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`sekisho ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  if (!withTime) return { wallMs, cpuMs: null, peakMb: null };
  const [user, sys, peakKb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  return { wallMs, cpuMs: (user + sys) * 1000, peakMb: peakKb / 1024 };
}

function spread(values: number[], unit: string): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (v: number) => v.toFixed(unit === 'ms' ? 0 : 1);
  return `median ${f(s[Math.floor(s.length / 2)]!)} ${unit} (min ${f(s[0]!)}, max ${f(s.at(-1)!)})`;
}

try {
  console.log(`sekisho start-up bench: ${MODE} (${CLI.join(' ')}), ${RUNS} runs, Node ${process.version}`);
  await startOnce(); // creates the schema and the demo tenant, and warms the disk cache
  const starts: StartRun[] = [];
  for (let i = 0; i < RUNS; i++) starts.push(await startOnce());
  console.log(
    `  start until listening   ${spread(
      starts.map((s) => s.readyMs),
      'ms',
    )}`,
  );
  console.log(
    `  CPU until listening     ${spread(
      starts.map((s) => s.cpuMs),
      'ms',
    )}`,
  );
  console.log(
    `  RSS when listening      ${spread(
      starts.map((s) => s.rssMb),
      'MB',
    )}`,
  );
  for (const args of [['message', 'list'], ['--help']]) {
    commandOnce(args);
    const runs = Array.from({ length: RUNS }, () => commandOnce(args));
    console.log(
      `  ${args.join(' ').padEnd(22)}  ${spread(
        runs.map((r) => r.wallMs),
        'ms',
      )}`,
    );
    if (runs[0]!.cpuMs === null) continue;
    console.log(
      `  ${''.padEnd(22)}  CPU ${spread(
        runs.map((r) => r.cpuMs!),
        'ms',
      )}`,
    );
    console.log(
      `  ${''.padEnd(22)}  peak RSS ${spread(
        runs.map((r) => r.peakMb!),
        'MB',
      )}`,
    );
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
