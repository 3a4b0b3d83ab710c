// Limits that contain a stolen account (issue 19 item 6), on SQLite and PostgreSQL over real SMTP:
// a user over their messages or recipients per hour gets 451 4.7.1 with the reason, the tenant's
// own override (tenants.settings) takes the organisation over its limit, the tenant's admins get
// one notice an hour and the first refusal is audited once; per-client connection limits give
// 421 on both ports (open connections on submission, open and per-minute on the MX port).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { hashPassword } from '../../src/util/password.ts';
import { childEnv, runCli } from '../helpers/process.ts';

const JIRO = 'jiro@acme.example';
const ADMIN = 'admin@acme.example';

async function submit(port: number, user: string, recipients = ['partner@example.net']): Promise<{ code: number; text: string }> {
  const { talk, greeting } = await SmtpTalk.connect(port);
  try {
    assert.equal(greeting.code, 220, greeting.text);
    await talk.cmd('EHLO client.example');
    await talk.starttls();
    await talk.cmd('EHLO client.example');
    assert.equal((await talk.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64')}`)).code, 235);
    assert.equal((await talk.cmd(`MAIL FROM:<${user}>`)).code, 250);
    for (const r of recipients) assert.equal((await talk.cmd(`RCPT TO:<${r}>`)).code, 250);
    assert.equal((await talk.cmd('DATA')).code, 354);
    return await talk.cmd(`From: ${user}\r\nTo: ${recipients[0]}\r\nSubject: limits\r\n\r\nbody\r\n.`);
  } finally {
    talk.close();
  }
}

for (const kind of backends()) {
  describe(`send and connection limits on ${kind}`, () => {
    let inst: TestInstance;
    const sub = () => inst.sekisho.ports.submission;
    const db = () => inst.sekisho.store.db;

    before(async () => {
      inst = await startInstance(kind, {
        sendLimitUserMessagesPerHour: 2,
        sendLimitUserRecipientsPerHour: 5,
        sendLimitTenantMessagesPerHour: 100,
        submissionConnectionsPerClient: 3,
        submissionConnectionRatePerMinute: 0,
        inboundConnectionsPerClient: 2,
        inboundConnectionRatePerMinute: 3,
      });
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [
          { email: JIRO, passwordHash: await hashPassword(PASSWORD), role: 'user' },
          { email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' },
        ],
        'test',
      );
    });
    after(() => inst.stop());

    it('refuses a user past their messages per hour with 451 4.7.1, audits it once and tells the admins once', async () => {
      assert.equal((await submit(sub(), USER)).code, 250);
      assert.equal((await submit(sub(), USER)).code, 250);
      const third = await submit(sub(), USER);
      assert.equal(third.code, 451, third.text);
      assert.match(third.text, /4\.7\.1 Send limit reached: taro@acme\.example's limit of 2 messages per hour \(2 in the last hour\)/);
      assert.equal((await submit(sub(), USER)).code, 451);
      const audited = await db().selectFrom('events').selectAll().where('type', '=', 'send.limited').execute();
      assert.equal(audited.length, 1, 'the first refusal of the hour is audited, not every retry');
      assert.deepEqual(JSON.parse(audited[0]!.data), {
        scope: 'user',
        what: 'messages',
        limit: 2,
        sent: 2,
        email: USER,
        ip: '127.0.0.1',
      });
      const notices = await db().selectFrom('messages').select(['recipients', 'plan']).where('submitted_by', '=', 'system').execute();
      const limitNotices = notices.filter((n) => String(n.plan).includes('outbound.sendLimit'));
      assert.equal(limitNotices.length, 1);
      assert.deepEqual(JSON.parse(limitNotices[0]!.recipients), [ADMIN]);
      // the other user of the tenant is not held back by taro's limit
      assert.equal((await submit(sub(), JIRO)).code, 250);
    });

    it('counts recipients per user', async () => {
      const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `${l}@example.net`);
      const r = await submit(sub(), JIRO, six);
      assert.equal(r.code, 451, r.text);
      assert.match(r.text, /jiro@acme\.example's limit of 5 recipients per hour \(1 in the last hour\)/);
    });

    it("applies the tenant's own limit from its settings", async () => {
      const env = childEnv(inst.db, 'smtp://127.0.0.1:9', {}, '.');
      const bad = await runCli(['limits', 'set', '--tenant', 'acme', '--tenant-messages', 'many'], env);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /--tenant-messages must be a whole number/);
      const set = await runCli(['limits', 'set', '--tenant', 'acme', '--tenant-messages', '3'], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /tenant acme: per user .*, tenant 3 messages and/);
      const shown = await runCli(['limits', 'show', '--tenant', 'acme'], env);
      assert.match(shown.stdout, /tenant acme: .*\(its own: tenantMessagesPerHour\)/);
      // The gateway reads the tenant's row through its directory cache: a change made by another
      // process (the CLI) applies within the cache's 2 s.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const r = await submit(sub(), JIRO);
      assert.equal(r.code, 451, r.text);
      assert.match(r.text, /this organisation's limit of 3 messages per hour \(3 in the last hour\)/);
      const audited = await db().selectFrom('events').select('actor').where('type', '=', 'tenant.send_limits').execute();
      assert.deepEqual(audited, [{ actor: 'cli' }]);
    });

    it('/healthz says the database is up and how long the oldest due message has waited', async () => {
      const r = await fetch(`http://127.0.0.1:${inst.sekisho.ports.http}/healthz`);
      const body = (await r.json()) as { database: string; queueAgeSeconds: number };
      assert.equal(body.database, 'ok');
      assert.equal(typeof body.queueAgeSeconds, 'number');
    });

    it('limits open connections per client on the submission port', async () => {
      const open = await Promise.all([0, 1, 2].map(() => SmtpTalk.connect(sub())));
      for (const o of open) assert.equal(o.greeting.code, 220);
      const fourth = await SmtpTalk.connect(sub());
      assert.equal(fourth.greeting.code, 421);
      assert.match(fourth.greeting.text, /Too many connections from your address \(3 open, limit 3\)/);
      for (const o of open) o.talk.close();
      fourth.talk.close();
    });

    it('limits open and new connections per client on the MX port', async () => {
      const port = inst.sekisho.ports.inbound;
      const [a, b] = await Promise.all([SmtpTalk.connect(port), SmtpTalk.connect(port)]);
      assert.equal(a.greeting.code, 220);
      assert.equal(b.greeting.code, 220);
      const third = await SmtpTalk.connect(port);
      assert.equal(third.greeting.code, 421, third.greeting.text);
      third.talk.close();
      a.talk.close();
      await until(async () => {
        const c = await SmtpTalk.connect(port);
        c.talk.close();
        return c.greeting.code === 220;
      });
      // three connections were admitted within the minute: once the open ones are released, the
      // next is refused for the rate
      await until(async () => {
        const c = await SmtpTalk.connect(port);
        c.talk.close();
        assert.equal(c.greeting.code, 421);
        return /limit 3 a minute/.test(c.greeting.text);
      });
      b.talk.close();
    });
  });
}

/** The server sees a client's close a moment after the client: try until it has. */
async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('the server never saw the closed connection');
}
