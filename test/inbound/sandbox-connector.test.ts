// The external sandbox connector end to end, on SQLite and PostgreSQL, for both kinds (the generic
// `http` protocol and CAPE's REST API): a real gateway configured with `sandbox`, mail through the
// real MX port, a fake sandbox on loopback (test/inbound/fake-sandbox.ts), delivery to a real sink.
// Covered: submit (file name, content hash, token), a clean verdict delivered, a malicious one
// quarantined and audited, pending → held_for_sandbox → done, no verdict by giveUpMs →
// SANDBOX_TIMEOUT, the sandbox down → SANDBOX_UNAVAILABLE with the built-in analysis deciding,
// and the token never in a log line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { inboundStateOf } from '../../src/inbound/quarantine.ts';
import type { Message } from '../../src/store/store.ts';
import { crlf, sendRaw, waitUntil } from './shield-helpers.ts';
import { startFakeSandbox, type FakeSandbox } from './fake-sandbox.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const TOKEN = 'sbx-secret-7f3a9c1e5d2b4086';
const RCPT = 'taro@acme.example';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

function mail(filename: string): Buffer {
  return crlf(
    `From: Sato <sato@sender.test>\nTo: ${RCPT}\nSubject: report ${filename}\nDate: Mon, 1 Jun 2026 10:00:00 ` +
      `+0900\nMessage-ID: <${filename}@sender.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; ` +
      `boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nPlease find the monthly report ` +
      `attached.\n--b\nContent-Type: application/pdf; name="${filename}"\nContent-Disposition: attachment; ` +
      `filename="${filename}"\nContent-Transfer-Encoding: base64\n\n${PDF.toString('base64')}\n--b--\n`,
  );
}

function idOf(text: string): string {
  const m = /queued as (\S+)/.exec(text);
  assert.ok(m, `no id in ${text}`);
  return m[1]!;
}

const names = (m: Message) => (inboundStateOf(m)?.symbols ?? []).map((s) => s.name);

for (const kind of backends()) {
  for (const sandboxKind of ['http', 'cape'] as const) {
    describe(`external sandbox (${sandboxKind}) on ${kind}`, () => {
      let sink: Sink;
      let dns: DnsServer;
      let fake: FakeSandbox;
      let inst: TestInstance;

      before(async () => {
        dns = await startDnsServer([{ name: 'sender.test', type: 'TXT', value: 'v=spf1 ip4:127.0.0.1 -all' }]);
        sink = await startSink();
        fake = await startFakeSandbox(TOKEN);
        inst = await startInstance(
          kind,
          {
            dnsServers: [dns.address],
            pollIntervalMs: 50,
            sandbox: {
              url: fake.url,
              token: TOKEN,
              kind: sandboxKind,
              submit: 'all-with-attachments',
              waitMs: 300,
              repollMs: 100,
              giveUpMs: 4000,
            },
          },
          { inboundRoute: sink.url },
        );
      });
      after(async () => {
        await inst.stop();
        await fake.close().catch(() => {});
        await sink.close();
        await dns.close();
      });

      const send = async (filename: string) => {
        const reply = await sendRaw(inst.sekisho.ports.inbound, mail(filename), { mailFrom: 'sato@sender.test', to: [RCPT] });
        assert.equal(reply.code, 250, reply.text);
        return idOf(reply.text);
      };
      const message = async (id: string) => (await inst.sekisho.store.message(id, ALL_TENANTS))!;
      const settled = (id: string, state: string) =>
        waitUntil(async () => {
          const m = await message(id);
          return m.state === state || (state === 'delivered' && sink.messages.some((s) => s.raw.includes(`<${id}`))) ? m : null;
        }, `${id} ${state}`);
      const delivered = (filename: string) =>
        waitUntil(
          async () => sink.messages.find((s) => s.raw.includes(`Message-ID: <${filename}@sender.test>`)),
          `delivery of ${filename}`,
        );

      it('submits the attachment with its hash and the token, and delivers a clean verdict', async () => {
        const id = await send('now-report.pdf');
        await delivered('now-report.pdf');
        const sub = fake.submissions.find((s) => s.filename === 'now-report.pdf');
        assert.ok(sub, 'the sandbox received the file');
        assert.equal(sub.sha256, createHash('sha256').update(PDF).digest('hex'));
        if (sandboxKind === 'http') assert.equal(sub.claimedSha256, sub.sha256);
        assert.equal(fake.refused, 0);
        const m = await message(id);
        assert.ok(!names(m).some((n) => n.startsWith('SANDBOX_')), names(m).join(','));
      });

      it('quarantines a malicious verdict and audits it', async () => {
        const id = await send('now-bad-invoice.pdf');
        const m = await settled(id, 'quarantined');
        const sym = inboundStateOf(m)!.symbols.find((s) => s.name === 'SANDBOX_MALICIOUS');
        assert.ok(sym, names(m).join(','));
        assert.match(sym.detail ?? '', /now-bad-invoice\.pdf: .*(ransomware|encrypted)/i);
        const verdict = (await inst.sekisho.store.events(id)).find((e) => e.type === 'inbound.verdict');
        assert.ok(verdict?.data.includes('SANDBOX_MALICIOUS'));
        assert.ok((await inst.sekisho.store.events(id)).some((e) => e.type === 'quarantined'));
      });

      it('holds mail while the sandbox is pending, then decides on the verdict', async () => {
        const bad = await send('held-bad-macro.pdf');
        const good = await send('held-minutes.pdf');
        for (const id of [bad, good]) {
          const m = await message(id);
          assert.equal(m.state, 'held_for_sandbox');
          assert.equal(inboundStateOf(m)!.sandbox!.pending.length, 1);
          assert.ok((await inst.sekisho.store.events(id)).some((e) => e.type === 'held_for_sandbox'));
        }
        fake.release();
        const b = await settled(bad, 'quarantined');
        assert.ok(names(b).includes('SANDBOX_MALICIOUS'));
        const decided = (await inst.sekisho.store.events(bad)).find((e) => e.type === 'inbound.sandbox');
        assert.ok(decided, 'the verdict is audited');
        assert.equal(JSON.parse(decided.data).verdicts[0].malicious, true);
        await delivered('held-minutes.pdf');
      });

      it('quarantines with SANDBOX_TIMEOUT when no verdict comes by giveUpMs', async () => {
        const id = await send('never-contract.pdf');
        assert.equal((await message(id)).state, 'held_for_sandbox');
        const m = await settled(id, 'quarantined');
        assert.ok(names(m).includes('SANDBOX_TIMEOUT'), names(m).join(','));
        const decided = (await inst.sekisho.store.events(id)).find((e) => e.type === 'inbound.sandbox');
        assert.equal(JSON.parse(decided!.data).gaveUp, true);
      });

      it('falls back to the built-in analysis when the sandbox is down (connection refused)', async () => {
        await fake.close();
        const id = await send('down-report.pdf');
        await delivered('down-report.pdf');
        assert.ok(names(await message(id)).includes('SANDBOX_UNAVAILABLE'));
        assert.ok(inst.logs.some((l) => l.includes('external sandbox unavailable') && l.includes('ECONNREFUSED')));
      });

      it('never writes the token to the log', () => {
        assert.ok(inst.logs.length > 0);
        assert.ok(!inst.logs.some((l) => l.includes(TOKEN)));
      });
    });
  }
}
