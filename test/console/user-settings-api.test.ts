// Per-user sending settings over the API on SQLite and PostgreSQL: an admin sets a user's hold
// minutes, approver and 送信確認 off with PUT /api/users/{email} (bad minutes and an approver who is
// no user are refused with their codes, nothing changed — send-as given in the same request is not
// saved either, one transaction); GET lists them; the change is audited as
// user.updated and reads in words; mail the user then submits over SMTP is planned with them —
// their minutes replace the rule's and make the baseline hold, confirmation is skipped (and the
// audit says why), approval still applies; cleared again, the policy is back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { eventSentence } from '../../src/audit/event-words.ts';
import { serverWords } from '../../src/audit/catalogue.ts';
import { mail, startHarness, submit, waitState, type Harness } from '../outbound/harness.ts';
import { loginApi, type Api } from './api-client.ts';

const ADMIN = 'admin@acme.example';

for (const kind of backends()) {
  describe(`user sending settings over the API on ${kind}`, () => {
    let h: Harness;
    let admin: Api;

    before(async () => {
      h = await startHarness(kind);
      await h.inst.sekisho.store.createUsers(
        h.inst.tenantId,
        [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      admin = await loginApi(h.http, ADMIN, PASSWORD);
    });
    after(async () => {
      await h?.stop();
    });

    const taro = async () =>
      ((await admin.call('GET', `/api/users?q=${encodeURIComponent(USER)}`)).json.items as Array<Record<string, unknown>>)[0]!;
    const planned = async (id: string) => {
      const row = await h.inst.sekisho.store.db
        .selectFrom('events')
        .select('data')
        .where('message_id', '=', id)
        .where('type', '=', 'policy.matched')
        .executeTakeFirst();
      return JSON.parse(row?.data ?? '{}') as {
        actions?: Array<{ type: string; rule: string; minutes?: number; userMinutes?: boolean }>;
        skipped?: Array<{ type: string; why: string }>;
      };
    };

    it('refuses bad minutes and an unknown approver with their codes, changing nothing', async () => {
      assert.deepEqual([(await taro()).holdMinutes, (await taro()).confirm, (await taro()).approver], [null, true, null]);
      for (const holdMinutes of [0, 4321, 2.5]) {
        const r = await admin.call('PUT', `/api/users/${USER}`, { holdMinutes });
        assert.equal(r.status, 400, `${holdMinutes}`);
        if (Number.isInteger(holdMinutes)) assert.equal(r.json.code, 'hold_minutes_range');
      }
      const r = await admin.call('PUT', `/api/users/${USER}`, { approver: 'nobody@acme.example', holdMinutes: 3 });
      assert.equal(r.status, 400);
      assert.equal(r.json.code, 'no_such_approver');
      assert.equal((await taro()).holdMinutes, null, 'nothing changed');
      assert.equal((await admin.call('PUT', '/api/users/eve@globex.example', { holdMinutes: 3 })).status, 404, 'another tenant’s user');
      // send-as and the settings in one request: one transaction, so a refused part saves neither
      const half = await admin.call('PUT', `/api/users/${USER}`, { maySendAs: ['info@acme.example'], holdMinutes: 4321 });
      assert.equal(half.json.code, 'hold_minutes_range');
      const badSendAs = await admin.call('PUT', `/api/users/${USER}`, { maySendAs: ['ceo@globex.example'], holdMinutes: 7 });
      assert.equal(badSendAs.status, 400);
      assert.deepEqual([(await taro()).maySendAs, (await taro()).holdMinutes], [[], null], 'neither part saved');
      const both = await admin.call('PUT', `/api/users/${USER}`, { maySendAs: ['info@acme.example'], department: '営業部' });
      assert.deepEqual(both.json, { ok: true, maySendAs: ['info@acme.example'] });
      assert.deepEqual([(await taro()).maySendAs, (await taro()).department], [['info@acme.example'], '営業部']);
      assert.equal((await admin.call('PUT', `/api/users/${USER}`, { maySendAs: [], department: null })).status, 200);
    });

    it('sets hold minutes, approver and confirmation off; audited in words', async () => {
      const r = await admin.call('PUT', `/api/users/${USER}`, { holdMinutes: 3, confirm: false, approver: 'boss@acme.example' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const u = await taro();
      assert.deepEqual([u.holdMinutes, u.confirm, u.approver], [3, false, 'boss@acme.example']);
      const ev = await h.inst.sekisho.store.db
        .selectFrom('events')
        .select(['actor', 'data'])
        .where('type', '=', 'user.updated')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(ev.actor, ADMIN);
      const data = JSON.parse(ev.data) as Record<string, unknown>;
      assert.deepEqual([data.email, data.holdMinutes, data.confirm, data.approver_email], [USER, 3, false, 'boss@acme.example']);
      const ja = eventSentence(serverWords('ja'), 'user.updated', data);
      for (const words of ['一時保留の時間：3分', '送信確認：オフ', '承認者（上長）：boss@acme.example']) assert.ok(ja.includes(words), ja);
      assert.ok(eventSentence(serverWords('en'), 'user.updated', data).includes('Hold time: 3 min'));
    });

    it('their mail: own minutes replace the rule’s, confirmation is skipped, approval is not', async () => {
      const confirmMe = await submit(h, mail('CONFIRMME settings 1'), { to: ['partner@example.net'] });
      await waitState(h, confirmMe, 'held');
      const p1 = await planned(confirmMe);
      assert.deepEqual(
        p1.actions?.map((a) => [a.type, a.rule, a.minutes]),
        [['hold', '(user)', 3]],
        'no confirmation: their own baseline hold of 3 minutes',
      );
      assert.deepEqual(
        p1.skipped?.map((s) => [s.type, s.why]),
        [['confirm', 'confirm-off']],
      );
      // the reason is a code; the audit screen, timeline and CSV word it from the catalogue
      const ja = eventSentence(serverWords('ja'), 'policy.matched', p1 as Record<string, unknown>);
      assert.match(ja, /適用しなかった処理：送信確認（ルール「[^」]+」）：この送信者は送信確認がオフ（ユーザー設定）/);
      assert.match(
        eventSentence(serverWords('en'), 'policy.matched', p1 as Record<string, unknown>),
        /confirmation is off for this sender/,
      );

      const manual = await submit(h, mail('HOLDMANUAL settings 2'), { to: ['partner@example.net'] });
      await waitState(h, manual, 'held');
      const p2 = await planned(manual);
      assert.deepEqual(
        p2.actions?.map((a) => [a.type, a.rule, a.minutes, a.userMinutes]),
        [['hold', 'Manual hold', 3, true]],
      );

      const approve = await submit(h, mail('APPROVE settings 3'), { to: ['partner@example.net'] });
      await waitState(h, approve, 'awaiting_approval');
    });

    it('cleared, the policy is back', async () => {
      const r = await admin.call('PUT', `/api/users/${USER}`, { holdMinutes: null, confirm: true });
      assert.equal(r.status, 200);
      assert.deepEqual([(await taro()).holdMinutes, (await taro()).confirm], [null, true]);
      const confirmMe = await submit(h, mail('CONFIRMME settings 4'), { to: ['partner@example.net'] });
      await waitState(h, confirmMe, 'awaiting_confirmation');
      const manual = await submit(h, mail('HOLDMANUAL settings 5'), { to: ['partner@example.net'] });
      await waitState(h, manual, 'held');
      assert.deepEqual(
        (await planned(manual)).actions?.map((a) => [a.rule, a.minutes]),
        [['Manual hold', 10]],
      );
    });
  });
}
