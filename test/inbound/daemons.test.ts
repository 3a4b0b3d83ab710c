// The Rspamd and ClamAV adapters against the real daemons from Debian (started on loopback by
// daemons.ts), and the whole shield with both configured (SEKISHO_RSPAMD_URL / SEKISHO_CLAMD):
// rspamd's symbols reach the verdict, EICAR is FOUND and quarantined, a clean file is OK,
// and a daemon that is down costs a zero-score symbol, never the mail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClamdScanner } from '../../src/inbound/clamd.ts';
import { RspamdScorer } from '../../src/inbound/rspamd.ts';
import { runScanners } from '../../src/inbound/scorers.ts';
import { inboundStateOf } from '../../src/inbound/quarantine.ts';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { freePort, haveClamd, haveRspamd, startClamd, startRspamd, type Daemon } from './daemons.ts';
import { fixtureInput } from './mail.ts';
import { crlf, fixture, sendRaw, waitUntil } from './shield-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

// Built here so no file in the repository trips a virus scanner.
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join('');

const skipReason = !haveRspamd() || !haveClamd() ? 'rspamd or clamd is not installed (apt-get install -y rspamd clamav-daemon)' : false;

describe('real rspamd and clamd', { skip: skipReason }, () => {
  let rspamd: Daemon;
  let clamd: Daemon;
  before(async () => {
    [rspamd, clamd] = await Promise.all([startRspamd(), startClamd()]);
  });
  after(async () => {
    await Promise.all([rspamd?.stop(), clamd?.stop()]);
  });

  it('rspamd scores GTUBE as reject and reports its symbols', async () => {
    const input = await fixtureInput('spam/rspamd/gtube.eml');
    const r = await new RspamdScorer({ url: rspamd.url }).score({
      ...input,
      client: { ip: '192.0.2.7', helo: 'mx.spam.test', mailFrom: 'a@spam.test', recipients: ['u@acme.example'], hostname: 'sekisho.test' },
    });
    assert.equal(r.action, 'reject');
    assert.ok(r.score >= 15);
    assert.ok(r.symbols.some((s) => s.name === 'RSPAMD_GTUBE'));
  });

  it('rspamd finds the content symbols of a spam sample', async () => {
    const input = await fixtureInput('spam/spamassassin/009');
    const r = await new RspamdScorer({ url: rspamd.url }).score(input);
    assert.ok(r.symbols.length > 0 && r.symbols.every((s) => s.name.startsWith('RSPAMD_')));
  });

  it('clamd: EICAR is FOUND, a clean file is OK (INSTREAM over TCP)', async () => {
    const scanner = new ClamdScanner({ address: clamd.url });
    assert.deepEqual(await scanner.scan(Buffer.from(`prefix ${EICAR} suffix`)), { clean: false, virus: 'Test.EICAR-NDB.UNOFFICIAL' });
    assert.deepEqual(await scanner.scan(Buffer.from('just a harmless text file\n'.repeat(10_000))), { clean: true });
  });

  it('a daemon that is down adds a zero-score symbol and the built-in verdict stands', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const input = await fixtureInput('spam/rspamd/advance_fee_fraud.eml');
    const v = await runScanners(
      input,
      {
        scorers: [new RspamdScorer({ url: dead, timeoutMs: 1000 })],
        scanners: [new ClamdScanner({ address: `tcp://127.0.0.1:${await freePort()}`, timeoutMs: 1000 })],
      },
      {},
    );
    assert.equal(v.score, v.builtin.score);
    assert.deepEqual(v.scorers.rspamd, 'unavailable');
    assert.ok(v.symbols.some((s) => s.name === 'RSPAMD_UNAVAILABLE' && s.score === 0));
    assert.ok(v.symbols.some((s) => s.name === 'CLAMAV_UNAVAILABLE' && s.score === 0));
  });

  for (const kind of backends()) {
    describe(`whole shield with rspamd and clamd on ${kind}`, () => {
      let sink: Sink;
      let inst: TestInstance;
      before(async () => {
        sink = await startSink();
        inst = await startInstance(kind, { rspamdUrl: rspamd.url, clamd: clamd.url, pollIntervalMs: 50 }, { inboundRoute: sink.url });
      });
      after(async () => {
        await inst.stop();
        await sink.close();
      });

      it('quarantines an EICAR attachment found by clamd, with rspamd symbols in the verdict', async () => {
        const mail = crlf(
          `From: a@virus.test\nTo: taro@acme.example\nSubject: document\nDate: Mon, 1 Jun 2026 10:00:00 ` +
            `+0900\nMessage-ID: <e1@virus.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
            `boundary="b"\n\n--b\nContent-Type: text/plain\n\nsee file\n--b\nContent-Type: application/octet-stream; ` +
            `name="file.txt"\nContent-Disposition: attachment; filename="file.txt"\nContent-Transfer-Encoding: ` +
            `base64\n\n${Buffer.from(EICAR).toString('base64')}\n--b--\n`,
        );
        const reply = await sendRaw(inst.sekisho.ports.inbound, mail, { mailFrom: 'a@virus.test', to: ['taro@acme.example'] });
        assert.equal(reply.code, 250, reply.text);
        const id = /queued as (\S+)/.exec(reply.text)![1]!;
        const m = (await inst.sekisho.store.message(id, ALL_TENANTS))!;
        assert.equal(m.state, 'quarantined');
        const state = inboundStateOf(m)!;
        assert.ok(state.symbols.some((s) => s.name === 'VIRUS_FOUND' && s.detail === 'Test.EICAR-NDB.UNOFFICIAL'));
        assert.equal(typeof state.scorers.rspamd, 'number');
        assert.ok(state.symbols.some((s) => s.name.startsWith('RSPAMD_')));
      });

      it('delivers ham with rspamd consulted', async () => {
        const reply = await sendRaw(inst.sekisho.ports.inbound, fixture('ham/jpmobile/pc-mail-single.eml'), {
          mailFrom: 'friend@sender.test',
          to: ['taro@acme.example'],
        });
        const id = /queued as (\S+)/.exec(reply.text)![1]!;
        await waitUntil(async () => sink.messages.find((s) => s.raw.includes(id)), 'ham delivery');
        assert.equal(typeof inboundStateOf((await inst.sekisho.store.message(id, ALL_TENANTS))!)!.scorers.rspamd, 'number');
      });
    });
  }
});
