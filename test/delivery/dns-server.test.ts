// The test DNS server itself, through node:dns: record types, CNAME chains, NXDOMAIN vs NODATA,
// long TXT records split into strings and served over TCP after truncation, injected faults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { startDnsServer, txtStrings, type DnsServer } from '../helpers/dns-server.ts';

let dns: DnsServer;
let r: Resolver;
const long = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(3000);
before(async () => {
  dns = await startDnsServer([
    { name: 'Host.Test', type: 'A', value: '192.0.2.1' },
    { name: 'host.test', type: 'AAAA', value: '2001:db8::1' },
    { name: 'www.host.test', type: 'CNAME', value: 'host.test' },
    { name: '1.2.0.192.in-addr.arpa', type: 'PTR', value: 'host.test' },
    { name: 'long.test', type: 'TXT', value: long },
    { name: 'parts.test', type: 'TXT', value: ['v=spf1 ', 'include:a.test -all'] },
  ]);
  r = new Resolver({ timeout: 300, tries: 1 });
  r.setServers([dns.address]);
});
after(() => dns.close());

test('A, AAAA, PTR and CNAME answers, names case-insensitive', async () => {
  assert.deepEqual(await r.resolve4('host.test'), ['192.0.2.1']);
  assert.deepEqual(await r.resolve6('HOST.test'), ['2001:db8::1']);
  assert.deepEqual(await r.resolve4('www.host.test'), ['192.0.2.1']);
  assert.deepEqual(await r.resolveCname('www.host.test'), ['host.test']);
  assert.deepEqual(await r.reverse('192.0.2.1'), ['host.test']);
});

test('unknown names are NXDOMAIN, known names without the type are NODATA', async () => {
  await assert.rejects(r.resolve4('nope.test'), { code: 'ENOTFOUND' });
  await assert.rejects(r.resolveMx('host.test'), { code: 'ENODATA' });
});

test('a long TXT value is split into 255-byte strings and fetched over TCP after truncation', async () => {
  const before = dns.queries.length;
  const [record] = await r.resolveTxt('long.test');
  assert.equal(record!.join(''), long);
  assert.ok(
    record!.every((s) => Buffer.byteLength(s) <= 255),
    'TXT strings are at most 255 bytes',
  );
  assert.deepEqual(
    dns.queries.slice(before).map((q) => q.transport),
    ['udp', 'tcp'],
  );
  assert.deepEqual(await r.resolveTxt('parts.test'), [['v=spf1 ', 'include:a.test -all']]);
  assert.deepEqual(
    txtStrings('x'.repeat(256)).map((b) => b.length),
    [255, 1],
  );
});

test('set() replaces the data; faults give SERVFAIL, REFUSED or silence', async () => {
  dns.set([{ name: 'new.test', type: 'MX', value: 'mx.new.test', preference: 5 }]);
  assert.deepEqual(await r.resolveMx('new.test'), [{ exchange: 'mx.new.test', priority: 5 }]);
  await assert.rejects(r.resolve4('host.test'), { code: 'ENOTFOUND' });
  dns.setFault('new.test', 'servfail');
  await assert.rejects(r.resolveMx('new.test'), { code: 'ESERVFAIL' });
  dns.setFault('new.test', 'refused');
  await assert.rejects(r.resolveMx('new.test'), { code: 'EREFUSED' });
  dns.setFault('new.test', 'timeout');
  await assert.rejects(r.resolveMx('new.test'), { code: 'ETIMEOUT' });
  dns.setFault('new.test', null);
  assert.equal((await r.resolveMx('new.test')).length, 1);
});
