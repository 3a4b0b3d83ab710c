// 送信確認 in Debian chromium over SQLite and PostgreSQL (issue 16 item 3): the console's
// 確認して送信 opens the sheet — To / Cc / Bcc apart, 社外 with the domain in bold, 初めての宛先, the
// ISO-2022-JP mail with ① and its Japanese attachment, what happens at the deadline — with 送信
// disabled until every labelled checkbox is ticked (ticked here with the keyboard), in ja and en,
// at 1366 and 375 px; the /c/ page shows the same marks and fits 375 px. Screenshots into
// test-output/screenshots.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { iso2022jpMail, JA_ATTACHMENT, JA_BODY_LINE } from '../helpers/view-mail.ts';
import { linkIn, startHarness, submit, waitNotice, waitState, type Harness } from '../outbound/harness.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const TO = 'partner@example.net';
const CC = 'colleague@acme.example';
const BCC = 'hidden@newco.example';

for (const kind of backends()) {
  describe(`confirmation sheet in chromium on ${kind}`, () => {
    let h: Harness;
    let browser: OpenBrowser;
    let page: Page;
    let id: string;
    let errors: string[] = [];

    before(async () => {
      h = await startHarness(kind);
      const raw = (keyword: string) => Buffer.from(iso2022jpMail({ keyword, from: USER, to: TO, cc: CC }), 'latin1');
      await submit(h, raw('plain'), { to: [TO] });
      id = await submit(h, raw('CONFIRMME'), { to: [TO, CC, BCC] });
      await waitState(h, id, 'awaiting_confirmation');
      mkdirSync(SHOTS, { recursive: true });
      browser = await openBrowser({ width: 1366 });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await h.stop();
    });

    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}-${kind}.png`), fullPage: true });
    const sheet = () => page.locator('[data-testid=confirm-sheet]');
    const sendButton = () => sheet().locator('.buttons button.primary');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    async function openSheet() {
      if (await sheet().count()) return;
      await page.locator(`tr[data-id="${id}"] button.primary`).click();
      await sheet().locator('fieldset').first().waitFor();
    }

    it('ja and en at 375 px: the sheet marks 社外 and 初めての宛先, 送信 stays disabled', async () => {
      await logIn(page, { baseUrl: h.http, user: USER, password: PASSWORD, ready: '[data-testid=who]' });
      await page.goto(`${h.http}/console/#held`);
      await page.waitForSelector(`tr[data-id="${id}"]`);
      // the language switch is in the folded menu on a phone: switch at 1366, look at 375
      await page.setViewportSize({ width: 375, height: 800 });
      await openSheet();
      await sheet().getByText(JA_BODY_LINE).waitFor();
      const legends = await sheet().locator('legend').allTextContents();
      assert.deepEqual(legends.slice(0, 3), ['宛先 (To)', 'Cc', 'Bcc（ほかの宛先には表示されません）']);
      const bcc = sheet().getByRole('checkbox', { name: /hidden@newco\.example/ });
      assert.match((await bcc.locator('xpath=..').textContent()) ?? '', /社外.*初めての宛先/);
      assert.equal(await sheet().locator('strong.domain', { hasText: 'newco.example' }).count(), 1);
      assert.match(
        (await sheet()
          .getByRole('checkbox', { name: /partner@example\.net/ })
          .locator('xpath=..')
          .textContent()) ?? '',
        /社外/,
      );
      assert.doesNotMatch(
        (await sheet()
          .getByRole('checkbox', { name: /colleague@/ })
          .locator('xpath=..')
          .textContent()) ?? '',
        /社外/,
      );
      assert.ok(
        await sheet()
          .getByRole('checkbox', { name: new RegExp(JA_ATTACHMENT) })
          .isVisible(),
      );
      assert.match((await sheet().textContent()) ?? '', /期限を過ぎると.*までに確認がない場合は破棄されます/);
      assert.ok(await sendButton().isDisabled(), '送信 is disabled before anything is ticked');
      assert.equal(await sheet().getByText(JA_ATTACHMENT).count(), 1, 'the attachment is listed once: as a tick, not also in the preview');
      assert.ok((await overflow()) <= 1, 'nothing wider than the phone');
      await shot('confirm-sheet-ja-375');
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.click('[data-testid=lang]');
      await page.waitForSelector('text=Held mail');
      await page.setViewportSize({ width: 375, height: 800 });
      await openSheet();
      await sheet().getByText('First time to this domain').waitFor();
      assert.ok(await sheet().getByText('External').first().isVisible());
      assert.match((await sheet().textContent()) ?? '', /Without a confirmation by .* discarded/);
      assert.ok(await sendButton().isDisabled());
      assert.ok((await overflow()) <= 1);
      await shot('confirm-sheet-en-375');
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.click('[data-testid=lang]');
      await page.waitForSelector('text=保留中のメール');
    });

    it('1366 px: ticked with the keyboard, 送信 enables only when all are ticked; the mail goes out', async () => {
      await page.setViewportSize({ width: 1366, height: 900 });
      await openSheet();
      const boxes = sheet().getByRole('checkbox');
      const n = await boxes.count();
      assert.equal(n, 4, 'three recipients and one attachment');
      for (let i = 0; i < n; i++) {
        assert.ok(await sendButton().isDisabled(), `still disabled with ${i} of ${n} ticked`);
        await boxes.nth(i).focus();
        await page.keyboard.press('Space');
      }
      assert.ok(await sendButton().isEnabled());
      await shot('confirm-sheet-ja-1366');
      await sendButton().focus();
      await page.keyboard.press('Enter');
      const status = await page.waitForSelector('[role=status]');
      assert.match((await status.textContent()) ?? '', /送信キュー|送信されました/);
      await waitState(h, id, 'delivered');
      const ev = (await h.inst.sekisho.store.events(id)).find((e) => e.type === 'confirmed');
      assert.equal(ev?.actor, USER);
      assert.deepEqual(errors, [], 'no errors in the browser console');
    });

    it('the /c/ page at 375 px: the same marks, labelled ticks, nothing wider than the phone', async () => {
      const other = await submit(h, Buffer.from(iso2022jpMail({ keyword: 'CONFIRMME second', from: USER, to: TO, cc: CC }), 'latin1'), {
        to: [TO, CC, 'someone@another-new.example'],
      });
      const path = linkIn((await waitNotice(h, 'confirm', 'CONFIRMME second', USER)).text, 'c');
      await page.setViewportSize({ width: 375, height: 800 });
      for (const lang of ['ja', 'en'] as const) {
        await page.goto(`${h.http}${path}?lang=${lang}`);
        const box = page.getByRole('checkbox', { name: /another-new\.example/ });
        assert.match((await box.locator('xpath=..').textContent()) ?? '', lang === 'ja' ? /社外.*初めての宛先/ : /External.*First time/);
        assert.ok((await overflow()) <= 1, `/c/ in ${lang} fits 375 px`);
        await shot(`confirm-page-${lang}-375`);
      }
      assert.equal((await h.inst.sekisho.store.message(other, ALL_TENANTS))!.state, 'awaiting_confirmation');
    });
  });
}
