// SIGHUP (what `systemctl reload sekisho` sends) to `sekisho start`: a renewed TLS certificate is
// served from the next STARTTLS on, on both SMTP ports, without a restart; a key that does not
// match the certificate leaves the pair in use; with `processes: 2` the primary passes SIGHUP on
// to each process. The process keeps running and SIGTERM still drains it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { childEnv, startProcess, type StartedProcess } from '../helpers/process.ts';
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

const count = (text: string, what: string) => text.split(what).length - 1;

describe('SIGHUP reloads the TLS certificate', () => {
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

  const start = (processes: string, dir: string): Promise<StartedProcess> => {
    writeFileSync(certFile, a.cert);
    writeFileSync(keyFile, a.key, { mode: 0o600 });
    return startProcess(
      childEnv(db, sink.url, { SEKISHO_TLS_CERT: certFile, SEKISHO_TLS_KEY: keyFile, SEKISHO_PROCESSES: processes }, dir),
    );
  };

  it('serves the renewed pair after SIGHUP, and keeps the old one when the new key does not match', async () => {
    const p = await start('1', 'one');
    assert.equal(await servedName(p.ports.submission), 'old.reload.example');

    writeFileSync(certFile, b.cert); // the key not yet copied: a mismatched pair
    p.child.kill('SIGHUP');
    await waitUntil('the refused reload logged', () => count(p.output(), 'not reloaded') === 1);
    assert.equal(await servedName(p.ports.submission), 'old.reload.example');

    writeFileSync(keyFile, b.key);
    p.child.kill('SIGHUP');
    await waitUntil('the reload logged', () => count(p.output(), 'TLS certificate and key reloaded') === 1);
    assert.equal(await servedName(p.ports.submission), 'renewed.reload.example');
    assert.equal(await servedName(p.ports.inbound), 'renewed.reload.example');

    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  });

  it('with processes: 2 each process reloads', async () => {
    const p = await start('2', 'two');
    writeFileSync(certFile, b.cert);
    writeFileSync(keyFile, b.key);
    p.child.kill('SIGHUP');
    await waitUntil('both processes logged the reload', () => count(p.output(), 'TLS certificate and key reloaded') === 2);
    // the kernel hands each new connection to either process: all of them get the renewed pair
    for (let i = 0; i < 6; i++) assert.equal(await servedName(p.ports.submission), 'renewed.reload.example');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  });
});
