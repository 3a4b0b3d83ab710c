// The release as an operator gets it, by the commands the container image runs (deploy/image.sh,
// the one place the Dockerfile takes them from): `pack` builds and makes the tarball, `install`
// puts it into an empty directory without dev dependencies (compiling better-sqlite3 as an
// operator's npm does), and that copy's CLI adds a tenant and a user, `start` listens on free
// ports with deploy/sekisho.yaml, relays one message to a sink, serves the console (logged into
// in Chromium), passes `health`, shows version and commit in --version and /healthz, and drains
// on SIGTERM. The systemd unit passes `systemd-analyze verify` against that install where the
// tool exists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { submissionClient } from '../helpers/mail-client.ts';
import { openBrowser } from '../helpers/browser.ts';
import { endInput, NO_NAMES_DNS, startCommand, type StartedProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = 'release-test-パスワード-1';

interface Run {
  code: number;
  out: string;
}

/** runs a command to its end; `out` is stdout and stderr together */
function run(command: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    endInput(child.stdin, opts.stdin);
  });
}

function which(tool: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

describe('the release tarball, installed without dev dependencies', () => {
  let tmp: string;
  let tarball: string;
  let prefix: string;
  let pkgDir: string;
  let sink: Sink;
  let env: Record<string, string>;
  let p: StartedProcess | undefined;
  const cli = (args: string[], stdin?: string) => run(join(prefix, 'node_modules/.bin/sekisho'), args, { env, cwd: tmp, stdin });

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'sekisho-release-'));
    const pack = await run('sh', ['deploy/image.sh', 'pack', join(tmp, 'release')]);
    assert.equal(pack.code, 0, pack.out);
    tarball = join(tmp, 'release', readdirSync(join(tmp, 'release')).find((f) => f.endsWith('.tgz'))!);
    prefix = join(tmp, 'opt');
    // what the npm cache holds already is used as it is (the registry is asked only for the rest)
    const install = await run('sh', ['deploy/image.sh', 'install', tarball, prefix], { env: { npm_config_prefer_offline: 'true' } });
    assert.equal(install.code, 0, install.out);
    pkgDir = join(prefix, 'node_modules/sekisho');
    sink = await startSink();
    env = {
      SEKISHO_CONFIG: join(ROOT, 'deploy/sekisho.yaml'),
      SEKISHO_DATA_DIR: join(tmp, 'data'),
      SEKISHO_LISTEN_HOST: '127.0.0.1',
      SEKISHO_SUBMISSION_PORT: '0',
      SEKISHO_INBOUND_PORT: '0',
      SEKISHO_HTTP_PORT: '0',
      SEKISHO_RELAY: sink.url,
      SEKISHO_DNS_SERVERS: NO_NAMES_DNS,
    };
  });
  after(async () => {
    if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await sink?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the tarball holds the built server and console, and no sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'bin/sekisho.js',
      'dist/cli/main.js',
      'dist/build-info.json',
      'console/dist/index.html',
      'deploy/image.sh',
      'deploy/healthcheck.mjs',
      'deploy/sekisho.yaml',
      'deploy/systemd/sekisho.service',
    ])
      assert.ok(files.includes(`package/${f}`), `${f} in the tarball`);
    for (const dir of ['src/', 'test/', 'scripts/', 'node_modules/'])
      assert.ok(!files.some((f) => f.startsWith(`package/${dir}`)), `no ${dir} in the tarball`);
  });

  it('the install has the runtime dependencies and none of the development tools', () => {
    assert.ok(existsSync(join(pkgDir, 'dist/cli/main.js')));
    assert.ok(existsSync(join(prefix, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), 'better-sqlite3 compiled');
    for (const dev of ['typescript', 'tsx', 'vite', 'react', 'playwright-core', '@biomejs/biome'])
      assert.ok(!existsSync(join(prefix, 'node_modules', dev)), `${dev} not installed`);
  });

  it('sekisho --version prints the version and the commit it was built from', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0, r.out);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const m = new RegExp(`^sekisho ${version.replaceAll('.', '\\.')} \\(commit ([0-9a-f]{12})(-dirty)?\\)\\n$`).exec(r.out);
    assert.ok(m, r.out);
    const head = await run('git', ['rev-parse', '--short=12', 'HEAD']);
    if (head.code === 0) assert.equal(m[1], head.out.trim());
  });

  it('starts with deploy/sekisho.yaml, relays mail, serves the console, passes its health check, drains on SIGTERM', async () => {
    const init = await cli(['init']); // the CLI never creates a database on its own
    assert.equal(init.code, 0, init.out);
    const tenant = await cli(['tenant', 'add', 'acme', '--domain', 'acme.example']);
    assert.equal(tenant.code, 0, tenant.out);
    const user = await cli(['user', 'add', 'admin@acme.example', '--tenant', 'acme', '--role', 'admin', '--password-stdin'], PASSWORD);
    assert.equal(user.code, 0, user.out);

    p = await startCommand('sh', [join(pkgDir, 'deploy/image.sh'), 'start'], env, tmp);
    assert.doesNotMatch(p.output(), /password:/, 'deploy/sekisho.yaml creates no demo tenant');
    const http = `http://127.0.0.1:${p.ports.http}`;

    const health = await run('sh', [join(pkgDir, 'deploy/image.sh'), 'health'], {
      env: { ...env, SEKISHO_HTTP_PORT: String(p.ports.http) },
    });
    assert.equal(health.code, 0, health.out);
    const detail = (await (await fetch(`${http}/healthz`)).json()) as { status: string; version: string; commit: string };
    assert.equal(detail.status, 'ok');
    assert.equal(`sekisho ${detail.version} (commit ${detail.commit})\n`, (await cli(['--version'])).out);

    const transport = submissionClient(p.ports.submission, 'admin@acme.example', PASSWORD);
    await transport.sendMail({ from: 'admin@acme.example', to: 'partner@example.net', subject: 'リリース確認', text: 'こんにちは' });
    const [received] = await sink.waitFor(1);
    assert.deepEqual(received!.recipients, ['partner@example.net']);

    const browser = await openBrowser({ profileIn: tmp });
    try {
      const { page } = browser;
      await page.goto(`${http}/`);
      await page.fill('input[name=email]', 'admin@acme.example');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=who]');
    } finally {
      await browser.close();
    }

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  });

  it('the systemd unit passes systemd-analyze verify against this install', {
    skip: !which('systemd-analyze') && 'no systemd-analyze',
  }, async () => {
    const unit = readFileSync(join(pkgDir, 'deploy/systemd/sekisho.service'), 'utf8').replaceAll('/opt/sekisho', prefix);
    const file = join(tmp, 'sekisho.service');
    writeFileSync(file, unit);
    const verify = await run('systemd-analyze', ['verify', file]);
    assert.equal(verify.code, 0, verify.out);
    assert.equal(verify.out.trim(), '', 'no warnings');
  });

  it('the Dockerfile runs exactly these commands, from where the install puts them', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const used = [...dockerfile.matchAll(/(\S*)image\.sh"?(?:,\s*"|\s+)(\w+)/g)].map(
      (m) => `${m[1]!.replace(/^\["?|^"/, '')}image.sh ${m[2]}`,
    );
    assert.deepEqual(used.sort(), [
      '/opt/sekisho/node_modules/sekisho/deploy/image.sh health',
      '/opt/sekisho/node_modules/sekisho/deploy/image.sh start',
      'deploy/image.sh install',
      'deploy/image.sh pack',
    ]);
    assert.match(dockerfile, /image\.sh install \/release\/sekisho-\*\.tgz \/opt\/sekisho\n/, 'installed where CMD looks');
    assert.ok(existsSync(join(prefix, 'node_modules/sekisho/deploy/image.sh')), 'image.sh where the install puts it');
  });
});
