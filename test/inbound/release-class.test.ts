// Quarantine release by verdict class, on SQLite and PostgreSQL. With self-release on, a recipient
// still cannot release 請求書.pdf.exe or an EICAR virus (found by clamd when it is installed, and by
// the built-in signature) — not from the digest's link, not through the API — while spam stays
// self-releasable. Instead they ask (解除を依頼): the admins get a notice, an admin releases it to
// the requester only or refuses it (the requester is told by mail). The digest names the real
// reason, never "spam score" for a virus. Every step is in the audit trail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { listQuarantine } from '../../src/inbound/quarantine.ts';
import { sendDigests } from '../../src/inbound/digest.ts';
import { reasonLabel, releaseClassOf } from '../../src/inbound/release-class.ts';
import { fixture, sendRaw, waitUntil } from './shield-helpers.ts';
import { loginApi } from '../console/api-client.ts';
import { hashPassword } from '../../src/util/password.ts';
import { haveClamd, startClamd, type Daemon } from './daemons.ts';
import { ADMIN, exeMail, ICHIRO, JIRO, POLICY, virusMail } from './release-mail.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

describe('release classes and their labels', () => {
  const sym = (name: string, score = 5) => ({ name, score, description: '' });
  it('classes by the worst evidence; spam only when nothing worse was found', () => {
    assert.equal(releaseClassOf({ symbols: [sym('BODY_SPAM_PHRASES')] }), 'spam');
    assert.equal(releaseClassOf({ symbols: [sym('VIRUS_FOUND', 20), sym('ATTACH_EXECUTABLE')] }), 'malware');
    assert.equal(releaseClassOf({ symbols: [sym('ATTACH_EICAR', 20)] }), 'malware');
    assert.equal(releaseClassOf({ symbols: [sym('ATTACH_DOUBLE_EXTENSION'), sym('PHISH_STAFF_IMPERSONATION')] }), 'dangerousAttachment');
    assert.equal(releaseClassOf({ symbols: [sym('ATTACH_OFFICE_MACRO')] }), 'dangerousAttachment');
    assert.equal(releaseClassOf({ symbols: [sym('PHISH_EXECUTIVE_IMPERSONATION')] }), 'phishing');
    assert.equal(releaseClassOf({ symbols: [sym('AUTH_DMARC_FAIL_REJECT')] }), 'phishing');
    assert.equal(releaseClassOf({ symbols: [sym('MIME_UNPARSEABLE', 0), sym('VIRUS_FOUND', 20)] }), 'unparseable');
    // a password-protected archive of documents is everyday mail in Japan; with a program inside it is not
    assert.equal(releaseClassOf({ symbols: [sym('ATTACH_ENCRYPTED_ARCHIVE', 4)] }), 'spam');
    assert.equal(releaseClassOf({ symbols: [sym('ATTACH_ENCRYPTED_ARCHIVE', 4), sym('ATTACH_EXECUTABLE', 10)] }), 'dangerousAttachment');
    // reassuring symbols (negative scores) are no evidence
    assert.equal(releaseClassOf({ symbols: [sym('AUTH_DMARC_FAIL', -1)] }), 'spam');
  });
  it('one function names the reason in both languages', () => {
    assert.equal(reasonLabel({ releaseClass: 'malware', score: 41.4 }, 'ja'), 'ウイルス検出');
    assert.equal(reasonLabel({ releaseClass: 'malware', score: 41.4 }, 'en'), 'Virus detected');
    assert.equal(reasonLabel({ releaseClass: 'dangerousAttachment', score: 16 }, 'ja'), '危険な添付ファイル');
    assert.equal(reasonLabel({ releaseClass: 'phishing', score: 9 }, 'ja'), 'なりすまし');
    assert.equal(reasonLabel({ releaseClass: 'spam', score: 12.34 }, 'ja'), '迷惑メール スコア 12.3');
    assert.equal(reasonLabel({ releaseClass: 'spam', score: 12.34 }, 'en'), 'Spam score 12.3');
    assert.equal(reasonLabel({ releaseClass: 'spam', score: 2, rule: '社外の zip' }, 'ja'), 'ポリシーのルール「社外の zip」');
  });
});

let clamd: Daemon | undefined;
before(async () => {
  if (haveClamd()) clamd = await startClamd();
});
after(async () => clamd?.stop());

for (const kind of backends()) {
  describe(`release by verdict class on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { pollIntervalMs: 50, ...(clamd ? { clamd: clamd.url } : {}) }, { inboundRoute: sink.url });
      await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      await updateSettings(inst.sekisho.store, inst.tenantId, { selfRelease: true }, 'test');
      const passwordHash = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [
          { email: ICHIRO, passwordHash, role: 'user' as const },
          { email: JIRO, passwordHash, role: 'user' as const },
          { email: ADMIN, passwordHash, role: 'admin' as const },
        ],
        'test',
      );
    });
    after(async () => {
      await inst.stop();
      await sink.close();
    });

    const store = () => inst.sekisho.store;
    const base = () => `http://127.0.0.1:${inst.sekisho.ports.http}`;
    const receive = async (raw: Buffer, to: string[]) => {
      const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom: 'sender@outside.test', to });
      assert.equal(reply.code, 250, reply.text);
      const id = /queued as (\S+)/.exec(reply.text)![1]!;
      assert.equal((await store().message(id, ALL_TENANTS))!.state, 'quarantined');
      return id;
    };
    /** ichiro's digest, sent now: each item's block of text (reason and link) by subject */
    async function digest(who: string): Promise<string> {
      const before = sink.messages.length;
      await sendDigests({ store: store(), hostname: 'sekisho.localhost', publicUrl: base() }, inst.tenantId, { recipient: who });
      inst.sekisho.worker.wake();
      const mail = await waitUntil(async () => sink.messages.slice(before).find((m) => m.recipients.includes(who)), `digest to ${who}`);
      return decodedText(mail.raw);
    }
    const itemOf = (text: string, subject: string) =>
      text.split(/\n(?=\d+\. |<)/).find((block) => block.includes(`件名 / Subject: ${subject}`))!;
    const linkOf = (block: string) => /(http:\/\/127\.0\.0\.1:\d+\/q\/[A-Za-z0-9_-]+)/.exec(block)![1]!;
    const post = (link: string, action: string) =>
      fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}` });
    const deliveriesOf = (id: string) =>
      sink.messages.filter((m) => m.raw.includes(id) && !m.raw.includes('Auto-Submitted: auto-generated'));
    const noticesTo = (who: string, subject: RegExp) =>
      sink.messages.filter((m) => m.recipients.includes(who) && m.raw.includes('Auto-Submitted') && subject.test(decodedSubject(m.raw)));

    let exeId = '';
    let virusId = '';

    it('with self-release on, a recipient cannot release 請求書.pdf.exe or a virus from the digest or the API; spam still can', async () => {
      exeId = await receive(exeMail(), [ICHIRO, JIRO]);
      virusId = await receive(virusMail(), [ICHIRO]);
      const spamId = await receive(fixture('spam/spamassassin/001'), [ICHIRO]);
      const items = await listQuarantine(store(), { tenantId: inst.tenantId, recipient: ICHIRO });
      const classOf = (id: string) => items.find((i) => i.id === id)!.releaseClass;
      assert.equal(classOf(exeId), 'dangerousAttachment');
      assert.equal(classOf(virusId), 'malware');
      assert.equal(classOf(spamId), 'spam');
      if (clamd) {
        const m = (await store().message(virusId, ALL_TENANTS))!;
        assert.match(JSON.stringify(m.plan), /VIRUS_FOUND/, 'clamd flagged it');
      }

      const text = await digest(ICHIRO);
      const exe = itemOf(text, 'ご請求書の送付');
      const virus = itemOf(text, 'document');
      assert.match(exe, /理由 \/ Reason: 危険な添付ファイル \/ Dangerous attachment/);
      assert.match(virus, /理由 \/ Reason: ウイルス検出 \/ Virus detected/);
      assert.doesNotMatch(virus, /spam score|スコア/i, 'a virus is not labelled by its spam score');
      assert.match(text, /理由 \/ Reason: 迷惑メール スコア \d+\.\d \/ Spam score \d+\.\d/);
      for (const block of [exe, virus]) {
        assert.match(block, /解除を依頼 \/ Ask an admin to release: http/);
        assert.doesNotMatch(block, /配送する \/ Release/);
      }

      // the page names the reason and offers 解除を依頼 only; a forged release POST is refused
      for (const [block, label] of [
        [exe, '危険な添付ファイル / Dangerous attachment'],
        [virus, 'ウイルス検出 / Virus detected'],
      ] as const) {
        const page = await (await fetch(linkOf(block))).text();
        assert.ok(page.includes(label), page);
        assert.match(page, /<button type="submit">解除を依頼 \/ Ask an admin to release<\/button>/);
        assert.doesNotMatch(page, /配送する/);
        const refused = await post(linkOf(block), 'release');
        assert.equal(refused.status, 403);
        assert.match(await refused.text(), /管理者のみが隔離解除できます/);
      }

      // the API refuses the recipient with words in both languages
      const ichiro = await loginApi(base(), ICHIRO, PASSWORD);
      for (const id of [exeId, virusId]) {
        const r = await ichiro.call('POST', `/api/quarantine/${id}/release`);
        assert.equal(r.status, 403);
        assert.equal(r.json.code, 'admin_only');
        assert.match(r.json.errorJa as string, /管理者のみが隔離解除できます/);
        assert.match(r.json.error as string, /only an administrator can release it/);
      }
      const listed = (await ichiro.call('GET', '/api/quarantine')).json.items as Array<{
        id: string;
        adminOnly: boolean;
        reasonLabel: { ja: string };
      }>;
      assert.equal(listed.find((i) => i.id === virusId)!.reasonLabel.ja, 'ウイルス検出');
      assert.equal(listed.find((i) => i.id === exeId)!.adminOnly, true);

      await new Promise((r) => setTimeout(r, 300));
      assert.equal(deliveriesOf(exeId).length + deliveriesOf(virusId).length, 0, 'nothing dangerous went out');
      assert.equal((await store().message(exeId, ALL_TENANTS))!.state, 'quarantined');
      assert.equal((await store().message(virusId, ALL_TENANTS))!.state, 'quarantined');

      // spam is still the recipient's to release
      const spam = itemOf(text, (await store().message(spamId, ALL_TENANTS))!.subject);
      assert.match(await (await post(linkOf(spam), 'release')).text(), /隔離を解除しました/);
      await waitUntil(async () => deliveriesOf(spamId).length === 1, 'the released spam');
    });

    it('解除を依頼 reaches the admins; an admin releases it to the requester only, or refuses and the requester is told', async () => {
      const text = await digest(ICHIRO);
      const link = linkOf(itemOf(text, 'ご請求書の送付'));
      const asked = await post(link, 'request');
      assert.equal(asked.status, 200);
      assert.match(await asked.text(), /解除を依頼済みです/);
      assert.match(await (await post(link, 'request')).text(), /解除を依頼済みです/, 'asking twice changes nothing');
      const page = await (await fetch(link)).text();
      assert.match(page, /解除を依頼済みです/);
      assert.doesNotMatch(page, /<button/, 'no second request button');
      const [notice] = await waitUntil(async () => {
        const n = noticesTo(ADMIN, /隔離解除の依頼/);
        return n.length ? n : null;
      }, "the admins' notice");
      assert.match(decodedText(notice!.raw), /ichiro@acme\.example さんから/);
      assert.match(decodedText(notice!.raw), /隔離の理由: 危険な添付ファイル/);

      const admin = await loginApi(base(), ADMIN, PASSWORD);
      const ichiro = await loginApi(base(), ICHIRO, PASSWORD);
      assert.equal((await ichiro.call('GET', '/api/quarantine/requests')).status, 403, 'requests are for admins');
      const pending = (await admin.call('GET', '/api/quarantine/requests')).json.items as Array<Record<string, unknown>>;
      assert.equal(pending.length, 1);
      assert.equal(pending[0]!.messageId, exeId);
      assert.equal(pending[0]!.recipient, ICHIRO);
      assert.deepEqual(pending[0]!.reasonLabel, { ja: '危険な添付ファイル', en: 'Dangerous attachment' });

      const released = await admin.call('POST', `/api/quarantine/requests/${pending[0]!.id}/release`);
      assert.equal(released.status, 200, JSON.stringify(released.json));
      const [copy] = await waitUntil(async () => (deliveriesOf(exeId).length ? deliveriesOf(exeId) : null), "the requester's copy");
      assert.deepEqual(copy!.recipients, [ICHIRO], 'released to the requester only');
      assert.equal((await store().message(exeId, ALL_TENANTS))!.state, 'quarantined', 'still held for jiro');
      assert.equal((await admin.call('POST', `/api/quarantine/requests/${pending[0]!.id}/release`)).status, 409, 'decided once');
      assert.deepEqual((await admin.call('GET', '/api/quarantine/requests')).json.items, []);

      // the virus: asked through the console's API, refused with a note
      const req = await ichiro.call('POST', `/api/quarantine/${virusId}/request-release`);
      assert.equal(req.status, 200);
      assert.equal(req.json.created, true);
      const [virusReq] = (await admin.call('GET', '/api/quarantine/requests')).json.items as Array<{
        id: string;
        reasonLabel: { ja: string };
      }>;
      assert.equal(virusReq!.reasonLabel.ja, 'ウイルス検出');
      const refused = await admin.call('POST', `/api/quarantine/requests/${virusReq!.id}/refuse`, { note: 'ウイルスのため配送できません' });
      assert.equal(refused.status, 200);
      const [refusal] = await waitUntil(async () => {
        const n = noticesTo(ICHIRO, /却下されました/);
        return n.length ? n : null;
      }, 'the refusal notice');
      assert.match(decodedText(refusal!.raw), /管理者からのコメント: ウイルスのため配送できません/);
      assert.equal((await store().message(virusId, ALL_TENANTS))!.state, 'quarantined');
      assert.equal(deliveriesOf(virusId).length, 0);
      const mine = (await ichiro.call('GET', '/api/quarantine')).json.items as Array<{ id: string; myRequest: string | null }>;
      assert.equal(mine.find((i) => i.id === virusId)!.myRequest, 'refused');

      // audited: who asked, who released or refused
      const exeEvents = (await store().events(exeId)).map((e) => [e.type, e.actor]);
      assert.ok(exeEvents.some(([t, a]) => t === 'quarantine.release_requested' && a === `recipient:${ICHIRO}`));
      assert.ok(exeEvents.some(([t, a]) => t === 'quarantine.released' && a === ADMIN));
      assert.ok(exeEvents.some(([t, a]) => t === 'quarantine.request_released' && a === ADMIN));
      const virusEvents = (await store().events(virusId)).map((e) => [e.type, e.actor]);
      assert.ok(virusEvents.some(([t, a]) => t === 'quarantine.release_requested' && a === ICHIRO));
      assert.ok(virusEvents.some(([t, a]) => t === 'quarantine.request_refused' && a === ADMIN));
    });
  });
}

/** The text parts of a notice, decoded (base64 UTF-8). */
function decodedText(raw: Buffer): string {
  const text = raw.toString('latin1');
  const parts = [...text.matchAll(/Content-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/g)];
  if (parts.length) return parts.map((p) => Buffer.from(p[1]!, 'base64').toString('utf8')).join('\n');
  // a single text part: the encoding is a header of the message itself
  const split = text.indexOf('\r\n\r\n');
  const body = text.slice(split + 4);
  return /^Content-Transfer-Encoding: base64/im.test(text.slice(0, split)) ? Buffer.from(body, 'base64').toString('utf8') : body;
}

function decodedSubject(raw: Buffer): string {
  const header = raw
    .toString('latin1')
    .split('\r\n\r\n')[0]!
    .replace(/\r\n[ \t]+/g, ' ');
  const subject = /^Subject: (.*)$/im.exec(header)?.[1] ?? '';
  return subject.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, enc: string, data: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
  );
}
