// /healthz reports each configured content engine: the real Rspamd and clamd from Debian (started
// on loopback by daemons.ts) are "ok"; an engine on a closed port is "degraded" with its error, and
// /healthz still answers 200 (status "degraded"): the gateway accepts mail and scans fall back to
// the safe verdict. The answer is cached 5 s, so a burst of health checks asks an engine once.
// (/metrics' queue age gauge is checked on the same gateway.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineHealth } from '../../src/inbound/engine-health.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { freePort, haveClamd, haveRspamd, startClamd, startRspamd, type Daemon } from './daemons.ts';

const skipReason = !haveRspamd() || !haveClamd() ? 'rspamd or clamd is not installed (apt-get install -y rspamd clamav-daemon)' : false;

describe('engine health: the real rspamd and clamd', { skip: skipReason }, () => {
  let rspamd: Daemon;
  let clamd: Daemon;
  before(async () => {
    [rspamd, clamd] = await Promise.all([startRspamd(), startClamd()]);
  });
  after(async () => {
    await Promise.all([rspamd?.stop(), clamd?.stop()]);
  });

  it('both answer: ok', async () => {
    const health = new EngineHealth({ rspamdUrl: rspamd.url, clamd: clamd.url });
    assert.deepEqual(await health.status(), {
      rspamd: { status: 'ok', address: rspamd.url },
      clamav: { status: 'ok', address: clamd.url },
    });
  });
});

describe('engine health: an engine that does not answer', () => {
  let gw: TestInstance;
  let closed: number;
  before(async () => {
    closed = await freePort();
    gw = await startInstance('sqlite', { rspamdUrl: `http://127.0.0.1:${closed}`, clamd: `tcp://127.0.0.1:${closed}` });
  });
  after(async () => {
    await gw.stop();
  });

  it('is degraded with its error, and /healthz still answers 200', async () => {
    const res = await fetch(`http://127.0.0.1:${gw.sekisho.ports.http}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; database: string; engines: Record<string, { status: string; error?: string }> };
    assert.equal(body.status, 'degraded');
    assert.equal(body.database, 'ok');
    assert.equal(body.engines.rspamd?.status, 'degraded');
    assert.equal(body.engines.clamav?.status, 'degraded');
    assert.match(body.engines.clamav?.error ?? '', /ECONNREFUSED/);
  });

  it('/metrics has the age of the oldest due message (nothing waits here: 0)', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gw.sekisho.ports.http}/metrics`)).text();
    assert.match(text, /^sekisho_queue_oldest_due_age_seconds 0$/m);
  });

  it('without engines there is nothing to report and the status is ok', async () => {
    assert.deepEqual(await new EngineHealth({}).status(), {});
  });

  it('asks an engine at most once per 5 s', async () => {
    let pings = 0;
    const fake = createServer((_req, res) => {
      pings++;
      res.end('pong\r\n');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const health = new EngineHealth({ rspamdUrl: `http://127.0.0.1:${(fake.address() as AddressInfo).port}` });
      for (let i = 0; i < 10; i++) assert.equal((await health.status(1_000_000 + i)).rspamd?.status, 'ok');
      assert.equal(pings, 1);
      await health.status(1_000_000 + 5000);
      assert.equal(pings, 2);
    } finally {
      fake.close();
    }
  });
});
