// 送信確認 through the console API over SQLite and PostgreSQL: the sheet lists every recipient
// under To / Cc / Bcc with 社外 and 初めての宛先 and the attachment, and a confirmation is refused
// (422, code not_ticked, nothing sent) unless every recipient and attachment is ticked — the same
// check as the /c/ page (src/outbound/confirmation.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { iso2022jpMail, JA_ATTACHMENT } from '../helpers/view-mail.ts';
import { copies, startHarness, submit, waitState, type Harness } from '../outbound/harness.ts';
import { loginApi, type Api } from './api-client.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

for (const kind of backends()) {
  describe(`confirmation API on ${kind}`, () => {
    let h: Harness;
    let taro: Api;
    let id: string;
    const TO = 'partner@example.net';
    const CC = 'colleague@acme.example';
    const BCC = 'hidden@newco.example';

    before(async () => {
      h = await startHarness(kind);
      // partner's domain has been mailed before; newco.example never
      await submit(h, Buffer.from(iso2022jpMail({ keyword: 'plain', from: USER, to: TO, cc: CC }), 'latin1'), { to: [TO] });
      id = await submit(h, Buffer.from(iso2022jpMail({ keyword: 'CONFIRMME', from: USER, to: TO, cc: CC }), 'latin1'), {
        to: [TO, CC, BCC],
      });
      await waitState(h, id, 'awaiting_confirmation');
      taro = await loginApi(h.http, USER, PASSWORD);
    });
    after(async () => {
      await h.stop();
    });

    it('the sheet: To / Cc / Bcc apart, 社外 with the domain, 初めての宛先, the attachment, the deadline', async () => {
      const r = await taro.call('GET', `/api/messages/${id}/confirmation`);
      assert.equal(r.status, 200);
      assert.equal(r.json.applyTo, 'all', 'a confirm without applyTo asks a tick for every recipient');
      assert.deepEqual(r.json.recipients, [
        { address: TO, field: 'to', domain: 'example.net', external: true, firstContact: false, needsTick: true },
        { address: CC, field: 'cc', domain: 'acme.example', external: false, firstContact: false, needsTick: true },
        { address: BCC, field: 'bcc', domain: 'newco.example', external: true, firstContact: true, needsTick: true },
      ]);
      assert.equal(r.json.attachments.length, 1);
      assert.equal(r.json.attachments[0].filename, JA_ATTACHMENT);
      assert.match(r.json.nextStep.ja, /までに確認がない場合は破棄されます/);
      assert.match(r.json.nextStep.en, /Without a confirmation by .* discarded/);
    });

    it('refuses an unticked or partly ticked confirmation (422 not_ticked); nothing is sent', async () => {
      const none = await taro.call('POST', `/api/messages/${id}/confirm`, { recipients: [], attachments: [] });
      assert.equal(none.status, 422);
      assert.equal(none.json.code, 'not_ticked');
      const noFile = await taro.call('POST', `/api/messages/${id}/confirm`, { recipients: [TO, CC, BCC], attachments: [] });
      assert.equal(noFile.status, 422);
      const noBcc = await taro.call('POST', `/api/messages/${id}/confirm`, { recipients: [TO, CC], attachments: [0] });
      assert.equal(noBcc.status, 422);
      // a body without the ticks at all is a bad request, not a confirmation
      assert.equal((await taro.call('POST', `/api/messages/${id}/confirm`)).status, 400);
      assert.equal((await h.inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'awaiting_confirmation');
      assert.equal((await h.inst.sekisho.store.events(id)).filter((e) => e.type === 'confirmed').length, 0);
    });

    it('sends once every recipient and attachment is ticked', async () => {
      const sheet = (await taro.call('GET', `/api/messages/${id}/confirmation`)).json;
      const r = await taro.call('POST', `/api/messages/${id}/confirm`, {
        recipients: [TO, CC, BCC],
        attachments: sheet.attachments.map((a: { index: number }) => a.index),
      });
      assert.equal(r.status, 200);
      await waitState(h, id, 'delivered');
      assert.ok(copies(h, 'CONFIRMME').length >= 1);
    });
  });
}
