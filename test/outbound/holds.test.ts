// Held mail end to end over SMTP on SQLite and PostgreSQL: held → not delivered; the page's GET
// changes nothing; the button POST (with the page's form token) releases it → delivered once;
// discard after expiry; two holds are two stages; a Japanese ISO-2022-JP message held and released
// arrives byte-identical (minus our Received header).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { backends } from '../helpers/databases.ts';
import { withoutFirstReceived } from '../helpers/sink.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { release } from '../../src/outbound/actions.ts';
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

const JIS = readFileSync(new URL('../fixtures/outbound/iso-2022-jp-sample0.eml', import.meta.url));

for (const kind of backends()) {
  describe(`outbound holds on ${kind}`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(kind);
    });
    after(async () => {
      await h.stop();
    });

    it('holds, ignores GET and a forged POST, releases on the button press, delivers once', async () => {
      const id = await submit(h, mail('HOLDMANUAL one'), { to: ['partner@example.net'] });
      const m = await h.inst.sekisho.store.message(id, ALL_TENANTS);
      assert.equal(m!.state, 'held');
      const metrics = await (await fetch(`${h.http}/metrics`)).text();
      assert.match(metrics, /sekisho_messages_held_total\{tenant="[^"]+"\} [1-9]/, 'the held counter counts it');
      const notice = await waitNotice(h, 'held', 'HOLDMANUAL one', USER);
      assert.match(notice.text, /一時保留/);
      const path = linkIn(notice.text, 'h');
      assert.match(notice.html, new RegExp(path));

      // A scanner fetching the link (twice, in English) changes nothing.
      const page = await get(h, path);
      assert.equal(page.status, 200);
      assert.match(page.body, /確認して送信/);
      assert.match(page.body, /partner@example\.net/);
      assert.equal((await get(h, path + '?lang=en')).body.includes('Confirm and send'), true);
      assert.equal((await get(h, path, { 'accept-language': 'en-US,en;q=0.9' })).body.includes('Cancel sending'), true);
      await settle();
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'held');
      assert.equal(copies(h, 'HOLDMANUAL one').length, 0, 'held mail is not delivered');

      // A POST without the page's form token (cross-site or replayed) is refused.
      const forged = await post(h, path, [['action', 'release']]);
      assert.equal(forged.status, 403);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'held');

      const pressed = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'release'],
      ]);
      assert.equal(pressed.status, 200);
      await waitState(h, id, 'delivered');
      await settle();
      assert.equal(copies(h, 'HOLDMANUAL one').length, 1, 'delivered exactly once');
      const events = await h.inst.sekisho.store.events(id);
      const released = events.find((e) => e.type === 'released');
      assert.equal(released?.actor, USER);
      assert.ok(events.some((e) => e.type === 'policy.matched' && JSON.parse(e.data).matchedRules.includes('Manual hold')));
      // Pressing again does nothing more.
      const again = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'release'],
      ]);
      assert.equal(again.status, 409);
      await settle();
      assert.equal(copies(h, 'HOLDMANUAL one').length, 1);
    });

    it('cancels from the page: never delivered', async () => {
      const id = await submit(h, mail('HOLDMANUAL cancel'), { to: ['partner@example.net'] });
      const path = linkIn((await waitNotice(h, 'held', 'HOLDMANUAL cancel')).text, 'h');
      const page = await get(h, path);
      // 送信取り消し asks once more: the first press only shows the question
      const ask = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'cancel'],
      ]);
      assert.equal(ask.status, 200);
      assert.match(ask.body, /送信を取り消しますか/);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'held', 'the question cancels nothing');
      const yes = await post(h, path, [
        ['formToken', formToken(ask.body)],
        ['action', 'cancel'],
        ['sure', 'yes'],
      ]);
      assert.equal(yes.status, 200);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'cancelled');
      await settle();
      assert.equal(copies(h, 'HOLDMANUAL cancel').length, 0);
    });

    it('discards after expiry (release: discard) and tells the sender', async () => {
      const id = await submit(h, mail('HOLDDISCARD'), { to: ['partner@example.net'] });
      await waitNotice(h, 'held', 'HOLDDISCARD');
      await expire(h, id);
      await waitState(h, id, 'discarded');
      await waitNotice(h, 'discarded', 'HOLDDISCARD');
      assert.equal(copies(h, 'HOLDDISCARD').length, 0);
      assert.ok((await eventTypes(h, id)).includes('discarded'));
    });

    it('says truthfully where the mail is after each button: released into approval is not "sent"', async () => {
      const id = await submit(h, mail('HOLDTHENOK truth'), { to: ['partner@example.net'] });
      const path = linkIn((await waitNotice(h, 'held', 'HOLDTHENOK truth', USER)).text, 'h');
      const page = await get(h, path);
      const pressed = await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'release'],
      ]);
      assert.equal(pressed.status, 200);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_approval');
      assert.doesNotMatch(pressed.body, /送信しました/);
      assert.match(
        pressed.body,
        /保留を解除しました。 上長の承認待ちになりました（承認者: boss@acme\.example）。承認されるまで送信されません。/,
      );
      // the sender is told the mail now waits for approval, in the notice language of the policy
      const waiting = await waitNotice(h, 'awaitingApproval', 'HOLDTHENOK truth', USER);
      assert.match(waiting.text, /上長の承認待ちになりました（承認者: boss@acme\.example）/);
      assert.doesNotMatch(waiting.text, /UTC/);
      // the approver approves on the page: it says the mail is now queued, not that it was delivered
      const approval = linkIn((await waitNotice(h, 'approval', 'HOLDTHENOK truth', 'boss@acme.example')).text, 'a');
      const apage = await get(h, approval);
      const approved = await post(h, approval, [
        ['formToken', formToken(apage.body)],
        ['action', 'approve'],
        ['lang', 'en'],
      ]);
      assert.equal(approved.status, 200);
      // (the local worker may have delivered it already by the time the page is drawn)
      assert.match(approved.body, /Approved\. (It is in the send queue and goes out shortly|It has been sent)\./);
      const told = await waitNotice(h, 'approved', 'HOLDTHENOK truth', USER);
      assert.match(told.text, /送信キューに入りました|送信されました/);
      await waitState(h, id, 'delivered');
    });

    it('runs two holds as two stages', async () => {
      const id = await submit(h, mail('TWOSTAGE'), { to: ['partner@example.net'] });
      const first = linkIn((await waitNotice(h, 'held', 'TWOSTAGE')).text, 'h');
      const env = { store: h.inst.sekisho.store, hostname: 'sekisho.localhost', publicUrl: h.http };
      await release(env, id, { email: USER, role: 'user', scope: tenantScope(h.inst.tenantId) });
      const m = await h.inst.sekisho.store.message(id, ALL_TENANTS);
      assert.equal(m!.state, 'held', 'second stage');
      assert.equal(m!.plan.outbound!.stage, 1);
      // The first stage's link no longer acts.
      const stale = await get(h, first);
      assert.doesNotMatch(stale.body, /name="formToken"/);
      assert.equal(copies(h, 'TWOSTAGE').length, 0);
      await expire(h, id);
      await waitState(h, id, 'delivered');
      const types = await eventTypes(h, id);
      // the second stage starts with its own held event, as the first did
      assert.deepEqual(
        types.filter((t) => ['held', 'released', 'hold.ended', 'delivered'].includes(t)),
        ['held', 'released', 'held', 'hold.ended', 'delivered'],
      );
      assert.equal(copies(h, 'TWOSTAGE').length, 1);
    });

    it('releases a held ISO-2022-JP message byte-identical', async () => {
      const store = h.inst.sekisho.store;
      const t = await store.createTenant({ name: 'jp', domains: ['example.jp'] });
      await store.createUsers(t.id, [{ email: 'yamada@example.jp', passwordHash: await hashPassword(PASSWORD), role: 'user' }], 'test');
      const applied = await applyPolicy(
        store,
        t.id,
        'version: 1\noutbound:\n  defaults:\n    hold: { minutes: 10, release: manual }\n',
        'test',
      );
      assert.ok(applied.ok);
      const wire = Buffer.from(JIS.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      const id = await submit(h, wire, { from: 'yamada@example.jp', to: ['alpha.all@clubee.jp'] }, 'yamada@example.jp');
      assert.equal((await store.message(id, ALL_TENANTS))!.state, 'held');
      const notice = await waitNotice(h, 'held', '投稿0', 'yamada@example.jp');
      const path = linkIn(notice.text, 'h');
      const page = await get(h, path);
      assert.match(page.body, /投稿0/);
      await post(h, path, [
        ['formToken', formToken(page.body)],
        ['action', 'release'],
      ]);
      await waitState(h, id, 'delivered');
      const got = h.sink.messages.find((m) => m.recipients.includes('alpha.all@clubee.jp'));
      assert.deepEqual(withoutFirstReceived(got!.raw), wire);
    });
  });
}
