// The inbound resolver's answer cache and the DKIM key cache, against a real DNS server on
// loopback (queries counted there): answers as node:dns gives them, kept for their TTL, negative
// answers for the SOA minimum or the default, failures never, bounded, one query for concurrent
// look-ups, TCP for long answers; parsed DKIM keys reused while the record is the same.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { Resolver } from 'node:dns/promises';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { createCachingResolver } from '../../src/inbound/dns-cache.ts';
import { verifyAuthentication } from '../../src/inbound/auth.ts';
import { dkimKeyCacheStats } from '../../src/inbound/dkim-key-cache.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';

const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as { dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string }> };
const { dkimVerify } = require('mailauth/lib/dkim/verify.js') as { dkimVerify: (raw: Buffer, o: unknown) => Promise<any> };

const LONG = 'v=spf1 ' + Array.from({ length: 120 }, (_, i) => `ip4:192.0.2.${i}`).join(' ') + ' -all';

describe('inbound DNS cache', () => {
  let dns: DnsServer;
  let clock = 1_000_000;
  const now = () => clock;
  const asked = (name: string) => dns.queries.filter((q) => q.name === name).length;
  const cache = (more: { maxEntries?: number } = {}) => createCachingResolver([dns.address], { timeoutMs: 500, tries: 1, now, ...more });

  before(async () => {
    dns = await startDnsServer([
      { name: 'ttl.test', type: 'TXT', value: ['v=spf1 ', 'ip4:127.0.0.1 -all'], ttl: 300 },
      { name: 'ttl.test', type: 'TXT', value: 'other', ttl: 100 },
      { name: 'ttl.test', type: 'MX', value: 'mx.ttl.test', preference: 5 },
      { name: 'mx.ttl.test', type: 'A', value: '192.0.2.7' },
      { name: 'alias.ttl.test', type: 'CNAME', value: 'ttl.test', ttl: 30 },
      { name: 'long.test', type: 'TXT', value: LONG },
      { name: 'soa.test', type: 'SOA', minimum: 10, ttl: 600 },
      { name: 'host.soa.test', type: 'A', value: '192.0.2.8' },
      { name: 'a.test', type: 'A', value: '192.0.2.1' },
      { name: 'b.test', type: 'A', value: '192.0.2.2' },
      { name: 'c.test', type: 'A', value: '192.0.2.3' },
      { name: 'fail.test', type: 'TXT', value: 'never seen' },
    ]);
  });
  after(() => dns.close());

  it('answers as node:dns does, and asks once within the smallest TTL of the answer', async () => {
    const plain = new Resolver();
    plain.setServers([dns.address]);
    const r = cache();
    for (const [name, type] of [
      ['ttl.test', 'TXT'],
      ['ttl.test', 'MX'],
      ['mx.ttl.test', 'A'],
      ['alias.ttl.test', 'TXT'],
    ] as const)
      assert.deepEqual(await r.resolve(name, type), await plain.resolve(name, type as 'TXT'), `${name} ${type}`);
    const before = asked('ttl.test');
    await r.resolve('TTL.test.', 'TXT');
    clock += 99_000;
    await r.resolve('ttl.test', 'TXT');
    assert.equal(asked('ttl.test'), before, 'within the TTL of 100 s: from the cache');
    clock += 2_000;
    await r.resolve('ttl.test', 'TXT');
    assert.equal(asked('ttl.test'), before + 1, 'after the shorter of the two TTLs: asked again');
    // the CNAME's own TTL (30 s) bounds the answer reached through it
    const alias = asked('alias.ttl.test');
    clock += 31_000;
    await r.resolve('alias.ttl.test', 'TXT');
    assert.equal(asked('alias.ttl.test'), alias + 1);
    assert.ok(r.stats().hits > 0 && r.stats().lookups > r.stats().hits);
  });

  it('keeps "no such name" and "no such record" for the SOA minimum, or a minute without an SOA', async () => {
    const r = cache();
    const codes = async (name: string, type: string) => {
      const err = await r.resolve(name, type).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      );
      return `${err?.code} ${err?.syscall} ${(err as { hostname?: string })?.hostname}`;
    };
    assert.equal(await codes('nx.soa.test', 'TXT'), 'ENOTFOUND queryTxt nx.soa.test');
    assert.equal(await codes('host.soa.test', 'TXT'), 'ENODATA queryTxt host.soa.test');
    assert.equal(await codes('nx.nosoa.test', 'TXT'), 'ENOTFOUND queryTxt nx.nosoa.test');
    const [soa, nosoa] = [asked('nx.soa.test'), asked('nx.nosoa.test')];
    clock += 9_000;
    assert.equal(await codes('nx.soa.test', 'TXT'), 'ENOTFOUND queryTxt nx.soa.test');
    assert.equal(asked('nx.soa.test'), soa);
    clock += 2_000;
    await codes('nx.soa.test', 'TXT');
    assert.equal(asked('nx.soa.test'), soa + 1, 'after the SOA minimum of 10 s');
    clock += 48_000;
    await codes('nx.nosoa.test', 'TXT');
    assert.equal(asked('nx.nosoa.test'), nosoa, 'within the default of 60 s');
    clock += 2_000;
    await codes('nx.nosoa.test', 'TXT');
    assert.equal(asked('nx.nosoa.test'), nosoa + 1);
  });

  it('never keeps a failure, shares one query among concurrent look-ups, and is bounded', async () => {
    const r = cache({ maxEntries: 2 });
    dns.setFault('fail.test', 'servfail');
    for (let i = 0; i < 2; i++) await assert.rejects(r.resolve('fail.test', 'TXT'), { code: 'ESERVFAIL' });
    assert.equal(asked('fail.test'), 2);
    dns.setFault('fail.test', null);
    assert.deepEqual(await r.resolve('fail.test', 'TXT'), [['never seen']]);

    const before = asked('a.test');
    const all = await Promise.all(Array.from({ length: 10 }, () => r.resolve('a.test', 'A')));
    assert.deepEqual(all[9], ['192.0.2.1']);
    assert.equal(asked('a.test'), before + 1);

    await r.resolve('b.test', 'A');
    await r.resolve('a.test', 'A'); // a.test is now the most recently used
    await r.resolve('c.test', 'A'); // evicts b.test
    assert.equal(r.stats().entries, 2);
    const b = asked('b.test');
    await r.resolve('a.test', 'A');
    await r.resolve('b.test', 'A');
    assert.equal(asked('b.test'), b + 1);
    assert.equal(asked('a.test'), before + 1);
  });

  it('takes long answers over TCP, and hands every caller its own copy', async () => {
    const r = cache();
    const txt = (await r.resolve('long.test', 'TXT')) as string[][];
    assert.equal(txt[0]!.join(''), LONG);
    assert.deepEqual(
      dns.queries.filter((q) => q.name === 'long.test').map((q) => q.transport),
      ['udp', 'tcp'],
    );
    txt[0]!.length = 0;
    assert.equal(((await r.resolve('long.test', 'TXT')) as string[][])[0]!.join(''), LONG);
  });
});

describe('DKIM key cache', () => {
  let dns: DnsServer;
  const keys = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      record: `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`,
    };
  };
  const first = keys();
  const second = keys();
  const message = (i: number) =>
    Buffer.from(
      `From: a@signer.test\r\nTo: b@acme.example\r\nSubject: key cache ${i}\r\nMessage-ID: <k${i}@signer.test>\r\n\r\nbody ${i}\r\n`,
    );
  const signed = async (i: number, privateKey: unknown) => {
    const raw = message(i);
    const { signatures } = await dkimSign(raw, { signatureData: [{ signingDomain: 'signer.test', selector: 'sel', privateKey }] });
    return Buffer.concat([Buffer.from(signatures), raw]);
  };

  before(async () => {
    dns = await startDnsServer([{ name: 'sel._domainkey.signer.test', type: 'TXT', value: first.record }]);
  });
  after(() => dns.close());

  it('parses a key record once while it stays the same, and again when it changes', async () => {
    // no answer cache here: every message asks DNS, so a changed record is seen at once
    const resolver = mailauthResolver(createResolver([dns.address], { timeoutMs: 500, tries: 1 }));
    const verify = async (raw: Buffer) =>
      (
        await verifyAuthentication({
          raw,
          ip: '127.0.0.1',
          helo: 'signer.test',
          mailFrom: 'a@signer.test',
          authservId: 'mx.test',
          resolver,
        })
      ).results.dkim;
    const start = dkimKeyCacheStats();
    assert.equal(await verify(await signed(1, first.privateKey)), 'pass');
    assert.equal(await verify(await signed(2, first.privateKey)), 'pass');
    assert.equal(await verify(await signed(3, second.privateKey)), 'fail', 'the old key does not verify a new signature');
    const mid = dkimKeyCacheStats();
    assert.equal(mid.parses - start.parses, 1);
    assert.equal(mid.reused - start.reused, 2);

    dns.set([{ name: 'sel._domainkey.signer.test', type: 'TXT', value: second.record }]);
    assert.equal(await verify(await signed(4, second.privateKey)), 'pass');
    assert.equal(await verify(await signed(5, first.privateKey)), 'fail');
    assert.equal(dkimKeyCacheStats().parses - mid.parses, 1);

    // mailauth's own result still carries the key as PEM text
    const direct = await dkimVerify(await signed(6, second.privateKey), { resolver });
    assert.equal(direct.results[0].status.result, 'pass');
    assert.match(direct.results[0].publicKey, /^-----BEGIN (RSA )?PUBLIC KEY-----/);
  });

  it('does not keep a record mailauth refuses', async () => {
    dns.set([{ name: 'sel._domainkey.signer.test', type: 'TXT', value: 'v=DKIM1; k=rsa; p=' }]);
    const resolver = mailauthResolver(createResolver([dns.address], { timeoutMs: 500, tries: 1 }));
    const raw = await signed(7, first.privateKey);
    for (let i = 0; i < 2; i++) {
      const { results } = await verifyAuthentication({
        raw,
        ip: '127.0.0.1',
        helo: 'signer.test',
        mailFrom: 'a@signer.test',
        authservId: 'mx.test',
        resolver,
      });
      assert.notEqual(results.dkim, 'pass');
    }
  });
});
