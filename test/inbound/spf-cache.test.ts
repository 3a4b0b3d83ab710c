// SPF results kept per client address and sender domain (src/inbound/spf-cache.ts), against the real
// test DNS server on loopback: a kept result reads as mailauth's fresh evaluation for another sender
// of the domain, is evaluated again after the shortest TTL it read, and nothing is kept that could
// differ — records with macros, DNS failures, another client address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { createCachingResolver } from '../../src/inbound/dns-cache.ts';
import { createSpfCache, evaluateSpf, type SpfQuery } from '../../src/inbound/spf-cache.ts';
import { verifyAuthentication } from '../../src/inbound/auth.ts';

describe('SPF result cache', () => {
  let dns: DnsServer;
  let clock = 1_000_000;
  const now = () => clock;
  const setUp = (maxEntries?: number) => {
    const resolver = createCachingResolver([dns.address], { timeoutMs: 500, tries: 1, now });
    const cache = createSpfCache(resolver, { now, ...(maxEntries ? { maxEntries } : {}) });
    return { resolver, cache };
  };
  const query = (resolver: SpfQuery['resolver'], sender: string, ip = '192.0.2.10', helo = 'mail.partner.test'): SpfQuery => ({
    sender,
    ip,
    helo,
    mta: 'mx.acme.test',
    resolver,
  });
  /** mailauth's own evaluation, through a resolver with no answers kept */
  const fresh = (q: SpfQuery) =>
    evaluateSpf({ ...q, resolver: createCachingResolver([dns.address], { timeoutMs: 500, tries: 1, now }).resolve });
  const parts = (r: { domain?: string; status?: { result: string }; info?: string }) => ({
    domain: r.domain,
    result: r.status?.result,
    info: r.info,
  });
  const asked = () => dns.queries.length;

  before(async () => {
    dns = await startDnsServer([
      { name: 'partner.test', type: 'TXT', value: 'v=spf1 include:_spf.esp.test -all', ttl: 600 },
      { name: '_spf.esp.test', type: 'TXT', value: 'v=spf1 ip4:192.0.2.0/28 ~all', ttl: 120 },
      { name: 'macro.test', type: 'TXT', value: 'v=spf1 exists:%{l}.allowed.macro.test -all', ttl: 600 },
      { name: 'alice.allowed.macro.test', type: 'A', value: '127.0.0.2' },
      { name: 'flaky.test', type: 'TXT', value: 'v=spf1 ip4:192.0.2.10 -all', ttl: 600 },
      { name: 'helo.partner.test', type: 'TXT', value: 'v=spf1 a -all', ttl: 600 },
      { name: 'helo.partner.test', type: 'A', value: '192.0.2.10', ttl: 600 },
    ]);
  });
  after(() => dns.close());

  it('gives a second sender of the domain the kept result, worded as mailauth words it for that sender', async () => {
    const { resolver, cache } = setUp();
    const first = await cache.check(query(resolver.resolve, 'info@partner.test'));
    assert.equal(first.status?.result, 'pass');
    const before = asked();
    const second = await cache.check(query(resolver.resolve, 'Bounce-4711@Partner.test', '192.0.2.10', 'out.esp.test'));
    assert.equal(asked(), before, 'no DNS question, not even to the cache');
    assert.deepEqual(cache.stats(), { checks: 2, hits: 1, entries: 1 });
    assert.deepEqual(parts(second), parts(await fresh(query(resolver.resolve, 'Bounce-4711@Partner.test', '192.0.2.10', 'out.esp.test'))));
    assert.match(second.info!, /smtp\.mailfrom=Bounce-4711@Partner\.test/);
  });

  it('evaluates again for another client address, and after the shortest TTL it read', async () => {
    const { resolver, cache } = setUp();
    await cache.check(query(resolver.resolve, 'a@partner.test'));
    const other = await cache.check(query(resolver.resolve, 'a@partner.test', '198.51.100.7'));
    assert.equal(other.status?.result, 'fail');
    assert.equal(cache.stats().hits, 0);
    clock += 119_000;
    await cache.check(query(resolver.resolve, 'b@partner.test'));
    assert.equal(cache.stats().hits, 1, 'within the include’s TTL of 120 s');
    clock += 2_000;
    const esp = dns.queries.filter((q) => q.name === '_spf.esp.test').length;
    const later = await cache.check(query(resolver.resolve, 'c@partner.test'));
    assert.equal(cache.stats().hits, 1, 'past it: evaluated again');
    assert.equal(later.status?.result, 'pass');
    assert.equal(dns.queries.filter((q) => q.name === '_spf.esp.test').length, esp + 1);
  });

  it('keeps nothing read through a macro: the local part decides there', async () => {
    const { resolver, cache } = setUp();
    assert.equal((await cache.check(query(resolver.resolve, 'alice@macro.test'))).status?.result, 'pass');
    assert.equal((await cache.check(query(resolver.resolve, 'mallory@macro.test'))).status?.result, 'fail');
    assert.equal((await cache.check(query(resolver.resolve, 'alice@macro.test'))).status?.result, 'pass');
    assert.deepEqual(cache.stats(), { checks: 3, hits: 0, entries: 0 });
  });

  it('keeps no temperror: the next message is evaluated again', async () => {
    const { resolver, cache } = setUp();
    dns.setFault('flaky.test', 'servfail');
    assert.equal((await cache.check(query(resolver.resolve, 'x@flaky.test'))).status?.result, 'temperror');
    dns.setFault('flaky.test', null);
    assert.equal((await cache.check(query(resolver.resolve, 'x@flaky.test'))).status?.result, 'pass');
    assert.equal(cache.stats().hits, 0);
    assert.equal((await cache.check(query(resolver.resolve, 'y@flaky.test'))).status?.result, 'pass');
    assert.equal(cache.stats().hits, 1);
  });

  it('checks the HELO name for the null sender, kept under that name, and stays bounded', async () => {
    const { resolver, cache } = setUp(2);
    const q = { ...query(resolver.resolve, ''), sender: undefined, helo: 'helo.partner.test' };
    const first = await cache.check(q);
    const again = await cache.check(q);
    assert.equal(cache.stats().hits, 1);
    assert.deepEqual(parts(again), parts(first));
    assert.deepEqual(parts(again), parts(await fresh(q)));
    assert.equal(again.status?.result, 'pass');
    await cache.check(query(resolver.resolve, 'a@partner.test'));
    await cache.check(query(resolver.resolve, 'a@flaky.test'));
    assert.equal(cache.stats().entries, 2);
  });

  it('is what verifyAuthentication uses when given, with the same Authentication-Results', async () => {
    const { resolver, cache } = setUp();
    const raw = Buffer.from('From: <info@partner.test>\r\nTo: <x@acme.test>\r\nSubject: hi\r\n\r\nhello\r\n');
    const input = { raw, ip: '192.0.2.10', helo: 'mail.partner.test', mailFrom: 'info@partner.test', authservId: 'mx.acme.test' };
    const plain = await verifyAuthentication({ ...input, resolver: resolver.resolve });
    await verifyAuthentication({ ...input, mailFrom: 'other@partner.test', resolver: resolver.resolve, spf: cache.check });
    const cached = await verifyAuthentication({ ...input, resolver: resolver.resolve, spf: cache.check });
    assert.equal(cache.stats().hits, 1);
    assert.equal(cached.header, plain.header);
    assert.deepEqual(cached.results, plain.results);
  });
});
