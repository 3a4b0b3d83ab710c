// Spoofing stopped by the shipped defaults (issue 22 item 4), on SQLite and PostgreSQL: with no
// policy applied, the fake brand and fake-colleague mails of test/fixtures/spoofing/fakes go
// through the real MX port and are quarantined (release class "phishing", admins only), while the
// brands' own newsletters in test/fixtures/spoofing/real — DKIM-signed by their real domains,
// the test key published in a DNS server on loopback — are delivered untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsRecord, type DnsServer } from '../helpers/dns-server.ts';
import { inboundStateOf } from '../../src/inbound/quarantine.ts';
import { releaseClassOf } from '../../src/inbound/release-class.ts';
import { changeUserAndSendAs, findUser } from '../../src/users/people.ts';
import { crlf, sendRaw, waitUntil, withoutSekishoTrace } from './shield-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as {
  dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string; errors: unknown[] }>;
};

const CORPUS = new URL('../fixtures/spoofing/', import.meta.url);
const RCPT = 'taro@acme.example';
const SELECTOR = 'test2026';

function corpus(set: 'fakes' | 'real'): Array<{ name: string; raw: Buffer }> {
  const dir = new URL(`${set}/`, CORPUS);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((name) => ({ name, raw: crlf(readFileSync(new URL(name, dir))) }));
}

/** The domain of the From address (the fixtures keep it on the From line). */
function fromDomain(raw: Buffer): string {
  const m = /^From:.*<[^@>]+@([^>]+)>/im.exec(raw.toString('latin1'));
  assert.ok(m, 'a From address');
  return m[1]!.toLowerCase();
}

function idOf(text: string): string {
  const m = /queued as (\S+)/.exec(text);
  assert.ok(m, `no id in ${text}`);
  return m[1]!;
}

for (const kind of backends()) {
  describe(`spoofing with the shipped defaults on ${kind}`, () => {
    let sink: Sink;
    let dns: DnsServer;
    let inst: TestInstance;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const real = corpus('real');
    const fakes = corpus('fakes');

    before(async () => {
      // Each brand domain the newsletters come from: SPF for loopback, DMARC p=reject, the test DKIM key.
      const records: DnsRecord[] = [];
      for (const d of new Set(real.map((m) => fromDomain(m.raw)))) {
        records.push(
          { name: d, type: 'TXT', value: 'v=spf1 ip4:127.0.0.1 -all' },
          { name: `_dmarc.${d}`, type: 'TXT', value: 'v=DMARC1; p=reject' },
          { name: `${SELECTOR}._domainkey.${d}`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${pub}` },
        );
      }
      dns = await startDnsServer(records);
      sink = await startSink();
      inst = await startInstance(kind, { dnsServers: [dns.address], pollIntervalMs: 50 }, { inboundRoute: sink.url });
      // The tenant's own people are protected by their names in the user directory: no list needed.
      await inst.sekisho.store.createUsers(inst.tenantId, [{ email: 'yamada@acme.example', passwordHash: null, role: 'admin' }], 'test');
      await changeUserAndSendAs(
        inst.sekisho.store,
        await findUser(inst.sekisho.store, ALL_TENANTS, 'yamada@acme.example'),
        { name: '山田 太郎' },
        undefined,
        'test',
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    it('quarantines every fake (brand or colleague by display name, foreign domain, link or attachment)', async () => {
      assert.ok(fakes.length >= 8);
      for (const { name, raw } of fakes) {
        const domain = fromDomain(raw);
        const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom: `bounce@${domain}`, to: [RCPT] });
        assert.equal(reply.code, 250, `${name}: ${reply.text}`);
        const m = (await inst.sekisho.store.message(idOf(reply.text), ALL_TENANTS))!;
        const state = inboundStateOf(m)!;
        const symbols = state.symbols.map((s) => s.name);
        assert.equal(m.state, 'quarantined', `${name}: ${m.state}, score ${state.score}, ${symbols.join(' ')}`);
        assert.ok(symbols.includes('PHISH_IMPERSONATION_PAYLOAD'), `${name}: ${symbols.join(' ')}`);
        assert.equal(state.policy.decidedBy.source, 'impersonation', `${name}: ${state.reason}`);
        assert.equal(releaseClassOf(state), 'phishing', `${name}: only an admin may release it`);
      }
    });

    it('delivers the brands’ own DKIM-signed newsletters untouched', async () => {
      for (const { name, raw } of real) {
        const domain = fromDomain(raw);
        const { signatures } = await dkimSign(raw, {
          canonicalization: 'relaxed/relaxed',
          signatureData: [{ signingDomain: domain, selector: SELECTOR, privateKey: keyPem }],
        });
        const signed = Buffer.concat([Buffer.from(signatures, 'latin1'), raw]);
        const reply = await sendRaw(inst.sekisho.ports.inbound, signed, { mailFrom: `bounce@${domain}`, to: [RCPT] });
        assert.equal(reply.code, 250, `${name}: ${reply.text}`);
        const id = idOf(reply.text);
        const m = (await inst.sekisho.store.message(id, ALL_TENANTS))!;
        const state = inboundStateOf(m)!;
        assert.notEqual(m.state, 'quarantined', `${name}: ${state.reason} ${state.symbols.map((s) => s.name).join(' ')}`);
        assert.equal(state.auth.dkim, 'pass', `${name}: ${state.authDetails.join(' ')}`);
        assert.equal(state.auth.dmarc, 'pass', name);
        assert.ok(!state.symbols.some((s) => s.name.startsWith('PHISH_')), `${name}: ${state.symbols.map((s) => s.name).join(' ')}`);
        const got = await waitUntil(async () => sink.messages.find((s) => s.raw.includes(id)), `delivery of ${name}`);
        assert.deepEqual(withoutSekishoTrace(got.raw), signed, `${name} arrives byte for byte`);
      }
    });
  });
}
