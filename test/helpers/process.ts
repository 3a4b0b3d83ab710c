// Runs the real `sekisho` command as a child process (the way users and operators do), from the
// sources through tsx, so that tests see the code as it is now and not the last build
// (bin/sekisho.js runs dist/; test/release/ tests that, installed from the release tarball).
// Like test/helpers/instance.ts, a child asks a loopback DNS server that answers NXDOMAIN for
// every name unless its test names its own: never the machine's resolver (the internet).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { startDnsServer } from './dns-server.ts';

/** one per test process, shared by its children (it keeps no process alive) */
const noNamesDns = await startDnsServer();
/** SEKISHO_DNS_SERVERS for a child whose test has no names to answer (childEnv sets it) */
export const NO_NAMES_DNS = noNamesDns.address;

/** node arguments that run the `sekisho` command from src/ (cluster workers inherit them) */
export const CLI = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    endInput(child.stdin, stdin);
  });
}

/**
 * Writes a child's whole input and closes it. A command that does not read its input (--version)
 * may exit before it is written: that EPIPE is no failure, the exit code and output say how it went.
 */
export function endInput(stdin: Writable | null, text: string | undefined): void {
  stdin?.on('error', () => {});
  if (text === undefined) stdin?.end();
  else stdin?.end(text);
}

/**
 * The environment of a `sekisho start` child on a test database: data under `db.dataDir/<dir>`,
 * every port chosen by the OS, no config file, mail relayed to `relay`, DNS answered NXDOMAIN on
 * loopback; `more` adds or overrides.
 */
export function childEnv(
  db: { dataDir: string; url?: string },
  relay: string,
  more: Record<string, string> = {},
  dir = 'data',
): Record<string, string | undefined> {
  return {
    SEKISHO_DATA_DIR: join(db.dataDir, dir),
    SEKISHO_DATABASE_URL: db.url,
    SEKISHO_SUBMISSION_PORT: '0',
    SEKISHO_INBOUND_PORT: '0',
    SEKISHO_HTTP_PORT: '0',
    SEKISHO_RELAY: relay,
    SEKISHO_CONFIG: '/dev/null',
    // tests and benches are one client (127.0.0.1) sending far more than any real one: no
    // per-client connection limits unless a test sets them (test/e2e/send-limits.test.ts)
    SEKISHO_INBOUND_CONNECTIONS_PER_CLIENT: '0',
    SEKISHO_INBOUND_CONNECTION_RATE_PER_MINUTE: '0',
    SEKISHO_SUBMISSION_CONNECTIONS_PER_CLIENT: '0',
    SEKISHO_SUBMISSION_CONNECTION_RATE_PER_MINUTE: '0',
    // one process unless a test asks for more (the default, auto, would run one per core of the
    // machine the tests happen to run on)
    SEKISHO_PROCESSES: '1',
    // no warm-up before the ports open (seconds of synthetic mail per start, test/process/start.test.ts
    // covers it); the benches delete this line, so they measure the default
    SEKISHO_WARM_UP_MESSAGES: '0',
    SEKISHO_DNS_SERVERS: NO_NAMES_DNS,
    ...more,
  };
}

/** The environment without the tests' own `SEKISHO_WARM_UP_MESSAGES=0`: a start as installs run it (the benches). */
export function withDefaultWarmUp(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const { SEKISHO_WARM_UP_MESSAGES: _testsOnly, ...rest } = env;
  return rest;
}

export interface StartedProcess {
  child: ChildProcess;
  output: () => string;
  ports: { submission: number; inbound: number; http: number };
  exited: Promise<number | null>;
}

/** Starts `sekisho start` and resolves once it printed its ports (within `timeoutMs`). */
export function startProcess(
  env: Record<string, string | undefined>,
  cwd?: string,
  nodeArgs: string[] = [],
  timeoutMs = 60_000,
): Promise<StartedProcess> {
  return startCommand(process.execPath, [...nodeArgs, ...CLI, 'start'], env, cwd, timeoutMs);
}

/**
 * Starts `sekisho start` the way an install runs it: bin/sekisho.js on the built code in dist/
 * (`npm run build`), not src/ through tsx. For the benches: what they measure is what users run.
 */
export function startBuiltProcess(
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
  timeoutMs = 60_000,
  keepOutput = true,
): Promise<StartedProcess> {
  const bin = fileURLToPath(new URL('../../bin/sekisho.js', import.meta.url));
  return startCommand(process.execPath, [...nodeArgs, bin, 'start'], env, undefined, timeoutMs, keepOutput);
}

/**
 * Starts a command that runs `sekisho start` (an installed copy, say) and resolves once it printed
 * its ports. `keepOutput` false: what it prints after that is read and dropped (a bench at log level
 * info, whose lines per message would grow the kept string by tens of MB).
 */
export function startCommand(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
  timeoutMs = 60_000,
  keepOutput = true,
): Promise<StartedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`sekisho start did not print its ports:\n${out}`)), timeoutMs);
    let started = false;
    const onData = (d: Buffer) => {
      if (started) {
        if (keepOutput) out += d.toString();
        return;
      }
      out += d.toString();
      const sub = /submission .*:(\d+)/.exec(out);
      const inb = /inbound \(MX\) .*:(\d+)/.exec(out);
      const http = /console, API, health +http:\/\/[^:]+:(\d+)/.exec(out);
      if (sub && inb && http) {
        started = true;
        clearTimeout(timer);
        resolve({
          child,
          output: () => out,
          ports: { submission: Number(sub[1]), inbound: Number(inb[1]), http: Number(http[1]) },
          exited,
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sekisho start exited with ${code}:\n${out}`));
    });
  });
}
