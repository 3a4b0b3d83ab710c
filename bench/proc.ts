// What the benches read about processes and the machine from /proc: CPU time, RSS, children, the
// connections each holds; and small helpers (percentiles, a free port).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** user and system CPU seconds of these processes so far (children already reaped are not counted) */
export function cpuSeconds(pids: number[]): { user: number; system: number } {
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
export function processTree(pid: number): number[] {
  try {
    return [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)];
  } catch {
    return [];
  }
}

/** CPU seconds of this process and of its children that have exited and been reaped */
export function benchCpuSeconds(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (own.user + own.system) / 1e6 + (Number(fields[13]) + Number(fields[14])) / 100;
}

/** busy CPU seconds of the whole machine since boot (every CPU; idle and I/O wait left out) */
export function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

export function rssMb(pids: number[]): number {
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

export function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => r(p));
    });
  });
}

/** TCP state 01 in /proc/net/tcp: an established connection */
const ESTABLISHED = '01';

/**
 * Established connections to local `port` that each of `pids` holds: the socket inodes of
 * /proc/net/tcp{,6} matched against each process's open files. Processes that hold none are
 * left out (a cluster's primary).
 */
export function connectionsPerProcess(pids: number[], port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (Number.parseInt(cols[1]!.split(':')[1]!, 16) === port && cols[3] === ESTABLISHED) inodes.add(cols[9]!);
    }
  }
  const counts = pids.map((pid) => {
    let n = 0;
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      return 0;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) n++;
      } catch {
        // the descriptor closed meanwhile
      }
    }
    return n;
  });
  return counts.filter((n) => n > 0);
}
