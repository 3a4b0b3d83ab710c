// The other outbound actions end to end over SMTP on SQLite and PostgreSQL: approval (approve /
// reject with comment from the approver's page, time-out), confirmation page (every box must be
// ticked), forced BCC (To/Cc gone at the sink, envelope intact), block (550 5.7.1 with the
// rule's reason, notice, tenant audit event), test mode (logged as 'policy.would', delivered),
// subject tag + addBcc, and the contact history that firstContactDomain reads.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { submissionClient, USER } from '../helpers/instance.ts';
import {
  copies,
  eventTypes,
  expire,
  formToken,
  get,
  linkIn,
  mail,
  post,
  settle,
  startHarness,
  submit,
  waitNotice,
  waitState,
  type Harness,
} from './harness.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`outbound actions on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await h.stop();
    });

    it('approval: the approver approves with a comment on the page → delivered, sender told', async () => {
      const id = await submit(h, mail('APPROVE yes'), { to: ['partner@example.net'] });
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_approval');
      const req = await waitNotice(h, 'approval', 'APPROVE yes', 'boss@acme.example');
      assert.match(req.text, /needs your approval/, 'boss reads English (user language)');
      const path = linkIn(req.text, 'a');
      const page = await get(h, path);
      assert.match(page.body, /承認/);
      await settle(150);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_approval', 'GET does not approve');
      const res = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'approve'],
        ['comment', 'OK <b>go</b>'],
      ]);
      assert.equal(res.status, 200);
      await waitState(h, id, 'delivered');
      const approved = (await h.inst.sekisho.store.events(id)).find((e) => e.type === 'approved');
      assert.equal(approved?.actor, 'boss@acme.example');
      assert.equal(JSON.parse(approved!.data).comment, 'OK <b>go</b>');
      const told = await waitNotice(h, 'approved', 'APPROVE yes', USER);
      assert.match(told.html, /OK &lt;b&gt;go&lt;\/b&gt;/, 'comment escaped in HTML');
    });

    it('approval: rejected → discarded, never delivered; the sender may not approve their own mail', async () => {
      const id = await submit(h, mail('APPROVE no'), { to: ['partner@example.net'] });
      const { approve } = await import('../../src/outbound/actions.ts');
      const env = { store: h.inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: h.http };
      await assert.rejects(
        approve(env, id, { email: USER, role: 'user', scope: tenantScope(h.inst.tenantId) }),
        (e: { code?: string }) => e.code === 'forbidden',
      );
      await assert.rejects(
        approve(env, id, { email: 'eve@globex.example', role: 'admin', scope: tenantScope('other') }),
        (e: { code?: string }) => e.code === 'not_found',
      );
      const path = linkIn((await waitNotice(h, 'approval', 'APPROVE no', 'boss@acme.example')).text, 'a');
      const page = await get(h, path);
      // 却下 asks once more, naming the mail and showing the note the sender will read
      const ask = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'reject'],
        ['comment', 'not to them'],
      ]);
      assert.match(ask.body, /このメールを却下しますか/);
      assert.match(ask.body, /APPROVE no/);
      assert.match(ask.body, /name="comment" value="not to them"/);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_approval', 'the question rejects nothing');
      await post(h, path, [
        ['formToken', formToken(ask.body)],
        ['action', 'reject'],
        ['comment', 'not to them'],
        ['sure', 'yes'],
      ]);
      await waitState(h, id, 'discarded');
      const told = await waitNotice(h, 'rejected', 'APPROVE no', USER);
      assert.match(told.text, /not to them/, 'the note reaches the sender');
      assert.ok((await eventTypes(h, id)).includes('rejected'));
      await settle();
      assert.equal(copies(h, 'APPROVE no').length, 0);
    });

    it('approval: time-out follows onTimeout (discard)', async () => {
      const id = await submit(h, mail('APPROVE late'), { to: ['partner@example.net'] });
      await waitNotice(h, 'approval', 'APPROVE late');
      await expire(h, id);
      await waitState(h, id, 'discarded');
      assert.ok(
        (await h.inst.sekisho.store.events(id)).some((e) => e.type === 'discarded' && JSON.parse(e.data).why === 'approve.timeout'),
      );
    });

    it('approve by manager without one on record goes to the tenant approvers; notify tells the listed address', async () => {
      const id = await submit(h, mail('MGRCHECK'), { to: ['partner@example.net'] });
      const m = await h.inst.sekisho.store.message(id, ALL_TENANTS);
      assert.deepEqual(m!.plan.outbound!.stages[0]!.approvers, ['boss@acme.example']);
      await waitNotice(h, 'approval', 'MGRCHECK', 'boss@acme.example');
      await waitNotice(h, 'notify', 'MGRCHECK', 'privacy@acme.example');
      const { cancel } = await import('../../src/outbound/actions.ts');
      const env = { store: h.inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: h.http };
      assert.equal(
        (await cancel(env, id, { email: USER, role: 'user', scope: tenantScope(h.inst.tenantId) })).state,
        'cancelled',
        'the sender may withdraw it',
      );
    });

    it('confirmation page: sending needs every box ticked', async () => {
      const id = await submit(h, mail('CONFIRMME', { cc: 'other@example.org' }), { to: ['partner@example.net', 'other@example.org'] });
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_confirmation');
      const path = linkIn((await waitNotice(h, 'confirm', 'CONFIRMME', USER)).text, 'c');
      const page = await get(h, path);
      assert.match(page.body, /送信確認画面/);
      assert.match(page.body, /type="checkbox" name="r" value="other@example.org" required/);
      // To and Cc apart, the external domain in bold with 社外, a never-mailed domain 初めての宛先
      assert.match(page.body, /<legend>宛先 \(To\)<\/legend><label>.*partner@<strong class="domain">example\.net<\/strong>/);
      assert.match(
        page.body,
        new RegExp(
          String.raw`<legend>Cc<\/legend><label>.*other@<strong class="domain">example\.org<\/strong> ` +
            String.raw`<span class="mark ext">社外<\/span> <span class="mark new">初めての宛先<\/span>`,
        ),
      );
      assert.match(page.body, /期限を過ぎると.*までに確認がない場合は破棄されます/);
      const token = formToken(page.body);
      const partial = await post(h, path, [
        ['formToken', token],
        ['action', 'confirm'],
        ['r', 'partner@example.net'],
      ]);
      assert.equal(partial.status, 422);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_confirmation');
      const all = await post(h, path, [
        ['formToken', token],
        ['action', 'confirm'],
        ['r', 'partner@example.net'],
        ['r', 'other@example.org'],
      ]);
      assert.equal(all.status, 200);
      await waitState(h, id, 'delivered');
      assert.equal((await h.inst.sekisho.store.events(id)).find((e) => e.type === 'confirmed')?.actor, USER);
    });

    it('forced BCC: To/Cc leave the headers, every envelope recipient still gets it, sender told', async () => {
      const id = await submit(h, mail('BCCME', { to: 'a@example.net, b@example.net', cc: 'c@example.org' }), {
        to: ['a@example.net', 'b@example.net', 'c@example.org'],
      });
      await waitState(h, id, 'delivered');
      const [copy] = copies(h, 'BCCME');
      assert.deepEqual([...copy!.recipients].sort(), ['a@example.net', 'b@example.net', 'c@example.org']);
      const headers = copy!.raw.toString('latin1').split('\r\n\r\n')[0]!;
      assert.match(headers, /^To: undisclosed-recipients:;$/m);
      assert.doesNotMatch(headers, /^Cc:/im);
      assert.doesNotMatch(headers, /a@example\.net|c@example\.org/);
      const notice = await waitNotice(h, 'bcc', 'BCCME', USER);
      assert.match(notice.text, /BCCに変換しました/);
    });

    it('block: 550 5.7.1 with the rule reason, a notice, a tenant audit event, nothing stored', async () => {
      await assert.rejects(
        submissionClient(h.inst.sekisho.ports.submission).sendMail({
          envelope: { from: USER, to: ['partner@example.net'] },
          raw: mail('BLOCKME'),
        }),
        (err: { responseCode?: number; response?: string }) =>
          err.responseCode === 550 && /5\.7\.1 Secrets may not leave the company/.test(err.response ?? ''),
      );
      const notice = await waitNotice(h, 'blocked', 'BLOCKME', USER);
      assert.match(notice.text, /Secrets may not leave the company/);
      assert.match(notice.text, /送信ブロック/);
      const ev = await h.inst.sekisho.store.db
        .selectFrom('events')
        .selectAll()
        .where('tenant_id', '=', h.inst.tenantId)
        .where('type', '=', 'policy.blocked')
        .execute();
      assert.equal(ev.length, 1);
      assert.equal(JSON.parse(ev[0]!.data).rule, 'Block secrets');
      assert.equal(copies(h, 'BLOCKME').length, 0);
    });

    it('test mode logs "would hold" and delivers', async () => {
      const id = await submit(h, mail('TRIAL run'), { to: ['partner@example.net'] });
      await waitState(h, id, 'delivered');
      const would = (await h.inst.sekisho.store.events(id)).find((e) => e.type === 'policy.would');
      assert.deepEqual(JSON.parse(would!.data).actions, ['hold']);
      assert.equal(JSON.parse(would!.data).rule, 'Trial hold');
      assert.match(JSON.parse(would!.data).label, /would hold \/ 保留対象（テスト）/);
    });

    it('subject tag and addBcc: tagged subject, archive copy in the envelope only, recorded', async () => {
      const id = await submit(h, mail('TAGME'), { to: ['partner@example.net'] });
      await waitState(h, id, 'delivered');
      const [copy] = copies(h, 'TAGME');
      assert.deepEqual([...copy!.recipients].sort(), ['archive@acme.example', 'partner@example.net']);
      assert.doesNotMatch(copy!.raw.toString('latin1').split('\r\n\r\n')[0]!, /archive@/);
      assert.match(copy!.raw.toString('latin1'), /^Subject: =\?UTF-8\?B\?/m);
      const rcpts = await h.inst.sekisho.store.recipients(id);
      assert.equal(rcpts.find((r) => r.address === 'archive@acme.example')?.state, 'delivered');
      const types = await eventTypes(h, id);
      assert.ok(types.includes('addBcc.added'));
    });

    it('records contacts so the second message to a domain is no first contact', async () => {
      const rows = await h.inst.sekisho.store.db
        .selectFrom('contacts')
        .selectAll()
        .where('tenant_id', '=', h.inst.tenantId)
        .where('domain', '=', 'example.net')
        .execute();
      assert.equal(rows.length, 1);
      assert.ok(Number(rows[0]!.count) >= 3);
      const internal = await h.inst.sekisho.store.db.selectFrom('contacts').selectAll().where('domain', '=', 'acme.example').execute();
      assert.equal(internal.length, 0, 'own domains are not contacts');
    });
  });
}
