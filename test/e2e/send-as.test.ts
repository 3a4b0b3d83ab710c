// Who may send as whom, over real SMTP on SQLite and PostgreSQL (issue 17): a user sends as their
// own address, or one delegated to them (`sekisho user set --may-send-as`, the users API); every
// mailbox of every From, Sender, Resent-From and Resent-Sender is checked; a trusted network keeps
// its domain rule; and inbound mail using a user's address as envelope sender never shows as theirs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { childEnv, runCli } from '../helpers/process.ts';
import { hashPassword } from '../../src/util/password.ts';
import { loginApi, type Api } from '../console/api-client.ts';

const HANAKO = 'hanako@acme.example';

/** One submission as `user` over STARTTLS + AUTH PLAIN; the reply to MAIL FROM, or to the data. */
async function send(port: number, mailFrom: string, header: string, user = USER): Promise<{ code: number; text: string }> {
  const { talk } = await SmtpTalk.connect(port);
  try {
    await talk.cmd('EHLO client.example');
    await talk.starttls();
    await talk.cmd('EHLO client.example');
    const auth = await talk.cmd(`AUTH PLAIN ${Buffer.from(`\0${user}\0${PASSWORD}`).toString('base64')}`);
    assert.equal(auth.code, 235, auth.text);
    const mail = await talk.cmd(`MAIL FROM:<${mailFrom}>`);
    if (mail.code !== 250) return mail;
    assert.equal((await talk.cmd('RCPT TO:<partner@example.net>')).code, 250);
    assert.equal((await talk.cmd('DATA')).code, 354);
    return await talk.cmd(`${header}\r\nTo: partner@example.net\r\nSubject: send-as\r\n\r\nbody\r\n.`);
  } finally {
    talk.close();
  }
}

for (const kind of backends()) {
  describe(`send-as on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let port: number;
    let admin: Api;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url }, { inboundRoute: sink.url });
      port = inst.sekisho.ports.submission;
      const pw = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [
          { email: HANAKO, passwordHash: pw, role: 'user' },
          { email: 'admin@acme.example', passwordHash: pw, role: 'admin' },
        ],
        'test',
      );
      admin = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, 'admin@acme.example', PASSWORD);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    it('a user sends as themself; a colleague’s address needs a delegation (553 / 550 5.7.1 with the reason)', async () => {
      assert.equal((await send(port, USER, `From: ${USER}`)).code, 250);
      const mailFrom = await send(port, HANAKO, `From: ${HANAKO}`);
      assert.equal(mailFrom.code, 553);
      assert.match(mailFrom.text, /5\.7\.1 .*hanako@acme\.example.* is not taro@acme\.example's address and is not delegated/);
      const header = await send(port, USER, `From: =?UTF-8?B?6Iqx5a2Q?= <${HANAKO}>`);
      assert.equal(header.code, 550);
      assert.match(header.text, /5\.7\.1 From: <hanako@acme\.example> is not taro@acme\.example's address/);
    });

    it('every mailbox of every From, Sender, Resent-From and Resent-Sender is checked', async () => {
      for (const [header, named] of [
        [`From: ${USER}\r\nFrom: ${HANAKO}`, 'From'],
        [`From: ${USER}, ${HANAKO}`, 'From'],
        [`From: ${USER}\r\nSender: ${HANAKO}`, 'Sender'],
        [`From: ${USER}\r\nResent-From: ceo@globex.example`, 'Resent-From'],
        [`From: ${USER}\r\nResent-Sender: <${HANAKO}>`, 'Resent-Sender'],
        [`From: "ceo@globex.example"`, 'From'],
      ] as const) {
        const r = await send(port, USER, header);
        assert.equal(r.code, 550, `${header}: ${r.text}`);
        assert.match(r.text, new RegExp(`5\\.7\\.1 ${named}:`), header);
      }
      assert.equal((await send(port, USER, `From: ${USER}\r\nSender: ${USER}`)).code, 250);
    });

    it('`sekisho user set --may-send-as` delegates a shared mailbox; only the tenant’s addresses; "" clears', async () => {
      const env = childEnv(inst.db, sink.url, {}, '.');
      const bad = await runCli(['user', 'set', USER, '--may-send-as', 'info@acme.example,ceo@globex.example'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /ceo@globex\.example is not in a domain of the user's tenant/);
      assert.equal((await send(port, 'info@acme.example', 'From: info@acme.example')).code, 553, 'nothing changed');
      const ok = await runCli(['user', 'set', USER, '--may-send-as', 'info@acme.example, sales@acme.co.jp'], env);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /taro@acme\.example may send as: taro@acme\.example, info@acme\.example, sales@acme\.co\.jp/);
      assert.equal((await send(port, 'info@acme.example', `From: info@acme.example\r\nSender: ${USER}`)).code, 250);
      assert.equal((await send(port, USER, 'From: sales@acme.co.jp')).code, 250);
      assert.equal((await send(port, 'info@acme.example', 'From: info@acme.example', HANAKO)).code, 553, 'hanako has no delegation');
      const cleared = await runCli(['user', 'set', USER, '--may-send-as', ''], env);
      assert.equal(cleared.code, 0, cleared.stderr);
      assert.equal((await send(port, 'info@acme.example', 'From: info@acme.example')).code, 553);
      assert.equal((await runCli(['user', 'set', 'nobody@acme.example', '--may-send-as', ''], env)).code, 1);
    });

    it('the users API lists and replaces delegations (admins, own tenant only)', async () => {
      const put = await admin.call('PUT', `/api/users/${HANAKO}`, { maySendAs: ['Info@acme.example'] });
      assert.equal(put.status, 200, JSON.stringify(put.json));
      assert.deepEqual(put.json.maySendAs, ['info@acme.example']);
      const list = await admin.call('GET', '/api/users');
      const hanako = (list.json.items as Array<{ email: string; maySendAs: string[] }>).find((u) => u.email === HANAKO);
      assert.deepEqual(hanako?.maySendAs, ['info@acme.example']);
      assert.equal((await send(port, 'info@acme.example', 'From: info@acme.example', HANAKO)).code, 250);
      const foreign = await admin.call('PUT', `/api/users/${HANAKO}`, { maySendAs: ['eve@globex.example'] });
      assert.equal(foreign.status, 400);
      assert.match(foreign.json.error, /not in a domain of the user's tenant/);
      assert.equal((await admin.call('PUT', '/api/users/eve@globex.example', { maySendAs: [] })).status, 404);
      const user = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, HANAKO, PASSWORD);
      assert.equal((await user.call('PUT', `/api/users/${HANAKO}`, { maySendAs: ['x@acme.example'] })).status, 403);
    });

    it('inbound mail with a user’s address as envelope sender is not shown as their mail', async () => {
      const { talk } = await SmtpTalk.connect(inst.sekisho.ports.inbound);
      await talk.cmd('EHLO outsider.example');
      assert.equal((await talk.cmd(`MAIL FROM:<${USER}>`)).code, 250);
      assert.equal((await talk.cmd(`RCPT TO:<${HANAKO}>`)).code, 250);
      assert.equal((await talk.cmd('DATA')).code, 354);
      const done = await talk.cmd(`From: ${USER}\r\nTo: ${HANAKO}\r\nSubject: planted\r\n\r\nhi\r\n.`);
      assert.equal(done.code, 250);
      talk.close();
      const id = /queued as (\S+)/.exec(done.text)![1]!;
      const taro = await loginApi(`http://127.0.0.1:${inst.sekisho.ports.http}`, USER, PASSWORD);
      const mine = await taro.call('GET', '/api/messages?limit=200');
      assert.ok(!(mine.json.items as Array<{ id: string }>).some((m) => m.id === id), 'not in taro’s list');
      assert.equal((await taro.call('GET', `/api/messages/${id}`)).status, 404, 'nor readable by id');
      const sent = await taro.call('GET', '/api/messages?limit=200');
      assert.ok(
        (sent.json.items as Array<{ subject: string }>).some((m) => m.subject === 'send-as'),
        'taro’s own mail is still there',
      );
    });
  });
}
