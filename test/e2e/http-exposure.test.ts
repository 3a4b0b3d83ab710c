// What the HTTP port shows to whom, on SQLite and PostgreSQL (issue 17): /metrics only to the
// metricsAllow networks or with the bearer token, HSTS when publicUrl is https, and a client
// guessing tokens of the /h /c /a /q pages is refused after 30 unknown ones, like on /d.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { loadConfig } from '../../src/config/load.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

for (const kind of backends()) {
  describe(`HTTP exposure on ${kind}`, () => {
    let inst: TestInstance;
    let base: string;

    before(async () => {
      // loopback is not in metricsAllow here, so the test client is a stranger to /metrics
      inst = await startInstance(kind, { metricsAllow: ['192.0.2.0/24'], metricsToken: TOKEN, publicUrl: 'https://mail.acme.example' });
      base = `http://127.0.0.1:${inst.sekisho.ports.http}`;
    });
    after(async () => {
      await inst.stop();
    });

    it('/metrics: refused to other networks, served with the bearer token', async () => {
      const anonymous = await fetch(`${base}/metrics`);
      assert.equal(anonymous.status, 403);
      assert.doesNotMatch(await anonymous.text(), /sekisho_/);
      assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 403);
      const ok = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /sekisho_/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200, 'health stays open for load balancers');
    });

    it('HSTS on every answer when publicUrl is https', async () => {
      for (const path of ['/healthz', '/console/', '/q/nothing-here-aaaaaaaaaaaa']) {
        assert.equal((await fetch(base + path)).headers.get('strict-transport-security'), 'max-age=31536000', path);
      }
    });

    it('/h /c /a /q: 30 unknown tokens from a client, then 429 before any look-up', async () => {
      const pages = ['h', 'c', 'a', 'q'];
      // the HSTS test opened one unknown /q token already: 28 + that + the POST below make 30
      for (let i = 0; i < 28; i++) {
        assert.equal((await fetch(`${base}/${pages[i % 4]}/unknown-token-${i}-aaaaaaaaaaaaaaaa`)).status, 404);
      }
      const r = await fetch(`${base}/q/unknown-token-last-aaaaaaaaaaaaaaaa`, {
        method: 'POST',
        body: 'action=release',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(r.status, 404);
      for (const p of pages) {
        const refused = await fetch(`${base}/${p}/any-token-aaaaaaaaaaaaaaaaaaaa`);
        assert.equal(refused.status, 429, p);
        assert.match(await refused.text(), /しばらくの間ご利用いただけません/);
      }
    });

    it('defaults: /metrics to loopback only; a short token is a start-up error naming the setting', () => {
      const config = loadConfig({}, {});
      assert.deepEqual(config.metricsAllow, ['127.0.0.1/32', '::1/128']);
      assert.equal(config.metricsToken, undefined);
      assert.throws(() => loadConfig({ SEKISHO_METRICS_TOKEN: 'short' }), /SEKISHO_METRICS_TOKEN: must have at least 16 characters/);
    });
  });
}
