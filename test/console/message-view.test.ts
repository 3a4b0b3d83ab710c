// GET /api/messages/:id/preview — the one message view as JSON, over SQLite and PostgreSQL, with
// mail submitted over SMTP: an ISO-2022-JP mail with ① (CP932 extension) in subject and body and
// an attachment with an RFC 2231 Japanese name; an HTML mail with <script>, onerror=, a form, an
// iframe and a remote picture (none survive), whose inline cid: picture is not listed as a file.
// Tenant-scoped: another tenant's admin and a user who is neither sender nor approver get 404.
// Approvers open an attached file as a download, audited as attachment.viewed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { startHarness, submit, waitState, type Harness } from '../outbound/harness.ts';
import { hostileHtmlMail, iso2022jpMail, JA_ATTACHMENT, JA_BODY_LINE, REMOTE_IMAGE_HOST } from '../helpers/view-mail.ts';
import { loginApi, type Api } from './api-client.ts';

for (const kind of backends()) {
  describe(`message preview API on ${kind}`, () => {
    let h: Harness;
    const ids: Record<string, string> = {};
    const as: Record<string, Api> = {};

    before(async () => {
      h = await startHarness(kind);
      const store = h.inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(h.inst.tenantId, [{ email: 'hanako@acme.example', passwordHash: pw, role: 'user' }], 'test');
      const globex = (await store.tenantByName('globex'))!;
      await store.createUsers(globex.id, [{ email: 'gadmin@globex.example', passwordHash: pw, role: 'admin' }], 'test');
      ids.ja = await submit(h, Buffer.from(iso2022jpMail({ keyword: 'APPROVE', from: USER }), 'latin1'), {
        to: ['partner@example.net', 'boss@acme.example', 'hidden@example.org'],
      });
      ids.html = await submit(h, Buffer.from(hostileHtmlMail({ keyword: 'APPROVE', from: USER })), { to: ['partner@example.net'] });
      await waitState(h, ids.ja, 'awaiting_approval');
      await waitState(h, ids.html, 'awaiting_approval');
      for (const [name, email] of [
        ['taro', USER],
        ['boss', 'boss@acme.example'],
        ['hanako', 'hanako@acme.example'],
        ['gadmin', 'gadmin@globex.example'],
      ] as const) {
        const a = await loginApi(h.http, email, PASSWORD);
        assert.equal(a.loginStatus, 200, `${email} logs in`);
        as[name] = a;
      }
    });
    after(async () => {
      await h.stop();
    });

    it('decodes an ISO-2022-JP mail with ① and a Japanese RFC 2231 file name', async () => {
      const r = await as.boss!.call('GET', `/api/messages/${ids.ja}/preview`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const v = r.json;
      assert.equal(v.subject, 'APPROVE お見積り①について');
      assert.deepEqual(v.from, { name: '田中 太郎', address: USER });
      assert.deepEqual(v.to, [{ name: '取引先 様', address: 'partner@example.net' }]);
      assert.deepEqual(v.cc, [{ name: '', address: 'boss@acme.example' }]);
      assert.deepEqual(v.bcc, [{ name: '', address: 'hidden@example.org' }], 'envelope recipients in neither To nor Cc are Bcc');
      assert.equal(v.date, '2026-12-03T01:15:00.000Z');
      assert.ok(v.text.includes(JA_BODY_LINE), v.text);
      assert.equal(v.html, null);
      assert.equal(v.truncated, false);
      assert.deepEqual(
        v.attachments.map((a: { filename: string; contentType: string; size: number }) => [a.filename, a.contentType, a.size]),
        [[JA_ATTACHMENT, 'application/pdf', 14]],
      );
      assert.deepEqual(
        v.matchedRules.map((m: { rule: string }) => m.rule),
        ['Boss approves'],
      );
      assert.ok(v.matchedRules[0].evidence.length > 0, 'says why the rule matched');
    });

    it('sanitizes HTML: no script, handler, form, frame or remote picture; the cid: picture is inline, not a file', async () => {
      const r = await as.taro!.call('GET', `/api/messages/${ids.html}/preview`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const html: string = r.json.html;
      assert.ok(html.includes('請求書のご案内'), html);
      for (const bad of [
        /<script/i,
        /onerror/i,
        /onclick/i,
        /<form/i,
        /<input/i,
        /<iframe/i,
        /<style/i,
        new RegExp(REMOTE_IMAGE_HOST),
        /href=/i,
        /alert\(/,
      ])
        assert.doesNotMatch(html, bad);
      assert.match(html, /<img alt="logo" src="data:image\/gif;base64,/, 'the cid: picture is shown from the message');
      assert.deepEqual(r.json.attachments, [], 'the inline picture is not listed as an attachment');
      assert.ok(r.json.text.includes('請求書のご案内'), 'text is there for HTML-only mail');
    });

    it('is tenant-scoped: another tenant and an unrelated user get 404', async () => {
      assert.equal((await as.gadmin!.call('GET', `/api/messages/${ids.ja}/preview?tenant=acme`)).status, 404);
      assert.equal((await as.hanako!.call('GET', `/api/messages/${ids.ja}/preview`)).status, 404);
    });

    it('an approver opens an attached file as a download, audited as attachment.viewed; a user may not', async () => {
      const cookie = await sessionCookie(h.http, 'boss@acme.example');
      const res = await fetch(`${h.http}/api/messages/${ids.ja}/attachments/0`, { headers: { cookie } });
      assert.equal(res.status, 200);
      assert.equal(Buffer.from(await res.arrayBuffer()).toString(), '%PDF-1.4 test\n');
      assert.match(
        res.headers.get('content-disposition') ?? '',
        new RegExp(`^attachment; .*filename\\*=UTF-8''${encodeURIComponent(JA_ATTACHMENT)}`),
      );
      assert.match(res.headers.get('content-security-policy') ?? '', /sandbox/);
      const ev = (await h.inst.sekisho.store.events(ids.ja!)).find((e) => e.type === 'attachment.viewed');
      assert.ok(ev, 'audited');
      assert.equal(ev.actor, 'boss@acme.example');
      assert.equal(JSON.parse(ev.data).filename, JA_ATTACHMENT);
      assert.equal((await as.taro!.call('GET', `/api/messages/${ids.ja}/attachments/0`)).status, 403, 'users need the approver role');
      assert.equal((await as.boss!.call('GET', `/api/messages/${ids.ja}/attachments/7`)).status, 404);
    });
  });
}

async function sessionCookie(base: string, email: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}
