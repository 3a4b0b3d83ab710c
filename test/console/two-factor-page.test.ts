// Two-factor enrolment in real Chromium, in Japanese at 375 px and English at 1366 px, on SQLite
// and PostgreSQL: the page draws a QR code and offers the otpauth:// URI (the test "scans" by
// reading it), names the apps that work, shows the key; a TOTP code computed with the server's own
// totp.ts turns it on and ten backup codes are shown once. Then login with a backup code works
// once and the second use is refused in the viewer's language; no console errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, signOut, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { stepOf, totpAt } from '../../src/console/session/totp.ts';

for (const kind of backends()) {
  describe(`two-factor enrolment in chromium on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'two-factor', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      // the refusals this test provokes (a wrong code: 400, a used backup code: 401) are logged by the
      // browser as failed loads; every other console error counts
      browser = await openBrowser({ width: 375, height: 800, provoked: /status of 40[01]/ });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    async function openLogin(lang: 'ja' | 'en') {
      await signOut(page);
      await page.goto(`${http}/console/`);
      await page.evaluate((l) => localStorage.setItem('sekisho.lang', l), lang);
      await page.reload();
      await page.fill('input[name=email]', USER);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
    }
    /** password first, then the second factor once the form asks for it */
    async function loginWith(lang: 'ja' | 'en', second: string) {
      await openLogin(lang);
      await page.locator('input[name=totp]').waitFor();
      await page.fill('input[name=totp]', second);
      await page.click('button[type=submit]');
    }

    let codes: string[] = [];
    let secret = '';

    it('ja, 375 px: QR code, apps, key; the computed code turns it on; ten codes shown once', async () => {
      await openLogin('ja');
      await page.locator('main h2').first().waitFor();
      await page.goto(`${http}/console/#security`);
      await page.getByText('Google Authenticator').first().waitFor();
      assert.match(await page.locator('main').innerText(), /IIJ SmartKey/);
      await page.getByRole('button', { name: '2段階認証を設定' }).click();
      const qr = page.getByRole('img', { name: '2段階認証の設定用QRコード' });
      await qr.waitFor();
      assert.ok(((await qr.locator('path').getAttribute('d')) ?? '').length > 1000, 'the QR code has modules');
      const uri = new URL((await page.getByTestId('totp-uri').getAttribute('href'))!);
      assert.equal(uri.protocol, 'otpauth:');
      secret = uri.searchParams.get('secret')!;
      assert.equal((await page.getByTestId('totp-secret').innerText()).replace(/\s/g, ''), secret);
      assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
      await page.screenshot({ path: join(shots, 'enrol-ja-375.png'), fullPage: true }).catch(() => {});

      await page.getByLabel('確認コード').fill('000000' === totpAt(secret, stepOf(Date.now())) ? '111111' : '000000');
      await page.getByRole('button', { name: '有効にする' }).click();
      await page.getByText('確認コードが正しくありません。').waitFor();

      await page.getByLabel('確認コード').fill(totpAt(secret, stepOf(Date.now())));
      await page.getByRole('button', { name: '有効にする' }).click();
      const list = page.getByTestId('backup-codes');
      await list.waitFor();
      codes = (await list.locator('code').allInnerTexts()).map((c) => c.trim());
      assert.equal(codes.length, 10);
      assert.match(await page.locator('main').innerText(), /二度と表示されません/);
      assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
      await page.screenshot({ path: join(shots, 'codes-ja-375.png'), fullPage: true }).catch(() => {});
      await page.getByRole('button', { name: '保管しました' }).click();
      await page.getByText('未使用のバックアップコード: 10件').waitFor();
      assert.equal(await list.count(), 0, 'the codes are gone from the screen');
    });

    it('ja: a backup code logs in once; the second time it is refused in Japanese', async () => {
      await loginWith('ja', codes[0]!);
      await page.locator('main h2').first().waitFor();
      await page.goto(`${http}/console/#security`);
      await page.getByText('未使用のバックアップコード: 9件').waitFor();

      await loginWith('ja', codes[0]!);
      await page.getByText('このバックアップコードは正しくないか、すでに使用済みです。').waitFor();
      await page.screenshot({ path: join(shots, 'used-code-ja-375.png'), fullPage: true }).catch(() => {});
    });

    it('en, 1366 px: the TOTP code logs in; the page is in English; a used code is refused in English', async () => {
      await page.setViewportSize({ width: 1366, height: 900 });
      // the next 30-second step: the step used to turn it on cannot be replayed
      await loginWith('en', totpAt(secret, stepOf(Date.now()) + 1));
      await page.locator('main h2').first().waitFor();
      await page.goto(`${http}/console/#security`);
      await page.getByText('Unused backup codes: 9').waitFor();
      const text = await page.locator('main').innerText();
      assert.doesNotMatch(text, /[\u3040-\u30ff\u4e00-\u9fff]/, 'no Japanese on the English page');
      await page.screenshot({ path: join(shots, 'security-en-1366.png'), fullPage: true }).catch(() => {});
      await loginWith('en', codes[0]!);
      await page.getByText('This backup code is wrong or has already been used.').waitFor();
      await page.screenshot({ path: join(shots, 'used-code-en-1366.png'), fullPage: true }).catch(() => {});
      assert.deepEqual(errors, []);
    });
  });
}
