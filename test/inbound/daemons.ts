// Starts the real rspamd and clamd from Debian on loopback for tests and the benchmark, without
// systemd: temporary configuration, free ports, their own run directories. rspamd runs offline
// (network modules off, DNS pointed at 127.0.0.1:53 with a 50 ms timeout; the inbound bench may
// turn its SPF/DKIM/DMARC/ARC modules on against a DNS server of its own) and keeps its compiled
// Hyperscan database in a cache directory across runs (the first start compiles for ~15 s).
// clamd gets a custom signature database with only the EICAR test signature.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Daemon {
  url: string;
  stop(): Promise<void>;
}

export const RSPAMD_BIN = '/usr/bin/rspamd';
export const CLAMD_BIN = '/usr/sbin/clamd';

export function haveRspamd(): boolean {
  return existsSync(RSPAMD_BIN) && existsSync('/etc/rspamd/rspamd.conf');
}
export function haveClamd(): boolean {
  return existsSync(CLAMD_BIN);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      return resolve();
    }
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      rmSync(dir, { recursive: true, force: true });
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function waitReady(
  check: () => Promise<boolean>,
  child: ChildProcess,
  what: string,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited: ${log().slice(-2000)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not start within ${timeoutMs} ms: ${log().slice(-2000)}`);
}

const OFF_MODULES = ['rbl', 'spf', 'dkim', 'dmarc', 'arc', 'asn', 'fuzzy_check', 'hfilter', 'greylist', 'phishing'];
const AUTH_MODULES = ['spf', 'dkim', 'dmarc', 'arc'];

export interface RspamdOptions {
  /** normal workers (default 1) */
  workers?: number;
  /** 'ip:port' of a DNS server: SPF, DKIM, DMARC and ARC checks on, asking it (default: offline) */
  dnsServer?: string;
  /**
   * Also a proxy worker in milter mode that scans by itself (as many as normal workers) on a UNIX
   * socket, for an MTA's `smtpd_milters` (the returned `milter`, 'unix:PATH'); its actions never
   * refuse mail (reject at 1,000, no greylisting), so every message goes on like Sekisho's bench
   * policy lets it.
   */
  milter?: boolean;
}

export async function startRspamd(options: RspamdOptions = {}): Promise<Daemon & { pid: number; milter?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-rspamd-'));
  // The Hyperscan cache survives runs; everything else is per run.
  const db = join(tmpdir(), 'sekisho-rspamd-cache');
  mkdirSync(db, { recursive: true });
  for (const d of ['conf/local.d', 'conf/override.d', 'run', 'log']) mkdirSync(join(dir, d), { recursive: true });
  const [normal, controller] = [await freePort(), await freePort()];
  const dns = options.dnsServer
    ? `dns { nameserver = ["${options.dnsServer}"]; timeout = 1s; retransmits = 1; }\n`
    : 'dns { nameserver = ["127.0.0.1:53"]; timeout = 0.05s; retransmits = 0; }\n';
  writeFileSync(join(dir, 'conf/local.d/options.inc'), dns);
  for (const m of OFF_MODULES.filter((m) => !(options.dnsServer && AUTH_MODULES.includes(m))))
    writeFileSync(join(dir, `conf/local.d/${m}.conf`), 'enabled = false;\n');
  writeFileSync(join(dir, 'conf/override.d/worker-normal.inc'), `bind_socket = "127.0.0.1:${normal}";\ncount = ${options.workers ?? 1};\n`);
  writeFileSync(join(dir, 'conf/override.d/worker-controller.inc'), `bind_socket = "127.0.0.1:${controller}";\n`);
  // The milter listens on a UNIX socket: over loopback TCP, Postfix's milter client and Rspamd
  // stalled on every message for the delayed ACK (~45 ms; 5–7 ms through the socket). The MTA's
  // processes (user postfix) must reach it through the run directory, which mkdtemp made 0700.
  const milter = options.milter ? join(dir, 'milter.sock') : null;
  if (milter !== null) chmodSync(dir, 0o755);
  writeFileSync(
    join(dir, 'conf/override.d/worker-proxy.inc'),
    milter === null
      ? 'enabled = false;\n'
      : `bind_socket = "${milter} mode=0666";\nmilter = yes;\ntimeout = 120s;\ncount = ${options.workers ?? 1};\n` +
          'upstream "local" { default = yes; self_scan = yes; }\n',
  );
  if (milter !== null) writeFileSync(join(dir, 'conf/local.d/actions.conf'), 'reject = 1000;\ngreylist = null;\n');
  writeFileSync(join(dir, 'conf/override.d/worker-fuzzy.inc'), 'enabled = false;\n');
  writeFileSync(join(dir, 'conf/override.d/logging.inc'), 'type = "console"; level = "error";\n');
  const vars = [`LOCAL_CONFDIR=${join(dir, 'conf')}`, `DBDIR=${db}`, `RUNDIR=${join(dir, 'run')}`, `LOGDIR=${join(dir, 'log')}`];
  const user = process.getuid?.() === 0 ? ['-u', 'root', '-g', 'root'] : [];
  const child = spawn(RSPAMD_BIN, ['-f', '-i', ...user, '-c', '/etc/rspamd/rspamd.conf', ...vars.map((v) => `--var=${v}`)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out = (out + c).slice(-8000)));
  child.stderr!.on('data', (c) => (out = (out + c).slice(-8000)));
  const url = `http://127.0.0.1:${normal}`;
  await waitReady(
    async () => (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).ok,
    child,
    'rspamd',
    () => out,
    90_000,
  );
  return {
    url,
    pid: child.pid!,
    ...(milter === null ? {} : { milter: `unix:${milter}` }),
    stop: () => stopChild(child, dir),
  };
}

/** EICAR's test signature as an extended (ndb) signature: freshclam cannot reach its servers here. */
const EICAR_NDB = 'Test.EICAR-NDB:0:*:45494341522d5354414e444152442d414e544956495255532d544553542d46494c45\n';

export async function startClamd(): Promise<Daemon & { port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-clamd-'));
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db/custom.ndb'), EICAR_NDB);
  const port = await freePort();
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [
      `DatabaseDirectory ${join(dir, 'db')}`,
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      'Foreground yes',
      `LogFile ${join(dir, 'clamd.log')}`,
      `PidFile ${join(dir, 'clamd.pid')}`,
      'LogVerbose no',
      ...(process.getuid?.() === 0 ? ['User root'] : []),
    ].join('\n') + '\n',
  );
  const child = spawn(CLAMD_BIN, ['--config-file', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out = (out + c).slice(-8000)));
  child.stderr!.on('data', (c) => (out = (out + c).slice(-8000)));
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('error', () => resolve(false));
      s.on('close', () => resolve(/PONG/.test(got)));
      s.on('connect', () => s.end('zPING\0'));
    });
  await waitReady(ping, child, 'clamd', () => out, 60_000);
  return { url: `tcp://127.0.0.1:${port}`, port, stop: () => stopChild(child, dir) };
}
