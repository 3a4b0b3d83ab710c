// The Webhook page in real Chromium on SQLite and PostgreSQL, in Japanese at 375 px and English at
// 1366 px, with a real receiver on loopback: an admin adds a webhook (URL and events picked), sees
// its secret once, sends a test that shows as delivered with its time in the viewer's format,
// turns it off, and removes it only after saying yes (no first). No horizontal scrolling at 375 px,
// no English codes on the Japanese page, no browser console errors, every answer as published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { answerChecker } from './openapi-check.ts';

const ADMIN = 'admin@acme.example';

const WORDS = {
  ja: {
    add: 'Webhookを追加',
    held: '保留',
    quarantined: '隔離',
    secret: '二度と表示されません',
    test: 'テスト送信',
    delivered: '送信済み',
    refresh: '最新の状態に更新',
    answered: '応答コード 200',
    disable: '停止',
    off: '停止中',
    remove: '削除',
    back: '戻る',
    removed: 'Webhookを削除しました。',
    time: /\d{4}年\d{1,2}月\d{1,2}日\(.\) \d{2}:\d{2}/,
  },
  en: {
    add: 'Add a webhook',
    held: 'Held',
    quarantined: 'Quarantined',
    secret: 'not shown again',
    test: 'Send a test',
    delivered: 'Delivered',
    refresh: 'Refresh',
    answered: 'HTTP 200',
    disable: 'Turn off',
    off: 'Off',
    remove: 'Remove',
    back: 'Back',
    removed: 'Webhook removed.',
    time: /[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}/,
  },
} as const;

for (const kind of backends()) {
  describe(`webhooks page in chromium on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let receiver: Server;
    let receiverUrl: string;
    let received = 0;
    let errors: string[] = [];
    const badAnswers: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'webhooks', kind);

    before(async () => {
      receiver = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          received++;
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      inst = await startInstance(kind, { webhookPollMs: 50, webhookRetryBase: '50ms', webhookAllowPrivateTargets: true });
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      browser = await openBrowser({ width: 375, height: 800 });
      ({ page, errors } = browser);
      // every answer the page receives matches the published schema (the console's types come from it)
      const check = answerChecker();
      page.on('response', async (r) => {
        if (!new URL(r.url()).pathname.startsWith('/api/') || r.status() !== 200) return;
        try {
          badAnswers.push(...check(r.request().method(), r.url(), await r.json()));
        } catch {
          // the page moved on: nothing to check
        }
      });
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
      receiver.close();
    });

    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    for (const [lang, width] of [
      ['ja', 375],
      ['en', 1366],
    ] as const) {
      it(`${lang} at ${width} px: add, see the secret once, test, turn off, remove after asking`, async () => {
        const w = WORDS[lang];
        await page.setViewportSize({ width, height: 900 });
        await logIn(page, { baseUrl: http, user: ADMIN, password: PASSWORD, lang });
        await page.goto(`${http}/console/#webhooks`);

        const url = `${receiverUrl}-${lang}`;
        await page.fill('input[name=url]', url);
        await page.getByRole('checkbox', { name: w.held, exact: true }).check();
        await page.getByRole('checkbox', { name: w.quarantined, exact: true }).check();
        await page.getByRole('button', { name: w.add }).click();
        const secret = page.getByTestId('webhook-secret');
        await secret.getByText(w.secret).waitFor();
        assert.match(await secret.locator('code').innerText(), /^whsec_/);

        const row = page.getByRole('row').filter({ hasText: url }).first();
        const before = received;
        await row.getByRole('button', { name: w.test }).click();
        const deliveredCell = page.locator('[data-testid^="delivery-"]', { hasText: w.delivered }).first();
        for (let i = 0; i < 100 && !(await deliveredCell.isVisible()); i++) {
          await page.getByRole('button', { name: w.refresh }).click();
          await page.waitForTimeout(100);
        }
        await deliveredCell.waitFor();
        assert.ok(received > before, 'the receiver got the test');
        const deliveryRow = page.getByRole('row').filter({ has: deliveredCell }).first();
        assert.match(await deliveryRow.innerText(), w.answered === 'HTTP 200' ? /HTTP 200/ : /応答コード 200/);
        assert.match(await deliveryRow.innerText(), w.time);
        if (width === 375) assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
        await page.screenshot({ path: join(shots, `webhooks-${lang}-${width}.png`), fullPage: true }).catch(() => {});

        if (lang === 'ja') {
          const text = await page.locator('main section').first().innerText();
          const rest = text
            .replace(/https?:\/\/\S+/g, '')
            .replace(/whsec_\S+/g, '')
            .replace(/Webhook|URL/g, '');
          assert.doesNotMatch(rest, /[A-Za-z]/, rest);
          assert.doesNotMatch(text, /UTC|\{"/);
        }

        await row.getByRole('button', { name: w.disable, exact: true }).click();
        await row.getByText(w.off, { exact: true }).waitFor();

        // removing asks first: "back" keeps it, yes removes it
        await row.getByRole('button', { name: w.remove }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await dialog.getByRole('button', { name: w.back }).click();
        await dialog.waitFor({ state: 'detached' });
        assert.equal(await row.isVisible(), true);
        await row.getByRole('button', { name: w.remove }).click();
        await page.getByRole('dialog').getByRole('button', { name: w.remove }).click();
        await page.getByText(w.removed).waitFor();
        // the lists reload after the notice: wait for its row (and its deliveries' rows) to go
        await page.getByRole('row').filter({ hasText: url }).first().waitFor({ state: 'detached' });
        const rows = await inst.sekisho.store.db.selectFrom('webhooks').selectAll().execute();
        assert.equal(rows.length, 0);
        assert.deepEqual(errors, []);
        assert.deepEqual(badAnswers, []);
      });
    }
  });
}
