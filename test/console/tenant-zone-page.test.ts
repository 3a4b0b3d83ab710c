// テナント設定 in Chromium (ja at 375 px, en at 1366 px) on SQLite and PostgreSQL: an admin reads
// the users list (a fixed 登録日 shown in Tokyo time), changes the tenant's time zone to
// Europe/Berlin in the settings form — a name that is no zone is refused as it is typed, in the
// viewer's language — and the same event is now shown in Berlin time, with no console errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { setTenantProfile } from '../../src/users/tenant-profile.ts';

const ADMIN = 'admin@acme.example';
/** when taro's account was made, as the users page says: Thu 3 Dec 2026 22:34 UTC */
const CREATED = Date.UTC(2026, 11, 3, 22, 34);
const SHOWN = {
  ja: { tokyo: '2026年12月4日(金) 07:34', berlin: '2026年12月3日(木) 23:34' },
  en: { tokyo: 'Fri 4 Dec 2026 07:34 (GMT+9)', berlin: 'Thu 3 Dec 2026 23:34 (GMT+1)' },
};
const WORDS = {
  ja: { nav: 'テナント設定', saved: '保存しました。', invalid: 'タイムゾーン名が正しくありません', now: '現在の時刻', edit: '編集' },
  en: { nav: 'Tenant settings', saved: 'Saved.', invalid: 'This is not a time zone name', now: 'Time now', edit: 'Edit' },
};

for (const kind of backends()) {
  describe(`tenant time zone form on ${kind}`, () => {
    let inst: TestInstance;
    let http: string;
    let browser: OpenBrowser;
    let page: Page;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'tenant-zone', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const store = inst.sekisho.store;
      await store.createUsers(inst.tenantId, [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }], 'test');
      await store.db.updateTable('users').set({ created_at: CREATED }).where('email', '=', USER).execute();
      browser = await openBrowser({ width: 1366, timezoneId: 'America/Los_Angeles' });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    for (const [lang, width] of [
      ['ja', 375],
      ['en', 1366],
    ] as const) {
      it(`${lang} at ${width} px: changing the zone in the form changes the times on the users page`, async () => {
        // the user's registration time is shown in their settings under the row (編集)
        const openUserSettings = async () => {
          await page.goto(`${http}/console/#users`);
          const row = page.locator('tr', { has: page.getByTestId(`status-${USER}`) });
          await row.getByRole('button', { name: WORDS[lang].edit }).click();
        };
        const store = inst.sekisho.store;
        await setTenantProfile(store, (await store.tenantById(inst.tenantId))!, { timeZone: 'Asia/Tokyo' }, 'test');
        await page.setViewportSize({ width, height: 900 });
        await logIn(page, { baseUrl: http, user: ADMIN, password: PASSWORD, lang });

        await openUserSettings();
        await page.getByText(SHOWN[lang].tokyo).first().waitFor();
        assert.equal(await page.getByText(SHOWN[lang].berlin).count(), 0);

        await page.goto(`${http}/console/#settings`);
        const zone = page.getByTestId('time-zone');
        await zone.waitFor();
        assert.equal(await zone.inputValue(), 'Asia/Tokyo');
        await zone.fill('Berlin');
        await page.getByTestId('zone-hint').getByText(WORDS[lang].invalid).waitFor();
        assert.equal(await page.getByTestId('save-profile').isDisabled(), true, 'an unknown zone cannot be saved');
        await zone.fill('Europe/Berlin');
        await page.getByTestId('zone-hint').getByText(WORDS[lang].now).waitFor();
        await page.getByTestId('display-name').fill('株式会社アクメ');
        await page.getByTestId('save-profile').click();
        await page.getByText(WORDS[lang].saved).waitFor();
        await page.screenshot({ path: join(shots, `settings-${lang}-${width}.png`), fullPage: true }).catch(() => {});
        const saved = (await store.tenantById(inst.tenantId))!;
        assert.equal(JSON.parse(saved.settings).timeZone, 'Europe/Berlin');

        await openUserSettings();
        await page.getByText(SHOWN[lang].berlin).first().waitFor();
        assert.equal(await page.getByText(SHOWN[lang].tokyo).count(), 0, 'no Tokyo time left');
        await page.screenshot({ path: join(shots, `users-${lang}-${width}.png`), fullPage: true }).catch(() => {});
        if (width === 1366)
          assert.equal(await page.locator('.tenant-name').textContent(), '株式会社アクメ', 'the display name in the header');
        assert.deepEqual(errors, []);
      });
    }
  });
}
