// The audit log screen in real Chromium (Debian /usr/bin/chromium), as a Japanese and an English
// admin, at 1366 px and 375 px, over SQLite and PostgreSQL, with a blocked attempt made over SMTP:
// the dashboard's 送信ブロック count opens the filtered list; filtering to 送信ブロック shows the
// attempt in words; Export CSV downloads a file that parses as RFC 4180 with a BOM, the header in
// the viewer's language and Japanese intact; the browser console logs no error.
// Screenshots: test-output/screenshots/audit/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openConsole, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { parseCsv } from '../helpers/csv.ts';
import { hashPassword } from '../../src/util/password.ts';
import { mail, startHarness, submit, type Harness } from '../outbound/harness.ts';

const SUBJECT = '顧客リスト BLOCKME';
const encoded = `=?UTF-8?B?${Buffer.from(SUBJECT).toString('base64')}?=`;

for (const kind of backends()) {
  describe(`audit page in chromium on ${kind}`, () => {
    let h: Harness;
    let browser: OpenBrowser;
    let page: Page;
    let consoleErrors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'audit', kind);

    before(async () => {
      h = await startHarness(kind);
      const pw = await hashPassword(PASSWORD);
      await h.inst.sekisho.store.createUsers(h.inst.tenantId, [{ email: 'admin@acme.example', passwordHash: pw, role: 'admin' }], 'test');
      await assert.rejects(submit(h, mail(encoded, { to: 'list@gmail.com' }), { to: ['list@gmail.com'] }), /550/);
      await submit(h, mail('HOLDMANUAL 見積書'), { to: ['partner@example.net'] });
      mkdirSync(shots, { recursive: true });
      browser = await openConsole({ baseUrl: h.http, user: 'admin@acme.example', password: PASSWORD, width: 1366, acceptDownloads: true });
      ({ page, errors: consoleErrors } = browser);
    });
    after(async () => {
      await browser?.close();
      await h.stop();
    });

    const settled = () => page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') && !!document.querySelector('main h2'));

    for (const lang of ['ja', 'en'] as const) {
      it(`${lang}: the dashboard count opens 送信ブロック; the filter shows the attempt in words; CSV exports`, async () => {
        await page.setViewportSize({ width: 1366, height: 900 });
        await page.evaluate((l) => localStorage.setItem('sekisho.lang', l), lang);
        await page.goto(`${h.http}/console/#dashboard`);
        await page.reload();
        await settled();
        await page.getByTestId('dash-blocked').click();
        await page.getByTestId('audit-table').waitFor();
        assert.match(page.url(), /#audit\/blocked$/);
        const rows = page.locator('[data-testid=audit-table] tbody tr');
        assert.equal(await rows.count(), 1);
        const row = (await rows.first().innerText()).replace(/\s+/g, ' ');
        if (lang === 'ja') {
          assert.match(row, /送信ブロック/);
          assert.match(row, /ルール：Block secrets/);
          assert.match(row, /宛先：list@gmail\.com/);
          assert.match(await page.getByTestId('audit-count').innerText(), /1件中 1件を表示/);
        } else {
          assert.match(row, /Blocked/);
          assert.match(row, /Recipients?: list@gmail\.com/);
          assert.match(await page.getByTestId('audit-count').innerText(), /Showing 1 of 1/);
        }
        assert.match(row, new RegExp(USER.replace('.', '\\.')));
        assert.match(row, /顧客リスト/);
        await page.screenshot({ path: join(shots, `audit-${lang}-1366.png`), fullPage: true });

        // all groups, then 送信ブロック again through the form
        await page.selectOption('select[name=type]', '');
        await page.click('form.filters button[type=submit]');
        await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table] tbody tr').length > 1);
        await page.selectOption('select[name=type]', 'blocked');
        await page.click('form.filters button[type=submit]');
        await page.waitForFunction(() => document.querySelectorAll('[data-testid=audit-table] tbody tr').length === 1);

        const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
        assert.match(download.suggestedFilename(), /^sekisho-audit-\d{4}-\d{2}-\d{2}\.csv$/);
        const bytes = readFileSync((await download.path())!);
        assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM');
        const csv = parseCsv(bytes.subarray(3).toString('utf8'));
        assert.equal(csv[0]![0], lang === 'ja' ? '日時' : 'Time');
        assert.equal(csv.length, 2, 'the header and the one blocked attempt (the filter applies to the file)');
        assert.equal(csv[1]![5], SUBJECT, 'Japanese intact');
        assert.equal(csv[1]![2], lang === 'ja' ? '送信ブロック' : 'Blocked');

        // no results is its own state, not an empty table or an error
        await page.fill('input[name=q]', 'nothing-matches-this');
        await page.click('form.filters button[type=submit]');
        await page.getByTestId('audit-none').waitFor();

        await page.setViewportSize({ width: 375, height: 800 });
        await page.fill('input[name=q]', '');
        await page.click('form.filters button[type=submit]');
        await page.getByTestId('audit-table').waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${overflow}px wider than a phone`);
        await page.screenshot({ path: join(shots, `audit-${lang}-375.png`), fullPage: true });
      });
    }

    it('a row links to its message', async () => {
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.goto(`${h.http}/console/#audit/held`);
      await page.reload();
      await page.getByTestId('audit-table').waitFor();
      await page.locator('[data-testid=audit-table] tbody tr[data-type=held] a').first().click();
      await page.waitForFunction(() => /#messages\/[0-9A-Z]{26}/.test(location.hash));
      await settled();
    });

    it('the browser console logged no error', () => {
      assert.deepEqual(consoleErrors, []);
    });
  });
}
