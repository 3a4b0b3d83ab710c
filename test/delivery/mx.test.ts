// MX routing against a real DNS server on loopback: preference order, shuffling among equal
// preferences, null MX, implicit MX (A/AAAA), NXDOMAIN, SERVFAIL, timeouts and the port override.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  resolveDeliveryTargets,
  createResolver,
  DeliveryRoutingError,
  orderByPreference,
  parseDnsServers,
  mailauthResolver,
} from '../../src/delivery/mx.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';

let dns: DnsServer;
before(async () => {
  dns = await startDnsServer([
    { name: 'multi.test', type: 'MX', value: 'mx-b.multi.test', preference: 20 },
    { name: 'multi.test', type: 'MX', value: 'mx-a.multi.test', preference: 10 },
    { name: 'multi.test', type: 'MX', value: 'mx-c.multi.test', preference: 30 },
    { name: 'mx-a.multi.test', type: 'A', value: '192.0.2.1' },
    { name: 'mx-b.multi.test', type: 'A', value: '192.0.2.2' },
    { name: 'mx-b.multi.test', type: 'AAAA', value: '2001:db8::2' },
    { name: 'mx-c.multi.test', type: 'CNAME', value: 'mx-a.multi.test' },
    { name: 'equal.test', type: 'MX', value: 'one.equal.test', preference: 10 },
    { name: 'equal.test', type: 'MX', value: 'two.equal.test', preference: 10 },
    { name: 'one.equal.test', type: 'A', value: '192.0.2.11' },
    { name: 'two.equal.test', type: 'A', value: '192.0.2.12' },
    { name: 'nullmx.test', type: 'MX', value: '.', preference: 0 },
    { name: 'nomx.test', type: 'A', value: '192.0.2.30' },
    { name: 'nomx.test', type: 'TXT', value: 'v=spf1 -all' },
    { name: 'nothing.test', type: 'TXT', value: 'no mail here' },
    { name: 'deadmx.test', type: 'MX', value: 'gone.deadmx.test', preference: 10 },
    { name: 'flakymx.test', type: 'MX', value: 'flaky.flakymx.test', preference: 10 },
  ]);
  dns.setFault('broken.test', 'servfail');
  dns.setFault('slow.test', 'timeout');
  dns.setFault('flaky.flakymx.test', 'servfail');
});
after(() => dns.close());

const resolver = () => createResolver([dns.address], { timeoutMs: 200, tries: 1 });

test('MX hosts in preference order with their addresses; the MX port is configurable', async () => {
  const targets = await resolveDeliveryTargets('Multi.Test.', resolver(), { mxPort: 2525 });
  assert.deepEqual(targets, [
    { host: 'mx-a.multi.test', addresses: ['192.0.2.1'], port: 2525, preference: 10, implicit: false },
    { host: 'mx-b.multi.test', addresses: ['192.0.2.2', '2001:db8::2'], port: 2525, preference: 20, implicit: false },
    { host: 'mx-c.multi.test', addresses: ['192.0.2.1'], port: 2525, preference: 30, implicit: false },
  ]);
  const defaultPort = await resolveDeliveryTargets('multi.test', resolver());
  assert.equal(defaultPort[0]!.port, 25);
});

test('equal preferences are shuffled with the given randomness', async () => {
  const first = await resolveDeliveryTargets('equal.test', resolver(), { random: () => 0.99 });
  const second = await resolveDeliveryTargets('equal.test', resolver(), { random: () => 0 });
  assert.deepEqual(
    first.map((t) => t.host),
    ['one.equal.test', 'two.equal.test'],
  );
  assert.deepEqual(
    second.map((t) => t.host),
    ['two.equal.test', 'one.equal.test'],
  );
  const many = orderByPreference(
    [
      { priority: 5, n: 1 },
      { priority: 1, n: 2 },
      { priority: 5, n: 3 },
    ],
    () => 0,
  );
  assert.equal(many[0]!.n, 2);
});

test('a null MX is a permanent failure (556 5.1.10)', async () => {
  await assert.rejects(resolveDeliveryTargets('nullmx.test', resolver()), (err: DeliveryRoutingError) => {
    assert.ok(err instanceof DeliveryRoutingError);
    assert.equal(err.temporary, false);
    assert.equal(err.enhanced, '5.1.10');
    assert.match(err.response, /^556 5\.1\.10 /);
    return true;
  });
});

test("no MX falls back to the domain's own address (implicit MX)", async () => {
  const targets = await resolveDeliveryTargets('nomx.test', resolver(), { mxPort: 2525 });
  assert.deepEqual(targets, [{ host: 'nomx.test', addresses: ['192.0.2.30'], port: 2525, preference: 0, implicit: true }]);
});

test('no MX and no address is permanent; NXDOMAIN is permanent (5.1.2)', async () => {
  await assert.rejects(resolveDeliveryTargets('nothing.test', resolver()), { enhanced: '5.4.4', temporary: false });
  await assert.rejects(resolveDeliveryTargets('no-such-domain.test', resolver()), { enhanced: '5.1.2', temporary: false, code: 550 });
  await assert.rejects(resolveDeliveryTargets('deadmx.test', resolver()), { enhanced: '5.4.4', temporary: false });
});

test('SERVFAIL and timeouts are temporary (451 4.4.3)', async () => {
  await assert.rejects(resolveDeliveryTargets('broken.test', resolver()), { enhanced: '4.4.3', temporary: true, code: 451 });
  await assert.rejects(resolveDeliveryTargets('slow.test', resolver()), (err: DeliveryRoutingError) => {
    assert.equal(err.temporary, true);
    assert.match(err.message, /ETIMEOUT/);
    return true;
  });
  await assert.rejects(resolveDeliveryTargets('flakymx.test', resolver()), { enhanced: '4.4.3', temporary: true });
});

test('createResolver takes ip:port; parseDnsServers splits the setting; mailauthResolver asks the same servers', async () => {
  assert.deepEqual(parseDnsServers(' 127.0.0.1:5353, [::1]:53 '), ['127.0.0.1:5353', '[::1]:53']);
  assert.deepEqual(parseDnsServers(undefined), []);
  const r = createResolver(['[::1]:5353', '127.0.0.1:53']);
  assert.deepEqual(r.getServers(), ['[::1]:5353', '127.0.0.1']);
  const txt = await mailauthResolver(resolver())('nomx.test', 'TXT');
  assert.deepEqual(txt, [['v=spf1 -all']]);
});
