// The users page's per-user settings in real Chromium on SQLite and PostgreSQL, in Japanese and
// English at 1366 px and 375 px: the table fits the screen (no horizontal overflow, also with 2FA
// and long names, and with a user's settings open); 編集 opens the settings under the row; an
// approver who is no user is refused in the viewer's language; hold minutes, approver and 送信確認
// off are saved in one go, shown in the row's 送信設定 and stored; no browser console errors
// besides the deliberate 400.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import type { ConsoleTables } from '../../src/users/console-tables.ts';

const ADMIN = 'admin@acme.example';
const BOSS = 'bucho.suzuki@acme.example';

const WORDS = {
  ja: {
    edit: '編集',
    form: `${USER} の設定`,
    approver: '承認者（上長）',
    hold: '一時保留の時間（分）',
    confirm: '送信確認',
    save: '保存',
    noApprover: '承認者（上長）には、このテナントに登録済みのユーザーを指定してください。',
    saved: `${USER} の設定を保存しました。`,
    summary: '保留 10分 · 送信確認なし',
    policy: 'ポリシーどおり',
  },
  en: {
    edit: 'Edit',
    form: `Settings of ${USER}`,
    approver: 'Approver (manager)',
    hold: 'Hold time (minutes)',
    confirm: 'Send confirmation',
    save: 'Save',
    noApprover: 'The approver (manager) must be a user of this tenant.',
    saved: `Saved the settings of ${USER}.`,
    summary: 'Hold 10 min · No confirmation',
    policy: 'As the policy says',
  },
} as const;

for (const kind of backends()) {
  describe(`users page per-user settings in chromium on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'users-settings', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const hash = await hashPassword(PASSWORD);
      const store = inst.sekisho.store;
      await store.createUsers(
        inst.tenantId,
        [
          { email: ADMIN, passwordHash: hash, role: 'admin', name: '管理 太郎', department: '情報システム部' },
          { email: BOSS, passwordHash: hash, role: 'approver', name: '鈴木 一郎', department: '営業本部 第一営業部 法人営業課' },
          {
            email: 'a.very.long.address.for.layout@acme.example',
            passwordHash: hash,
            role: 'user',
            name: 'Alexandra Konstantinopoulou-Featherstonehaugh',
            department: 'International Business Development and Partnerships',
            approverEmail: BOSS,
          },
        ],
        'test',
      );
      // a user with two-factor on shows the longest status and a fifth button
      await store.db
        .withTables<ConsoleTables>()
        .insertInto('console_totp')
        .values({ email: 'a.very.long.address.for.layout@acme.example', secret: 'x', enabled: 1, last_step: 0, created_at: Date.now() })
        .execute();
      // the unknown approver is answered 400 on purpose; any other console error counts
      browser = await openBrowser({ width: 1366, provoked: /status of 400/ });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    /** how far the page, or the users table, reaches past the right edge of the window */
    const overflow = () =>
      page.evaluate(() => {
        const table = document.querySelector('table.data-table');
        const right = table ? Math.ceil(table.getBoundingClientRect().right) : 0;
        return Math.max(document.documentElement.scrollWidth, right) - window.innerWidth;
      });

    for (const lang of ['ja', 'en'] as const)
      for (const width of [1366, 375]) {
        it(`${lang} at ${width} px: the table fits; hold minutes, approver and 送信確認 saved from 編集`, async () => {
          const w = WORDS[lang];
          await inst.sekisho.store.db
            .updateTable('users')
            .set({ hold_minutes: null, confirm_off: 0, approver_email: null })
            .where('email', '=', USER)
            .execute();
          inst.sekisho.store.directory.forget();
          await page.setViewportSize({ width, height: 900 });
          await logIn(page, { baseUrl: http, user: ADMIN, password: PASSWORD, lang });
          await page.goto(`${http}/console/#users`);
          await page.getByTestId(`sending-${USER}`).getByText(w.policy).waitFor();
          assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
          await page.screenshot({ path: join(shots, `list-${lang}-${width}.png`), fullPage: true }).catch(() => {});

          const row = page.locator('tr', { has: page.getByTestId(`status-${USER}`) });
          await row.getByRole('button', { name: w.edit }).click();
          const form = page.getByRole('form', { name: w.form });
          await form.waitFor();
          assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen with the settings open`);
          await page.screenshot({ path: join(shots, `settings-${lang}-${width}.png`), fullPage: true }).catch(() => {});
          await form.getByLabel(w.approver).fill('nobody@acme.example');
          await form.getByLabel(w.hold).fill('10');
          await form.getByLabel(w.confirm).selectOption('off');
          await form.getByRole('button', { name: w.save }).click();
          const refused = page.locator('.msg.err');
          await refused.waitFor();
          assert.equal((await refused.innerText()).trim(), w.noApprover);
          assert.equal((await inst.sekisho.store.userByEmail(USER))!.hold_minutes, null, 'nothing saved');

          await form.getByLabel(w.approver).fill(BOSS);
          await form.getByRole('button', { name: w.save }).click();
          await page.getByText(w.saved).waitFor();
          await page.getByTestId(`sending-${USER}`).getByText(w.summary).waitFor();
          const u = (await inst.sekisho.store.userByEmail(USER))!;
          assert.deepEqual([u.hold_minutes, u.confirm_off, u.approver_email], [10, 1, BOSS]);
          assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
          await page.screenshot({ path: join(shots, `saved-${lang}-${width}.png`), fullPage: true }).catch(() => {});
          assert.deepEqual(errors, []);
        });
      }
  });
}
