// The users page in real Chromium on SQLite and PostgreSQL, in Japanese at 375 px and English at
// 1366 px: search by department finds the right people with the total shown; 次へ pages on; a CSV
// with three bad rows lists all three at once in the viewer's language and imports nothing; no
// browser console errors besides the import's deliberate 400.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';

const ADMIN = 'admin@acme.example';
const BAD_CSV = [
  'address,password,role,approver,name,department',
  'ok1@acme.example,,user,,新人 一郎,営業部',
  'not-an-address,,user',
  'ok2@acme.example,,boss',
  'ok3@elsewhere.example,,user',
].join('\n');

for (const kind of backends()) {
  describe(`users search and CSV import in chromium on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'users-search', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const hash = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(inst.tenantId, [{ email: ADMIN, passwordHash: hash, role: 'admin' }], 'test');
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        Array.from({ length: 120 }, (_, i) => ({
          email: `s${String(i).padStart(3, '0')}@acme.example`,
          passwordHash: null,
          role: 'user' as const,
          name: `社員 ${i}`,
          department: i % 2 ? '経理部' : '営業部',
        })),
        'test',
      );
      // the import of the bad file is answered 400 on purpose; any other console error counts
      browser = await openBrowser({ width: 375, height: 800, provoked: /status of 400/ });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    for (const [lang, width, words] of [
      [
        'ja',
        375,
        {
          search: '検索',
          next: '次へ',
          count: '60人中 50人を表示',
          page2: '60人中 10人を表示',
          all: '122人中 50人を表示',
          line: ['3行目:', '4行目:', '5行目:'],
          bad: '「not-an-address」はメールアドレスではありません。',
        },
      ],
      [
        'en',
        1366,
        {
          search: 'Search',
          next: 'Next',
          count: 'Showing 50 of 60 users',
          page2: 'Showing 10 of 60 users',
          all: 'Showing 50 of 122 users',
          line: ['Line 3:', 'Line 4:', 'Line 5:'],
          bad: '"not-an-address" is not an email address.',
        },
      ],
    ] as const) {
      it(`${lang} at ${width} px: search, paging, and three bad CSV rows at once`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await logIn(page, { baseUrl: http, user: ADMIN, password: PASSWORD, lang });
        await page.goto(`${http}/console/#users`);
        await page.getByTestId('users-count').getByText(words.all).waitFor();

        await page.getByRole('searchbox').fill(lang === 'ja' ? '営業' : '営業部');
        await page.getByRole('search').getByRole('button', { name: words.search }).click();
        await page.getByTestId('users-count').getByText(words.count).waitFor();
        await page.getByRole('button', { name: words.next }).click();
        await page.getByTestId('users-count').getByText(words.page2).waitFor();
        assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
        await page.screenshot({ path: join(shots, `search-${lang}-${width}.png`), fullPage: true }).catch(() => {});

        await page.locator('textarea[name=csv]').fill(BAD_CSV);
        await page
          .locator('form', { has: page.locator('textarea[name=csv]') })
          .locator('button[type=submit]')
          .click();
        const list = page.getByTestId('csv-errors');
        await list.waitFor();
        const items = await list.locator('li').allInnerTexts();
        assert.equal(items.length, 3, items.join('\n'));
        for (const [i, text] of items.entries()) assert.ok(text.startsWith(words.line[i]!), text);
        assert.equal(items[0]!.slice(words.line[0].length).trim(), words.bad);
        if (lang === 'ja')
          for (const text of items)
            assert.doesNotMatch(text.replace(/[\w.@-]+@[\w.-]+|not-an-address|boss|admin|approver|user/g, ''), /[A-Za-z]/, text);
        assert.equal(await inst.sekisho.store.userByEmail('ok1@acme.example'), undefined, 'nothing imported');
        assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
        await page.screenshot({ path: join(shots, `csv-errors-${lang}-${width}.png`), fullPage: true }).catch(() => {});
        assert.deepEqual(errors, []);
      });
    }
  });
}
