// The whole delivery path of a running Sekisho on SQLite and PostgreSQL, over loopback: retries
// after a 4xx, DSNs (content checked at the sink) for a 5xx and for expiry, one delay notice,
// DKIM signatures that mailauth verifies through a real DNS server, MX delivery through that
// DNS server, and queue control (retry now, delete, CLI).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startSink, type Sink, type SunkMessage } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { runCli } from '../helpers/process.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { tenantDkimRecords } from '../../src/delivery/dkim-keys.ts';
import { deleteMessage, listQueue, retryNow } from '../../src/delivery/queue-control.ts';
import type { Store } from '../../src/store/store.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

async function send(port: number, to: string[], messageId: string, subject = 'お見積り / quotation'): Promise<string> {
  const transport = submissionClient(port);
  const info = await transport.sendMail({ from: USER, to, subject, text: 'こんにちは\nhello\n', messageId: `<${messageId}>` });
  transport.close();
  return /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
}

async function waitState(store: Store, id: string, states: string[], timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await store.message(id, ALL_TENANTS);
    if (m && states.includes(m.state)) return m.state;
    if (Date.now() > deadline) throw new Error(`message ${id} is ${m?.state}, expected ${states.join('/')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const withId = (sink: Sink, messageId: string) =>
  sink.messages.filter((m) => m.raw.toString('latin1').includes(`Message-ID: <${messageId}>`));
const dsnsAbout = (sink: Sink, messageId: string) =>
  sink.messages.filter((m) => m.mailFrom === '' && m.raw.toString('latin1').includes(`In-Reply-To: <${messageId}>`));
const decodedHuman = (m: SunkMessage) => {
  const text = m.raw.toString('latin1');
  const b64 = /charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\nContent-Description: Notification\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(
    text,
  )![1]!;
  return Buffer.from(b64.replace(/\r\n/g, ''), 'base64').toString('utf8');
};

for (const kind of backends()) {
  describe(`delivery through a smart host on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let dns: DnsServer;
    const refusedOnce = new Set<string>();

    before(async () => {
      sink = await startSink();
      dns = await startDnsServer([]);
      sink.rcptHook = (rcpt) => {
        if (rcpt.startsWith('greylist') && !refusedOnce.has(rcpt)) {
          refusedOnce.add(rcpt);
          return { code: 451, text: '4.7.1 greylisted, try again later' };
        }
        if (rcpt.startsWith('slow')) return { code: 452, text: '4.2.2 mailbox full' };
        if (rcpt.startsWith('nobody')) return { code: 550, text: '5.1.1 no such user' };
        return null;
      };
      inst = await startInstance(kind, {
        relay: sink.url,
        retrySchedule: '200ms',
        maxQueueLifetime: '2s',
        delayWarningAfter: '500ms',
        pollIntervalMs: 50,
      });
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    it('a 4xx from the smart host is retried and the message delivered exactly once', async () => {
      const id = await send(inst.sekisho.ports.submission, ['greylist@example.net'], `grey-${kind}@acme.example`);
      assert.equal(await waitState(inst.sekisho.store, id, ['delivered', 'bounced']), 'delivered');
      assert.equal(withId(sink, `grey-${kind}@acme.example`).length, 1);
      const events = (await inst.sekisho.store.events(id)).map((e) => e.type);
      assert.deepEqual(events, ['accepted', 'deferred', 'delivered']);
      const m = (await inst.sekisho.store.message(id, ALL_TENANTS))!;
      assert.equal(m.attempts, 2);
      assert.ok(m.first_attempt_at! >= m.created_at);
    });

    it('a 5xx bounces: the sender gets a Japanese/English RFC 3464 DSN with a null sender', async () => {
      const mid = `bounce-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['nobody@example.net'], mid);
      assert.equal(await waitState(inst.sekisho.store, id, ['bounced', 'delivered']), 'bounced');
      const [dsn] = await waitUntil('the DSN', () => (dsnsAbout(sink, mid).length ? dsnsAbout(sink, mid) : undefined));
      assert.deepEqual(dsn!.recipients, [USER]);
      const text = dsn!.raw.toString('latin1');
      assert.match(text, /Content-Type: multipart\/report; report-type=delivery-status;/);
      assert.match(text, /Final-Recipient: rfc822; ?nobody@example\.net/);
      assert.match(text, /Action: failed/);
      assert.match(text, /Status: 5\.1\.1/);
      assert.match(text, /Diagnostic-Code: smtp; 550 5\.1\.1 no such user/);
      assert.match(text, new RegExp(`X-Sekisho-Queue-ID: ${id}`));
      assert.match(text, /Content-Type: text\/rfc822-headers/);
      const human = decodedHuman(dsn!);
      assert.match(human, /nobody@example\.net/);
      assert.match(human, /お見積り/); // the subject, in the Japanese part
      assert.match(human, /ました|ません/); // polite Japanese first…
      assert.match(human, /could not|not be delivered|undeliver/i); // …then English
      const events = (await inst.sekisho.store.events(id)).map((e) => e.type);
      assert.ok(events.includes('bounced') && events.includes('notice.sent'), events.join(','));
      // The DSN itself is delivered with MAIL FROM:<> and is never bounced in turn.
      assert.equal(dsnsAbout(sink, mid).length, 1);
    });

    it('a recipient that keeps failing temporarily gets one delay notice, then a DSN at expiry', async () => {
      const mid = `slow-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['slow@example.net'], mid);
      assert.equal(await waitState(inst.sekisho.store, id, ['bounced']), 'bounced');
      const notices = await waitUntil('delay notice and DSN', () => (dsnsAbout(sink, mid).length >= 2 ? dsnsAbout(sink, mid) : undefined));
      await new Promise((r) => setTimeout(r, 300)); // nothing more may come
      const all = dsnsAbout(sink, mid).map((m) => m.raw.toString('latin1'));
      assert.equal(all.length, 2, 'exactly one delay notice and one failure notice');
      assert.equal(all.filter((t) => /Action: delayed/.test(t)).length, 1);
      assert.equal(all.filter((t) => /Action: failed/.test(t)).length, 1);
      const delayed = all.find((t) => /Action: delayed/.test(t))!;
      assert.match(delayed, /Will-Retry-Until: /);
      assert.match(delayed, /Status: 4\.2\.2/);
      const failed = notices.find((m) => /Action: failed/.test(m.raw.toString('latin1')))!;
      assert.match(decodedHuman(failed), /Gave up after retrying/);
      const events = await inst.sekisho.store.events(id);
      assert.deepEqual(
        events.filter((e) => e.type === 'notice.sent').map((e) => (JSON.parse(e.data) as { kind: string }).kind),
        ['delay', 'dsn'],
      );
      assert.equal(JSON.parse(events.find((e) => e.type === 'bounced')!.data).expired, true);
    });

    it('signs outbound mail with the tenant key once `dkim show` created it; mailauth verifies via DNS', async () => {
      const records = await tenantDkimRecords(inst.sekisho.store, inst.tenantId, 'test');
      assert.deepEqual(
        records.map((r) => r.domain),
        ['acme.co.jp', 'acme.example'],
      );
      dns.set(records.map((r) => ({ name: r.name, type: 'TXT' as const, value: r.value })));
      const mid = `dkim-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['partner@example.net'], mid);
      await waitState(inst.sekisho.store, id, ['delivered']);
      const [got] = withId(sink, mid);
      assert.match(got!.raw.toString('latin1'), /^DKIM-Signature: /);
      const result = await dkimVerify(got!.raw, {
        resolver: mailauthResolver(createResolver([dns.address], { timeoutMs: 500, tries: 1 })),
      });
      assert.equal(result.results[0]!.status.result, 'pass', JSON.stringify(result.results[0]!.status));
      assert.equal(result.results[0]!.signingDomain, 'acme.example');
      assert.ok(dns.queries.some((q) => q.name === records.find((r) => r.domain === 'acme.example')!.name));
    });
  });

  describe(`direct MX delivery and queue control on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let dns: DnsServer;

    before(async () => {
      sink = await startSink();
      dns = await startDnsServer([
        { name: 'example.org', type: 'MX', value: 'mx1.example.org', preference: 10 },
        { name: 'mx1.example.org', type: 'A', value: '127.0.0.1' },
        { name: 'acme.example', type: 'MX', value: 'mx1.example.org', preference: 10 },
        { name: 'down.example', type: 'MX', value: 'mx.down.example', preference: 10 },
      ]);
      dns.setFault('mx.down.example', 'servfail');
      inst = await startInstance(kind, { dnsServers: [dns.address], mxPort: sink.port, pollIntervalMs: 50 });
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    it('looks up the MX through SEKISHO_DNS_SERVERS and delivers to it', async () => {
      const mid = `mx-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['hanako@example.org'], mid);
      assert.equal(await waitState(inst.sekisho.store, id, ['delivered', 'bounced', 'deferred']), 'delivered');
      assert.equal(withId(sink, mid).length, 1);
      assert.deepEqual(withId(sink, mid)[0]!.recipients, ['hanako@example.org']);
      assert.ok(dns.queries.some((q) => q.name === 'example.org' && q.type === 'MX'));
    });

    it('a domain that does not exist bounces at once with a DSN delivered by MX', async () => {
      const mid = `nx-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['someone@no-such-domain.example'], mid);
      assert.equal(await waitState(inst.sekisho.store, id, ['bounced', 'deferred', 'delivered']), 'bounced');
      const [dsn] = await waitUntil('the DSN', () => (dsnsAbout(sink, mid).length ? dsnsAbout(sink, mid) : undefined));
      assert.match(dsn!.raw.toString('latin1'), /Status: 5\.1\.2/);
    });

    it('operators retry a deferred message now and delete it; both are audited', async () => {
      const mid = `q-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, ['someone@down.example'], mid);
      assert.equal(await waitState(inst.sekisho.store, id, ['deferred', 'bounced', 'delivered']), 'deferred');
      const store = inst.sekisho.store;
      assert.deepEqual(
        (await listQueue(store, ALL_TENANTS, { state: 'deferred', recipient: 'SOMEONE@down.example' })).map((m) => m.id),
        [id],
      );
      assert.deepEqual(await listQueue(store, ALL_TENANTS, { state: 'deferred', direction: 'inbound' }), []);
      const before = (await store.message(id, ALL_TENANTS))!.due_at!;
      assert.ok(before > Date.now() + 30_000, 'the default schedule waits a minute');
      const retried = await retryNow(store, tenantScope(inst.tenantId), { allDeferred: true }, 'cli');
      assert.deepEqual(retried.changed, [id]);
      // it is tried again right away (and deferred again: the DNS still fails)
      const deadline = Date.now() + 10_000;
      while ((await store.message(id, ALL_TENANTS))!.attempts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal((await store.message(id, ALL_TENANTS))!.attempts, 2);
      await waitState(store, id, ['deferred']);
      const deleted = await deleteMessage(store, ALL_TENANTS, { id, reason: 'destination retired' }, 'cli');
      assert.deepEqual(deleted.changed, [id]);
      assert.equal((await store.message(id, ALL_TENANTS))!.state, 'deleted');
      assert.ok(await store.body(id), 'the body is kept for the audit trail');
      const events = await store.events(id);
      assert.deepEqual(
        events.filter((e) => e.actor === 'cli').map((e) => e.type),
        ['retry.requested', 'deleted'],
      );
      assert.equal(JSON.parse(events.at(-1)!.data).reason, 'destination retired');
      // deleting again is refused
      assert.equal((await deleteMessage(store, ALL_TENANTS, { id }, 'cli')).changed.length, 0);
    });

    it('CLI: dkim show prints the records; message retry/delete refuse bad input in one line', async () => {
      const env = { SEKISHO_DATA_DIR: inst.db.dataDir, SEKISHO_DATABASE_URL: inst.db.url, SEKISHO_DEMO_TENANT: 'false' };
      const shown = await runCli(['dkim', 'show', '--tenant', 'globex'], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        new RegExp(
          String.raw`^# globex\.example \(selector sekisho\d{6}\)\n` +
            String.raw`sekisho\d{6}\._domainkey\.globex\.example {2}TXT {2}"v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+"`,
        ),
      );
      const again = await runCli(['dkim', 'show', '--tenant', 'globex'], env);
      assert.equal(again.stdout, shown.stdout, 'the key is made once');
      const noArg = await runCli(['message', 'retry'], env);
      assert.equal(noArg.code, 1);
      assert.equal(noArg.stderr.trim().split('\n').length, 1);
      const missing = await runCli(['message', 'delete', '01ARZ3NDEKTSV4RRFFQ69G5FAV'], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no such message/);
      const list = await runCli(
        ['message', 'list', '--direction', 'outbound', '--since', '1h', '--recipient', 'hanako@example.org', '--json'],
        env,
      );
      assert.equal(list.code, 0, list.stderr);
      assert.equal((JSON.parse(list.stdout) as unknown[]).length, 1);
    });
  });
}
