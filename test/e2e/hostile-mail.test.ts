// Issue 17's one-message stalls and blind spots, end to end on SQLite and PostgreSQL: a 300 KB
// display name, a 100 KB From domain, a 60,000-character IDN From domain and a DKIM h= tag of
// 8,000 names (both authenticated: under the 100 KB header limit), link hosts far beyond DNS
// limits, 100 ZIPs within every
// per-archive limit in one 7 MB message, over 1 MiB of headers and 60 MIME nesting levels, each
// through the MX port and through submission. /healthz keeps answering while each message is
// handled (requests sent and answered between the end of DATA and the reply; none left hanging;
// the event-loop figures are measured by `npm run bench -- stalls`), and every verdict is the
// conservative one: unparseable inbound mail is quarantined as MIME_UNPARSEABLE (its EICAR and
// .exe never reach the mailbox, and no recipient can release it), unparseable submissions are
// refused with 554 5.6.0 before any rule could be skipped, the rest carries its findings.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, PASSWORD, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { dataPayload, hostileCases, sendMessage, type HostileCase } from '../helpers/hostile-mail.ts';
import { watchHealth, type HealthWatch } from '../helpers/health-watch.ts';
import { INLINE_PARSE_BYTES } from '../../src/mime/parse-facts.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { createReleaseLink, inboundStateOf, releaseByLink, releaseQuarantined } from '../../src/inbound/quarantine.ts';
import { ServiceError } from '../../src/util/service-error.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const POLICY = `version: 1
outbound:
  rules:
    - name: No attachments to free mail
      when: { recipients: { any: ["*@gmail.com"] }, attachments: true }
      then: [ { block: { reason: "attachments to free mail are not allowed" } } ]
    - name: Encrypt attachments
      when: { attachments: true }
      then: [ { zipEncrypt: { method: aes256, passwordTo: sender } } ]
`;

function queuedId(text: string): string {
  const m = /queued as (\S+)/.exec(text);
  assert.ok(m, `no queue id in ${text}`);
  return m[1]!;
}

/**
 * /healthz answered requests sent after the end of DATA, before the reply: the gateway went on
 * serving while it handled the message. Only for messages with real work after DATA (`minBytes`:
 * inbound mail over what is parsed on the calling thread, then authenticated and analysed; on
 * submission the 7 MB one): a refusal right after a quick parse is over before an HTTP round trip.
 */
function assertAnsweredDuring(health: HealthWatch, c: HostileCase, payload: Buffer, dataSentAt: number, minBytes: number): void {
  if (payload.length <= minBytes) return;
  assert.ok(health.answeredBetween(dataSentAt, Date.now()) > 0, `${c.name}: /healthz answered while the message was handled`);
}

/** What the inbound verdict must show for each case (besides not being delivered unflagged). */
const INBOUND_EXPECT: Record<string, { reason?: RegExp; symbols: string[] }> = {
  '300 KB display name': { symbols: ['PHISH_LONG_DISPLAY_NAME', 'AUTH_HEADER_TOO_LARGE'] },
  '100 KB From domain': { symbols: ['PHISH_INVALID_SENDER_DOMAIN', 'AUTH_HEADER_TOO_LARGE'] },
  '60,000-character IDN From domain': { symbols: ['PHISH_INVALID_SENDER_DOMAIN'] },
  'DKIM h= of 8,000 names': { symbols: ['AUTH_SIGNED_FIELDS_TOO_MANY'] },
  'huge link hosts': { symbols: ['PHISH_INVALID_LINK_HOST'] },
  '100 ZIPs, 7 MB': { reason: /^ATTACH_INSPECTION_INCOMPLETE: /, symbols: ['ATTACH_INSPECTION_INCOMPLETE'] },
  '1 MiB of headers': { reason: /^MIME_UNPARSEABLE: Maximum header size/, symbols: ['MIME_UNPARSEABLE', 'AUTH_HEADER_TOO_LARGE'] },
  '60 nesting levels': { reason: /^MIME_UNPARSEABLE: Maximum MIME nesting depth/, symbols: ['MIME_UNPARSEABLE'] },
};

for (const kind of backends()) {
  describe(`hostile mail on ${kind}`, () => {
    let sink: Sink;
    let dns: DnsServer;
    let inst: TestInstance;
    const cases: Array<HostileCase & { inbound: Buffer; submission: Buffer }> = [];

    before(async () => {
      dns = await startDnsServer([]);
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, dnsServers: [dns.address] }, { inboundRoute: sink.url });
      const applied = await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok, JSON.stringify(applied.errors));
      // Built before any measuring: composing 7 MB here must not count against the gateway.
      for (const c of hostileCases()) {
        cases.push({
          ...c,
          inbound: dataPayload(c.build('x@evil.test', 'taro@acme.example')),
          submission: dataPayload(c.build(USER, 'friend@gmail.com')),
        });
      }
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    it('the MX port keeps answering /healthz and quarantines or flags each hostile message', async () => {
      const health = watchHealth(inst.sekisho.ports.http);
      try {
        for (const c of cases) {
          const reply = await sendMessage(inst.sekisho.ports.inbound, c.inbound, {
            mailFrom: 'x@evil.test',
            to: ['taro@acme.example'],
            replyTimeoutMs: 120_000,
          });
          assert.equal(reply.code, 250, `${c.name}: ${reply.text}`);
          assertAnsweredDuring(health, c, c.inbound, reply.dataSentAt, INLINE_PARSE_BYTES);
          const m = await inst.sekisho.store.message(queuedId(reply.text), ALL_TENANTS);
          const state = inboundStateOf(m!)!;
          const expect = INBOUND_EXPECT[c.name]!;
          const names = state.symbols.map((s) => s.name);
          for (const s of expect.symbols) assert.ok(names.includes(s), `${c.name}: ${s} in ${names.join()}`);
          if (expect.reason) {
            assert.equal(m!.state, 'quarantined', c.name);
            assert.match(state.reason, expect.reason, c.name);
          } else {
            assert.ok(state.score >= 4, `${c.name}: flagged at least (score ${state.score})`);
          }
          assert.equal(state.adminOnly === true, c.unparseable, `${c.name}: admin-only release exactly for unparseable mail`);
        }
      } finally {
        await health.stop();
      }
      assert.deepEqual(health.failures, [], '/healthz never stopped answering');
      const delivered = sink.messages.map((m) => m.raw.toString('latin1'));
      assert.ok(!delivered.some((raw) => raw.includes('EICAR') || raw.includes('invoice.exe')), 'no EICAR, no .exe delivered');
    });

    it('submission refuses unparseable mail with 554 5.6.0 before any rule could be skipped', async () => {
      const health = watchHealth(inst.sekisho.ports.http);
      const sunk = sink.messages.length;
      try {
        for (const c of cases) {
          const reply = await sendMessage(inst.sekisho.ports.submission, c.submission, {
            mailFrom: USER,
            to: ['friend@gmail.com'],
            auth: { user: USER, pass: PASSWORD },
            replyTimeoutMs: 120_000,
          });
          assertAnsweredDuring(health, c, c.submission, reply.dataSentAt, 4 * 1024 * 1024);
          if (c.unparseable) {
            assert.equal(reply.code, 554, `${c.name}: ${reply.text}`);
            assert.match(reply.text, /^554 5\.6\.0 Message refused: its MIME structure cannot be parsed/);
          } else if (c.name === '100 KB From domain' || c.name === '60,000-character IDN From domain') {
            assert.equal(reply.code, 550, `${c.name}: ${reply.text}`);
          } else if (c.name === '100 ZIPs, 7 MB') {
            // parsed in the worker pool: the attachments are seen, so the block rule applies
            assert.equal(reply.code, 550, `${c.name}: ${reply.text}`);
            assert.match(reply.text, /attachments to free mail are not allowed/);
          } else {
            assert.equal(reply.code, 250, `${c.name}: ${reply.text}`);
          }
        }
      } finally {
        await health.stop();
      }
      assert.deepEqual(health.failures, [], '/healthz never stopped answering');
      await new Promise((r) => setTimeout(r, 500));
      const relayed = sink.messages.slice(sunk).map((m) => m.raw.toString('latin1'));
      assert.ok(!relayed.some((raw) => raw.includes('EICAR') || raw.includes('%PDF')), 'no attachment left in clear');
    });

    it('a recipient cannot release MIME_UNPARSEABLE quarantine; an admin can', async () => {
      const c = cases.find((x) => x.name === '60 nesting levels')!;
      const reply = await sendMessage(inst.sekisho.ports.inbound, c.inbound, { mailFrom: 'x@evil.test', to: ['taro@acme.example'] });
      const id = queuedId(reply.text);
      const token = await createReleaseLink(inst.sekisho.store, { tenantId: inst.tenantId, id }, 'taro@acme.example', Date.now() + 60_000);
      await assert.rejects(
        releaseByLink(inst.sekisho.store, token, async () => true),
        (e) => e instanceof ServiceError && e.code === 'admin_only' && /administrator/.test(e.message),
      );
      await releaseQuarantined(inst.sekisho.store, inst.tenantId, id, 'admin@acme.example');
      assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'queued');
    });
  });
}
