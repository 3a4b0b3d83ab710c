// Inbound (MX) over loopback, on SQLite and PostgreSQL: mail for a tenant domain reaches the
// tenant's route unchanged; mail for any other domain is refused (no open relay); a message for
// two tenants becomes two messages; the size limit answers 552.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, withoutFirstReceived, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

function mx(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, tls: { rejectUnauthorized: false } });
}

for (const kind of backends()) {
  describe(`inbound on ${kind}`, () => {
    let route: Sink;
    let inst: TestInstance;
    let port: number;

    before(async () => {
      route = await startSink();
      inst = await startInstance(kind, { maxMessageSize: 64 * 1024 }, { inboundRoute: route.url });
      port = inst.sekisho.ports.inbound;
    });
    after(async () => {
      await inst.stop();
      await route.close();
    });

    it('delivers mail for a tenant domain to its route unchanged', async () => {
      const raw = Buffer.from(
        'From: sender@example.org\r\nTo: taro@acme.example\r\nSubject: inbound\r\nMessage-ID: <in-1@example.org>\r\n\r\nhello\r\n',
      );
      await mx(port).sendMail({ envelope: { from: 'sender@example.org', to: ['taro@acme.example'] }, raw });
      const [got] = await route.waitFor(1);
      assert.deepEqual(withoutFirstReceived(got!.raw), raw);
      assert.match(got!.raw.toString(), /^Received: from [^\r]*\r\n\tby sekisho\.localhost \(Sekisho\) with ESMTPS? id /);
      assert.equal(got!.mailFrom, 'sender@example.org');
    });

    it('refuses recipients outside tenant domains with 550 5.7.1', async () => {
      const { talk } = await SmtpTalk.connect(port);
      await talk.cmd('EHLO relay-test.example');
      assert.equal((await talk.cmd('MAIL FROM:<spammer@example.org>')).code, 250);
      const rcpt = await talk.cmd('RCPT TO:<victim@elsewhere.example>');
      assert.equal(rcpt.code, 550);
      assert.match(rcpt.text, /5\.7\.1/);
      // The classic percent hack and source routes are not ours either.
      assert.equal((await talk.cmd('RCPT TO:<victim%elsewhere.example@acme.example.evil>')).code, 550);
      assert.doesNotMatch((await talk.cmd('EHLO again.example')).text, /AUTH/);
      talk.close();
    });

    it('splits a message addressed to two tenants into one message per tenant', async () => {
      const before = route.messages.length;
      const raw = Buffer.from('From: a@example.org\r\nSubject: two tenants\r\n\r\nx\r\n');
      await mx(port).sendMail({ envelope: { from: 'a@example.org', to: ['taro@acme.example', 'eve@globex.example'] }, raw });
      const got = (await route.waitFor(before + 2)).slice(before);
      assert.deepEqual(got.map((m) => m.recipients.join()).sort(), ['eve@globex.example', 'taro@acme.example']);
      const acme = await inst.sekisho.store.listMessages({ scope: tenantScope(inst.tenantId), direction: 'inbound' });
      assert.ok(
        acme.every((m) => !m.recipients.includes('globex')),
        'each tenant sees only its own recipients',
      );
    });

    it('answers 552 5.3.4 above the size limit and stores nothing', async () => {
      const count = (await inst.sekisho.store.listMessages({ scope: ALL_TENANTS })).length;
      const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(100 * 1024, 'a'), Buffer.from('\r\n')]);
      await assert.rejects(
        mx(port).sendMail({ envelope: { from: 'a@example.org', to: ['taro@acme.example'] }, raw: big }),
        (e: { responseCode?: number }) => e.responseCode === 552,
      );
      assert.equal((await inst.sekisho.store.listMessages({ scope: ALL_TENANTS })).length, count);
    });
  });
}
