// End to end over loopback, on SQLite and PostgreSQL: a mail client submits with STARTTLS + AUTH
// and the smart host receives the message byte-identical (a 6 MB one too); everything that would make Sekisho an
// open relay or let a user spoof another organisation is refused with the right code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { startInstance, USER, PASSWORD, type TestInstance, submissionClient } from '../helpers/instance.ts';
import { startSink, withoutFirstReceived, type Sink } from '../helpers/sink.ts';
import { IpThrottle } from '../../src/throttle/ip-throttle.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { messageDetail } from '../../src/cli/message-list.ts';

const RAW = Buffer.from(
  [
    'From: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@acme.example>',
    'To: partner@example.net',
    'Subject: =?ISO-2022-JP?B?GyRCOEg4NTxLJE4kNDBGRmIbKEI=?=',
    'Message-ID: <e2e-1@acme.example>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=ISO-2022-JP',
    'Content-Transfer-Encoding: 7bit',
    '',
    '\x1b$B$3$s$K$A$O\x1b(B',
    '.leading dot line',
    '..two dots',
    '',
  ].join('\r\n'),
  'latin1',
);

for (const kind of backends()) {
  describe(`submission on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let port: number;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, authFailLimit: 3 });
      port = inst.sekisho.ports.submission;
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('relays an authenticated message byte-identical and records it', async () => {
      const info = await submissionClient(port).sendMail({ envelope: { from: USER, to: ['partner@example.net'] }, raw: RAW });
      assert.match(info.response, /^250 .*queued as ([0-9A-Z]{26})/);
      const id = /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
      const [got] = await sink.waitFor(1);
      assert.deepEqual(withoutFirstReceived(got!.raw), RAW);
      assert.match(
        got!.raw.toString('latin1'),
        /^Received: from [^\r]* \(unknown \[127\.0\.0\.1\]\)\r\n\tby sekisho\.localhost \(Sekisho\) with ESMTPSA id /,
      );
      assert.deepEqual(got!.recipients, ['partner@example.net']);
      assert.equal(got!.mailFrom, USER);
      // The audit record has decoded facts and the state history.
      let detail = await messageDetail(inst.sekisho.store, id);
      for (let i = 0; i < 50 && detail.state !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        detail = await messageDetail(inst.sekisho.store, id);
      }
      assert.equal(detail.state, 'delivered');
      assert.equal(detail.subject, '姑元舎のご案内'); // the ISO-2022-JP encoded-word above, decoded
      assert.equal(detail.messageId, 'e2e-1@acme.example');
      assert.equal(detail.fromName, '山田太郎');
      assert.deepEqual(detail.to, ['partner@example.net']);
      assert.deepEqual(detail.attachments, []);
      assert.deepEqual(
        detail.events.map((e) => e.type),
        ['accepted', 'delivered'],
      );
      assert.equal(detail.events[0]!.actor, USER);
    });

    it('relays a 6 MB message byte-identical; its body is stored in parts and reads back whole', async () => {
      const lines = Array.from({ length: 130_000 }, (_, i) =>
        i % 50 === 0 ? '.a line that begins with a dot' : `line ${i} ${'x'.repeat(i % 70)}`,
      );
      const large = Buffer.from(
        [
          'From: taro@acme.example',
          'To: partner@example.net',
          'Subject: large',
          'Message-ID: <e2e-large@acme.example>',
          '',
          ...lines,
          '',
        ].join('\r\n'),
        'latin1',
      );
      assert.ok(large.length > 5 * 1024 * 1024);
      sink.messages.length = 0;
      const info = await submissionClient(port).sendMail({ envelope: { from: USER, to: ['partner@example.net'] }, raw: large });
      const id = /queued as ([0-9A-Z]{26})/.exec(info.response)![1]!;
      const [got] = await sink.waitFor(1);
      assert.ok(withoutFirstReceived(got!.raw).equals(large), 'the smart host got the bytes sent');
      const stored = await inst.sekisho.store.body(id);
      assert.ok(stored && withoutFirstReceived(stored).equals(large), 'the stored body reads back whole');
      const parts = await inst.sekisho.store.db
        .selectFrom('body_parts')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('message_id', '=', id)
        .executeTakeFirst();
      assert.equal(Number(parts?.n), Math.ceil(stored.length / (1024 * 1024)) - 1);
    });

    it('offers AUTH only after STARTTLS', async () => {
      const { talk, greeting } = await SmtpTalk.connect(port);
      assert.equal(greeting.code, 220);
      const ehlo = await talk.cmd('EHLO client.example');
      assert.equal(ehlo.code, 250);
      assert.doesNotMatch(ehlo.text, /AUTH/);
      assert.match(ehlo.text, /STARTTLS/);
      assert.match(ehlo.text, /8BITMIME/);
      assert.match(ehlo.text, /SMTPUTF8/);
      assert.match(ehlo.text, /PIPELINING/);
      const auth = await talk.cmd('AUTH PLAIN ' + Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'));
      assert.equal(auth.code, 538);
      await talk.starttls();
      const ehlo2 = await talk.cmd('EHLO client.example');
      assert.match(ehlo2.text, /AUTH PLAIN LOGIN/);
      talk.close();
    });

    it('refuses mail without AUTH: no open relay', async () => {
      const { talk } = await SmtpTalk.connect(port);
      await talk.cmd('EHLO client.example');
      await talk.starttls();
      await talk.cmd('EHLO client.example');
      const mail = await talk.cmd(`MAIL FROM:<${USER}>`);
      assert.equal(mail.code, 530);
      assert.match(mail.text, /5\.7\.0/);
      talk.close();
    });

    it('refuses a sender domain of another tenant with 5.7.1', async () => {
      await assert.rejects(
        submissionClient(port).sendMail({ envelope: { from: 'eve@globex.example', to: ['x@example.net'] }, raw: RAW }),
        (err: { responseCode?: number; response?: string }) => err.responseCode === 553 && /5\.7\.1/.test(err.response ?? ''),
      );
      await assert.rejects(
        submissionClient(port).sendMail({ envelope: { from: 'taro@unknown.example', to: ['x@example.net'] }, raw: RAW }),
        (err: { responseCode?: number }) => err.responseCode === 553,
      );
    });

    it('refuses a header From of another organisation with 5.7.1', async () => {
      const spoof = Buffer.from('From: ceo@globex.example\r\nTo: x@example.net\r\nSubject: hi\r\n\r\nbody\r\n');
      await assert.rejects(
        submissionClient(port).sendMail({ envelope: { from: USER, to: ['x@example.net'] }, raw: spoof }),
        (err: { responseCode?: number; response?: string }) => err.responseCode === 550 && /5\.7\.1/.test(err.response ?? ''),
      );
    });

    it('refuses a From header outside the tenant (550), in the same domain as MAIL FROM or not', async () => {
      for (const from of ['ceo@evil.example', 'someone@acme.example.evil.example']) {
        const raw = Buffer.from(`From: <${from}>\r\nTo: partner@example.net\r\nSubject: spoof\r\n\r\nhi\r\n`);
        await assert.rejects(
          submissionClient(port).sendMail({ envelope: { from: USER, to: ['partner@example.net'] }, raw }),
          (err: { responseCode?: number; response?: string }) =>
            err.responseCode === 550 && /is not an address of your organisation/.test(err.response ?? ''),
        );
      }
      // an address in the tenant's second domain (acme.co.jp) that is not taro's own needs a delegation (send-as.test.ts)
      const raw = Buffer.from('From: <hanako@acme.co.jp>\r\nTo: partner@example.net\r\nSubject: other domain\r\n\r\nhi\r\n');
      await assert.rejects(
        submissionClient(port).sendMail({ envelope: { from: USER, to: ['partner@example.net'] }, raw }),
        (err: { responseCode?: number; response?: string }) =>
          err.responseCode === 550 && /is not taro@acme\.example's address/.test(err.response ?? ''),
      );
    });

    it('refuses wrong passwords with 535, then throttles the client with 454 for accounts it never logged in to', async () => {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(
          submissionClient(port, 'nobody@acme.example', 'wrong password').verify(),
          (err: { responseCode?: number }) => err.responseCode === 535,
        );
      }
      await assert.rejects(
        submissionClient(port, 'nobody@acme.example', PASSWORD).verify(),
        (err: { responseCode?: number }) => err.responseCode === 454,
      );
      // taro logged in from here before: strangers' failures never lock him out (login-throttle.ts)
      await submissionClient(port).verify();
      const log = inst.logs.join('');
      assert.doesNotMatch(log, /wrong password/, 'passwords never reach the log');
      // The failures are in the database: another process or node on it refuses the address too.
      const elsewhere = new IpThrottle(inst.sekisho.store, 'smtp-ip', 3, 600_000);
      assert.ok(elsewhere.isBlocked(await elsewhere.failures('127.0.0.1')));
      assert.ok(!elsewhere.isBlocked(await elsewhere.failures('192.0.2.1')));
    });
  });
}
