// Internal and external recipients treated apart (issue 22 item 2), end to end on SQLite and
// PostgreSQL: mail submitted over SMTP under a real policy reaches the smart host (a sink on
// loopback) as one copy per recipient class — internal recipients (the tenant's own domains and
// outbound.defaults.internalDomains) with the original attachment, external ones with the ZIP or
// the download link — each recipient exactly once, each copy DKIM-signed over its own final bytes
// (mailauth verifies through a DNS server on loopback). Also: applyTo: all keeps the old
// behaviour, forced BCC with applyTo: external, and mail only to internal recipients is untouched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { startSink, type Sink, type SunkMessage } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { waitUntil } from '../helpers/wait.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { tenantDkimRecords } from '../../src/delivery/dkim-keys.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { decode } from './attachments-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const CSV = Buffer.from('氏名,部署\n山田 太郎,営業部\n佐藤 花子,総務部\n', 'utf8');
const INTERNAL = ['hanako@acme.example', 'ken@tokyo.group.example'];
const EXTERNAL = ['client@customer.example', 'buyer@other.example'];

function policy(then: string): string {
  return `version: 1
outbound:
  defaults: { internalDomains: [group.example] }
  rules:
    - name: protect attachments
      when: { attachments: true }
      then: [ ${then} ]
`;
}

async function send(port: number, to: string[], cc: string[], messageId: string): Promise<string> {
  const transport = submissionClient(port);
  const info = await transport.sendMail({
    from: USER,
    to,
    cc,
    subject: '名簿の送付',
    text: '名簿をお送りします。\n',
    messageId: `<${messageId}>`,
    attachments: [{ filename: '名簿.csv', content: CSV, contentType: 'text/csv' }],
  });
  transport.close();
  return /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
}

for (const kind of backends()) {
  describe(`internal and external recipients on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let dns: DnsServer;
    let resolver: ReturnType<typeof mailauthResolver>;

    /** The copies of one submitted mail (not the password mail or notices). */
    const copiesOf = (messageId: string) => sink.messages.filter((m) => m.raw.toString('latin1').includes(`Message-ID: <${messageId}>`));
    /** Every copy of the mail once it is delivered: each attempt sends all its copies before its result commits. */
    const deliveredCopies = async (id: string, messageId: string) => {
      await waitUntil(`${id} delivered`, async () => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state === 'delivered');
      return copiesOf(messageId);
    };
    const byRecipient = (copies: SunkMessage[]) => {
      const out = new Map<string, SunkMessage>();
      for (const c of copies)
        for (const r of c.recipients) {
          assert.ok(!out.has(r), `${r} got more than one copy`);
          out.set(r, c);
        }
      return out;
    };
    const assertSigned = async (copy: SunkMessage) => {
      const result = await dkimVerify(copy.raw, { resolver });
      assert.equal(result.results[0]!.status.result, 'pass', JSON.stringify(result.results[0]!.status));
      assert.equal(result.results[0]!.signingDomain, 'acme.example');
    };
    const assertOriginal = async (copy: SunkMessage) => {
      const parsed = await decode(copy.raw);
      assert.equal(parsed.attachments.length, 1);
      assert.equal(parsed.attachments[0]!.filename, '名簿.csv');
      assert.deepEqual(Buffer.from(parsed.attachments[0]!.content as ArrayBuffer), CSV);
    };

    before(async () => {
      sink = await startSink();
      dns = await startDnsServer([]);
      inst = await startInstance(kind, {
        relay: sink.url,
        publicUrl: 'https://files.example/sekisho',
        pollIntervalMs: 50,
        retrySchedule: '300ms',
      });
      const records = await tenantDkimRecords(inst.sekisho.store, inst.tenantId, 'test');
      dns.set(records.map((r) => ({ name: r.name, type: 'TXT' as const, value: r.value })));
      resolver = mailauthResolver(createResolver([dns.address], { timeoutMs: 500, tries: 1 }));
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    const apply = async (yaml: string) => {
      const r = await applyPolicy(inst.sekisho.store, inst.tenantId, yaml, 'test');
      assert.ok(r.ok, JSON.stringify(r.errors));
    };

    it('zipEncrypt: internal recipients keep the original, external ones get the ZIP; the password goes to them only', async () => {
      await apply(policy('{ zipEncrypt: { passwordTo: recipients } }'));
      const mid = `zip-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, [INTERNAL[0]!, EXTERNAL[0]!], [INTERNAL[1]!, EXTERNAL[1]!], mid);
      const copies = byRecipient(await deliveredCopies(id, mid));
      assert.deepEqual([...copies.keys()].sort(), [...INTERNAL, ...EXTERNAL].sort(), 'each recipient exactly once');
      for (const r of INTERNAL) await assertOriginal(copies.get(r)!);
      for (const r of EXTERNAL) {
        const parsed = await decode(copies.get(r)!.raw);
        assert.equal(parsed.attachments.length, 1);
        assert.equal(parsed.attachments[0]!.mimeType, 'application/zip');
      }
      for (const c of new Set(copies.values())) await assertSigned(c);
      assert.equal(new Set(copies.values()).size, 2, 'one copy per class');

      const pwMail = await waitUntil('the password mail', () =>
        sink.messages.find((m) => m.mailFrom === '' && m.recipients.includes(EXTERNAL[0]!)),
      );
      assert.deepEqual([...pwMail.recipients].sort(), [...EXTERNAL].sort(), 'no password mail to internal recipients');
      const m = (await inst.sekisho.store.message(id, ALL_TENANTS))!;
      assert.equal(m.state, 'delivered');
      const recipients = await inst.sekisho.store.recipients(id);
      assert.ok(recipients.every((r) => r.state === 'delivered'));
    });

    it('webDownload: one internal and two external recipients, three copies, links for the external ones only', async () => {
      await apply(policy('{ webDownload: { language: ja } }'));
      const mid = `dl-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, [INTERNAL[0]!, ...EXTERNAL], [], mid);
      const got = await deliveredCopies(id, mid);
      assert.equal(got.length, 3, 'the sink received three copies');
      const copies = byRecipient(got);
      await assertOriginal(copies.get(INTERNAL[0]!)!);
      assert.doesNotMatch((await decode(copies.get(INTERNAL[0]!)!.raw)).text!, /ダウンロードURL/);
      for (const r of EXTERNAL) {
        const parsed = await decode(copies.get(r)!.raw);
        assert.equal(parsed.attachments.length, 0);
        assert.match(parsed.text!, /ダウンロードURL: https:\/\/files\.example\/sekisho\/d\//);
      }
      for (const c of got) await assertSigned(c);
    });

    it('applyTo: all keeps the old behaviour: internal recipients get the ZIP too', async () => {
      await apply(policy('{ zipEncrypt: { applyTo: all } }'));
      const mid = `all-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, [INTERNAL[0]!, EXTERNAL[0]!], [], mid);
      const got = await deliveredCopies(id, mid);
      assert.equal(got.length, 1);
      assert.equal((await decode(got[0]!.raw)).attachments[0]!.mimeType, 'application/zip');
      await assertSigned(got[0]!);
    });

    it('mail only to internal recipients is delivered untouched; the audit says why the ZIP was skipped', async () => {
      await apply(policy('{ zipEncrypt: }'));
      const mid = `inside-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, INTERNAL, [], mid);
      const got = await deliveredCopies(id, mid);
      assert.equal(got.length, 1);
      await assertOriginal(got[0]!);
      await assertSigned(got[0]!);
      const matched = (await inst.sekisho.store.events(id)).find((e) => e.type === 'policy.matched')!;
      // the reason is a code, worded from the catalogue where a person reads it
      assert.deepEqual(JSON.parse(matched.data).skipped, [{ rule: 'protect attachments', type: 'zipEncrypt', why: 'all-internal' }]);
    });

    it('forced BCC with applyTo: external: internal recipients still see To/Cc, external ones do not', async () => {
      await apply(`version: 1
outbound:
  defaults: { internalDomains: [group.example] }
  rules:
    - name: hide the list from outside
      when: { recipients: { external: true } }
      then: [ { bcc: { applyTo: external } } ]
`);
      const mid = `bcc-${kind}@acme.example`;
      const id = await send(inst.sekisho.ports.submission, [INTERNAL[0]!, EXTERNAL[0]!], [INTERNAL[1]!, EXTERNAL[1]!], mid);
      const copies = byRecipient(await deliveredCopies(id, mid));
      for (const r of INTERNAL) {
        const parsed = await decode(copies.get(r)!.raw);
        assert.deepEqual(
          parsed.to!.map((a) => a.address),
          [INTERNAL[0], EXTERNAL[0]],
        );
        assert.deepEqual(
          parsed.cc!.map((a) => a.address),
          [INTERNAL[1], EXTERNAL[1]],
        );
        await assertOriginal(copies.get(r)!);
      }
      for (const r of EXTERNAL) {
        const text = copies.get(r)!.raw.toString('latin1');
        const header = text.slice(0, text.indexOf('\r\n\r\n'));
        for (const a of [...INTERNAL, ...EXTERNAL]) assert.ok(!header.includes(a), `${a} is not in the external copy's header`);
      }
      assert.equal(new Set(copies.values()).size, 2);
      for (const c of new Set(copies.values())) await assertSigned(c);
    });

    it('a retry after a 4xx goes to the deferred external recipient only, still protected', async () => {
      await apply(policy('{ webDownload: { language: ja } }'));
      const slow = 'slow@customer.example';
      let refused = false;
      sink.rcptHook = (rcpt) => {
        if (rcpt !== slow || refused) return null;
        refused = true;
        return { code: 451, text: '4.7.1 greylisted, try again later' };
      };
      try {
        const mid = `retry-${kind}@acme.example`;
        const id = await send(inst.sekisho.ports.submission, [INTERNAL[0]!, EXTERNAL[0]!, slow], [], mid);
        const got = await deliveredCopies(id, mid);
        const copies = byRecipient(got);
        assert.deepEqual([...copies.keys()].sort(), [INTERNAL[0]!, EXTERNAL[0]!, slow].sort());
        await assertOriginal(copies.get(INTERNAL[0]!)!);
        for (const r of [EXTERNAL[0]!, slow]) {
          const parsed = await decode(copies.get(r)!.raw);
          assert.equal(parsed.attachments.length, 0);
          assert.match(parsed.text!, /ダウンロードURL: /);
          await assertSigned(copies.get(r)!);
        }
        const m = (await inst.sekisho.store.message(id, ALL_TENANTS))!;
        assert.equal(m.attempts, 2);
      } finally {
        sink.rcptHook = null;
      }
    });
  });
}
