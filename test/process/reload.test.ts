// Reload without a restart: SIGHUP (what `systemctl reload sekisho` sends) and `sekisho reload`
// (which signals the pid in <dataDir>/sekisho.pid and prints the outcome) read the configuration
// file and the TLS pair again. A bad configuration or a key that does not match its certificate
// is refused with one line and the running configuration stays. With one process only the TLS
// pair (and the log level) change and the rest is named as needing a restart; with
// `processes: 2` each process is replaced by one running the new configuration, one at a time:
// a client mid-transaction across the reload gets its 250, and the ports never refuse.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, runCli, startProcess, type StartedProcess } from '../helpers/process.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { waitUntil } from '../helpers/wait.ts';
import { selfSigned } from '../../src/smtp/tls.ts';

/** the common name of the certificate a STARTTLS on `port` gets */
async function servedName(port: number): Promise<string> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO reload.test');
    await talk.starttls();
    return String(talk.peerCertificate().subject.CN);
  } finally {
    talk.close();
  }
}

/** the SIZE a new connection on `port` is offered (maxMessageSize) */
async function offeredSize(port: number): Promise<number> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    return Number(/SIZE (\d+)/.exec((await talk.cmd('EHLO reload.test')).text)?.[1]);
  } finally {
    talk.close();
  }
}

const count = (text: string, what: string) => text.split(what).length - 1;

/** the log lines (pino JSON) of the output */
const logLines = (out: string) =>
  out.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { pid: number; msg: string; id?: string; signal?: string }];
    } catch {
      return [];
    }
  });

/** connects to both SMTP ports one after another until stopped; every connection must be greeted 220 */
function probePorts(ports: number[]): { stop(): Promise<{ greeted: number; failures: string[] }> } {
  let running = true;
  let greeted = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      for (const port of ports) {
        try {
          const { talk, greeting } = await SmtpTalk.connect(port);
          if (greeting.code === 220) greeted++;
          else failures.push(`${port}: ${greeting.text}`);
          talk.write('QUIT\r\n');
          talk.close();
        } catch (err) {
          failures.push(`${port}: ${(err as Error).message}`);
        }
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { greeted, failures };
    },
  };
}

describe('reload: SIGHUP and sekisho reload', () => {
  let db: TestDatabase;
  let sink: Sink;
  let a: { cert: string; key: string };
  let b: { cert: string; key: string };
  let certFile: string;
  let keyFile: string;

  before(async () => {
    db = await createTestDatabase('sqlite');
    sink = await startSink();
    [a, b] = await Promise.all([selfSigned('old.reload.example'), selfSigned('renewed.reload.example')]);
    certFile = join(db.dataDir, 'fullchain.pem');
    keyFile = join(db.dataDir, 'privkey.pem');
  });
  after(async () => {
    await sink.close();
    await db.drop();
  });

  /** the configuration file and environment of one gateway; the file is what a reload reads again */
  const setup = (processes: string, dir: string) => {
    const configFile = join(db.dataDir, `${dir}.yaml`);
    const env = childEnv(
      db,
      sink.url,
      {
        SEKISHO_CONFIG: configFile,
        SEKISHO_TLS_CERT: certFile,
        SEKISHO_TLS_KEY: keyFile,
        SEKISHO_PROCESSES: processes,
        SEKISHO_DEMO_TENANT: 'true',
        SEKISHO_TRUSTED_NETWORKS: '127.0.0.1/32',
        SEKISHO_LOG_LEVEL: 'info',
      },
      dir,
    );
    const writeConfig = (text: string) => writeFileSync(configFile, text);
    return { env, writeConfig, dataDir: join(db.dataDir, dir) };
  };

  const start = (env: Record<string, string | undefined>): Promise<StartedProcess> => {
    writeFileSync(certFile, a.cert);
    writeFileSync(keyFile, a.key, { mode: 0o600 });
    return startProcess(env);
  };

  it('one process: the renewed pair is served, a mismatched pair or a bad file is refused, the rest needs a restart', async () => {
    const { env, writeConfig, dataDir } = setup('1', 'one');
    writeConfig('maxMessageSize: 1000000\n');
    const p = await start(env);
    const pidFile = join(dataDir, 'sekisho.pid');
    assert.equal(statSync(pidFile).mode & 0o777, 0o600);
    assert.equal(await servedName(p.ports.submission), 'old.reload.example');

    writeFileSync(certFile, b.cert); // the key not yet copied: a mismatched pair
    const refused = await runCli(['reload'], env);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /reload refused, the running configuration stays: TLS certificate and key/);
    assert.equal(await servedName(p.ports.submission), 'old.reload.example');

    writeFileSync(keyFile, b.key);
    writeConfig('maxMessageSize: 2000000\n');
    const done = await runCli(['reload'], env);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /reloaded; needs a restart: maxMessageSize\n$/);
    assert.equal(await servedName(p.ports.submission), 'renewed.reload.example');
    assert.equal(await servedName(p.ports.inbound), 'renewed.reload.example');
    assert.equal(await offeredSize(p.ports.submission), 1000000, 'one process keeps what needs a restart');

    writeConfig('maxMessageSize: -5\n');
    p.child.kill('SIGHUP');
    await waitUntil('the bad file refused', () => count(p.output(), 'reload refused') === 2);
    assert.match(p.output(), /reload refused, the running configuration stays: invalid setting .*maxMessageSize/);
    assert.equal(await servedName(p.ports.submission), 'renewed.reload.example');

    const unsent = await runCli(['reload'], env);
    assert.equal(unsent.code, 1);
    assert.match(unsent.stderr, /reload refused, the running configuration stays \(not signalled\): invalid setting .*maxMessageSize/);

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    writeConfig('maxMessageSize: 2000000\n');
    assert.equal(existsSync(pidFile), false, 'a clean stop removes the pid file');
    const none = await runCli(['reload'], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no running gateway/);
  });

  it('processes: 2: each process is replaced with the new configuration; a transaction across it completes; the ports never refuse', {
    timeout: 240_000,
  }, async () => {
    const { env, writeConfig } = setup('2', 'two');
    writeConfig('maxMessageSize: 1000000\n');
    const p = await start(env);
    for (let i = 0; i < 4; i++) assert.equal(await offeredSize(p.ports.submission), 1000000);

    // Clients mid-transaction (DATA begun) on each of the two processes: each connection first
    // sends one message, whose id the log ties to the process that accepted it.
    const held: Array<{ talk: SmtpTalk; pid: number; n: number }> = [];
    for (let n = 0; n < 40 && new Set(held.map((h) => h.pid)).size < 2; n++) {
      const { talk } = await SmtpTalk.connect(p.ports.submission);
      await talk.cmd('EHLO held.test');
      const transaction = async (subject: string) => {
        assert.equal((await talk.cmd('MAIL FROM:<admin@demo.example>')).code, 250);
        assert.equal((await talk.cmd('RCPT TO:<far@example.net>')).code, 250);
        assert.equal((await talk.cmd('DATA')).code, 354);
        talk.write(`From: admin@demo.example\r\nTo: far@example.net\r\nSubject: ${subject}\r\n\r\n`);
      };
      await transaction(`first ${n}`);
      const id = /queued as (\S+)/.exec((await talk.cmd('body\r\n.')).text)?.[1];
      const line = await waitUntil('the accept logged', () => logLines(p.output()).find((l) => l.msg === 'smtp accepted' && l.id === id));
      if (held.some((h) => h.pid === line.pid)) {
        talk.close();
        continue;
      }
      await transaction(`held ${n}`);
      talk.write('the first half of the body, before the reload\r\n');
      held.push({ talk, pid: line.pid, n });
    }
    assert.equal(new Set(held.map((h) => h.pid)).size, 2, 'a held transaction on each process');

    const probe = probePorts([p.ports.submission, p.ports.inbound]);
    writeFileSync(certFile, b.cert);
    writeFileSync(keyFile, b.key);
    writeConfig('maxMessageSize: 2000000\n');
    p.child.kill('SIGHUP');
    // the first old process drains only once its new one listens; it waits for its transaction
    const draining = await waitUntil(
      'an old process draining',
      () => logLines(p.output()).find((l) => l.msg.startsWith('draining') && held.some((h) => h.pid === l.pid)),
      120_000,
    );
    for (const h of held) {
      h.talk.write('the second half, after it\r\n.\r\n');
      const r = await h.talk.reply();
      assert.equal(r.code, 250, `held ${h.n} on ${h.pid === draining.pid ? 'the draining' : 'the other'} process: ${r.text}`);
      h.talk.write('QUIT\r\n');
      h.talk.close();
    }
    await waitUntil('the reload done', () => /TLS certificate and key reloaded; changed: maxMessageSize/.test(p.output()), 120_000);
    const { greeted, failures } = await probe.stop();
    assert.deepEqual(failures, [], 'no connection refused or left ungreeted during the reload');
    assert.ok(greeted > 0);
    for (let i = 0; i < 6; i++) {
      // the kernel hands each new connection to either process: all of them run the new configuration
      assert.equal(await offeredSize(p.ports.submission), 2000000);
      assert.equal(await servedName(p.ports.submission), 'renewed.reload.example');
    }
    const oldPids = new Set(held.map((h) => h.pid));
    assert.ok(
      logLines(p.output()).filter((l) => l.msg === 'stopped' && oldPids.has(l.pid)).length === 2,
      'both old processes drained and stopped',
    );
    await waitUntil('the held messages delivered', () =>
      held.every((h) => sink.messages.some((m) => m.raw.includes(`Subject: held ${h.n}`))),
    );

    // a bad file: refused by the primary, the running processes and their configuration stay
    writeConfig('maxMessageSize: [not a number]\n');
    p.child.kill('SIGHUP');
    await waitUntil('the bad file refused', () =>
      /reload refused, the running configuration stays: invalid setting .*maxMessageSize/.test(p.output()),
    );
    assert.equal(await offeredSize(p.ports.submission), 2000000);

    // a restart-only setting is kept and named
    writeConfig('maxMessageSize: 2000000\nlistenHost: 0.0.0.0\n');
    const kept = await runCli(['reload'], env);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /needs a restart: listenHost/);
    assert.ok((await offeredSize(p.ports.submission)) === 2000000);

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  });
});
