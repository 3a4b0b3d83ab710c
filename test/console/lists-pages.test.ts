// メール検索 and 隔離 in real Chromium on SQLite and PostgreSQL, in Japanese at 375 px and English at
// 1366 px, with mail over SMTP. Search: received mail that was delivered reads 配送済み, sent mail
// 送信済み; Sekisho's notices appear only with the checkbox; the rule is picked from a list; the
// count reads 1–n件 / 全n件; a backwards date range shows the error in words, not "no results".
// Quarantine: the CEO's display name beside the address; a user's bulk release asks first, names
// how many and the one they cannot release, and releases the other; an admin filters by reason and
// bulk-deletes after a question naming how many. No browser console errors.
// Screenshots: test-output/screenshots/lists/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, USER, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { hashPassword } from '../../src/util/password.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { sendRaw, waitUntil } from '../inbound/shield-helpers.ts';
import { mail, submit } from '../outbound/harness.ts';
import { exeMail } from '../inbound/release-mail.ts';
import { ADMIN, CEO_NAME, ceoSpam, HANAKO, inboundMail, POLICY } from './lists-mail.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const WORDS = {
  ja: {
    delivered: '配送済み',
    sent: '送信済み',
    notice: 'システム通知',
    showNotices: 'システム通知も表示',
    search: '検索',
    rule: 'ルール',
    oneOfOne: '1–1件 / 全1件',
    badRange: '終了日は開始日より後の日付にしてください。',
    none: '該当するメールはありません。',
    filter: '絞り込む',
    reason: '隔離の理由',
    dangerous: '危険な添付ファイル',
    bulkRelease: '選択したメールを隔離解除',
    bulkDelete: '選択したメールを削除',
    releaseAsk: '選択した2件のメールの隔離を解除して受信者に配送しますか？',
    release: '隔離解除',
    delete: '削除',
    released: '1件の隔離を解除しました。',
    deleteAsk: '選択した2件のメールを削除しますか？元に戻せません。',
    deleted: '2件を削除しました。',
    qNone: '条件に合う隔離中のメールはありません。',
  },
  en: {
    delivered: 'Delivered',
    sent: 'Sent',
    notice: 'System notice',
    showNotices: 'Also show system notices',
    search: 'Search',
    rule: 'Rule',
    oneOfOne: '1–1 of 1',
    badRange: 'The end date must be after the start date.',
    none: 'No matching mail.',
    filter: 'Filter',
    reason: 'Reason',
    dangerous: 'Dangerous attachment',
    bulkRelease: 'Release selected',
    bulkDelete: 'Delete selected',
    releaseAsk: 'Release the 2 selected messages and deliver them to their recipients?',
    release: 'Release',
    delete: 'Delete',
    released: 'Released 1.',
    deleteAsk: 'Delete the 2 selected messages? This cannot be undone.',
    deleted: 'Deleted 2.',
    qNone: 'No quarantined mail matches.',
  },
} as const;

for (const kind of backends()) {
  describe(`message search and quarantine pages in chromium on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let http: string;
    let browser: OpenBrowser;
    let page: Page;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'lists', kind);

    const queued = async (raw: Buffer, to: string) => {
      const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom: 'x@sender.test', to: [to] });
      const id = /queued as (\S+)/.exec(reply.text)?.[1];
      assert.ok(id, reply.text);
      return id;
    };
    const state = (id: string, want: string) =>
      waitUntil(async () => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state === want || undefined, `${id} ${want}`);

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, pollIntervalMs: 50 }, { inboundRoute: sink.url });
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const store = inst.sekisho.store;
      assert.ok((await applyPolicy(store, inst.tenantId, POLICY, 'test')).ok);
      await updateSettings(store, inst.tenantId, { selfRelease: true }, 'test');
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(
        inst.tenantId,
        [
          { email: ADMIN, passwordHash: pw, role: 'admin' },
          { email: HANAKO, passwordHash: pw, role: 'user' },
        ],
        'test',
      );
      const h = { inst, sink, http, stop: async () => {} };
      const out = await submit(h, mail('PAGES outbound'), { to: ['partner@example.net'] });
      await submit(h, mail('PAGES HOLDMANUAL'), { to: ['partner@example.net'] });
      await assert.rejects(submit(h, mail('PAGES BLOCKME'), { to: ['partner@example.net'] }), /550/);
      const inbound = await queued(inboundMail('PAGES inbound', USER), USER);
      inst.sekisho.worker.wake();
      await state(out, 'delivered');
      await state(inbound, 'delivered');
      await waitUntil(
        async () =>
          (await store.db.selectFrom('messages').select('id').where('submitted_by', '=', 'system').executeTakeFirst()) ?? undefined,
        'the block notice',
      );
      mkdirSync(shots, { recursive: true });
      // the backwards date range is answered 400 on purpose; any other console error counts
      browser = await openBrowser({ width: 1366, provoked: /status of 400/ });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
      await sink.close();
    });

    const loginAs = async (email: string, lang: 'ja' | 'en') => {
      await logIn(page, { baseUrl: http, user: email, password: PASSWORD, lang });
    };
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const shot = async (name: string, lang: string, width: number) => {
      if (width === 375) assert.ok((await overflow()) <= 1, `${name}: ${await overflow()}px wider than the screen`);
      await page.screenshot({ path: join(shots, `${name}-${lang}-${width}.png`), fullPage: true });
    };
    const row = (text: string) => page.locator('table.data-table tbody tr', { hasText: text });

    for (const [lang, width] of [
      ['ja', 375],
      ['en', 1366],
    ] as const) {
      const w = WORDS[lang];
      it(`${lang} at ${width} px: メール検索 — directions, notices, the rule list, the count, an error apart from no results`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await loginAs(ADMIN, lang);
        await page.goto(`${http}/console/#messages`);
        await page.getByTestId('search-count').waitFor();
        assert.equal(await row('PAGES inbound').locator('.badge.b-delivered').innerText(), w.delivered);
        assert.equal(await row('PAGES outbound').locator('.badge.b-delivered').innerText(), w.sent);
        assert.equal(await page.getByText(w.notice, { exact: true }).count(), 0, 'notices are hidden by default');
        await page.getByLabel(w.showNotices).check();
        await page.getByRole('button', { name: w.search, exact: true }).click();
        await page.locator('table.data-table').getByText(w.notice, { exact: true }).first().waitFor();
        await shot('search-notices', lang, width);

        await page.getByLabel(w.showNotices).uncheck();
        await page.getByLabel(w.rule).selectOption('Manual hold');
        await page.getByRole('button', { name: w.search, exact: true }).click();
        await page.getByTestId('search-count').getByText(w.oneOfOne).waitFor();
        assert.ok(await row('PAGES HOLDMANUAL').isVisible());
        await shot('search-rule', lang, width);

        await page.fill('input[name=from]', '2026-06-02');
        await page.fill('input[name=to]', '2026-06-01');
        await page.getByRole('button', { name: w.search, exact: true }).click();
        await page.getByText(w.badRange).waitFor();
        assert.equal(await page.getByText(w.none).count(), 0, 'an error is not "no results"');
        await shot('search-error', lang, width);
        await page.fill('input[name=from]', '2000-01-01');
        await page.fill('input[name=to]', '2000-01-02');
        await page.getByRole('button', { name: w.search, exact: true }).click();
        await page.getByText(w.none).waitFor();
        assert.equal(await page.getByText(w.badRange).count(), 0);
        assert.deepEqual(errors, []);
      });

      const what = "the display name, a user's bulk release within the rules, an admin's filter and bulk delete";
      it(`${lang} at ${width} px: 隔離 — ${what}`, async () => {
        const tag = `Q-${lang}`;
        const spam = await queued(ceoSpam(HANAKO, `${tag} 至急の振込`), HANAKO);
        const exe = await queued(exeMail(`${tag} 請求書`), HANAKO);
        const other = await queued(ceoSpam(USER, `${tag} other`), USER);
        for (const id of [spam, exe, other]) await state(id, 'quarantined');
        await page.setViewportSize({ width, height: 900 });

        await loginAs(HANAKO, lang);
        await page.goto(`${http}/console/#quarantine`);
        await page.fill('input[name=search]', tag);
        await page.getByRole('button', { name: w.filter }).click();
        await row(`${tag} 請求書`).waitFor();
        assert.equal(await page.locator('table.data-table tbody tr').count(), 2);
        assert.ok(await row(`${tag} 至急の振込`).getByText(CEO_NAME).isVisible(), 'the display name is shown, decoded');
        assert.ok(await row(`${tag} 至急の振込`).getByText('ceo@lookalike.test').isVisible());
        for (const c of await page.locator('input[name=select]').all()) await c.check();
        await page.getByRole('button', { name: w.bulkRelease }).click();
        const dialog = page.locator('dialog[open]');
        await dialog.getByText(w.releaseAsk).waitFor();
        assert.match(await dialog.getByTestId('bulk-skip').innerText(), new RegExp(`${tag} 請求書`));
        assert.doesNotMatch(await dialog.getByTestId('bulk-skip').innerText(), /至急の振込/);
        await shot('quarantine-bulk-ask', lang, width);
        await dialog.getByRole('button', { name: w.release, exact: true }).click();
        await page.getByText(w.released).waitFor();
        await waitUntil(
          async () => (await inst.sekisho.store.message(exe, ALL_TENANTS))?.state === 'quarantined' || undefined,
          'exe stays',
        );
        const released = (await inst.sekisho.store.events(spam)).find((e) => e.type === 'quarantine.released');
        assert.equal(released?.actor, HANAKO);

        await loginAs(ADMIN, lang);
        await page.goto(`${http}/console/#quarantine`);
        await page.fill('input[name=search]', tag);
        await page.getByLabel(w.reason).selectOption({ label: w.dangerous });
        await page.getByRole('button', { name: w.filter }).click();
        await page.locator('table.data-table tbody tr').first().waitFor();
        await waitUntil(async () => ((await page.locator('table.data-table tbody tr').count()) === 1 ? true : undefined), 'one row');
        assert.ok(await row(`${tag} 請求書`).getByText(w.dangerous).isVisible());
        assert.equal(await page.getByTestId('quarantine-count').innerText(), w.oneOfOne, 'the count, as on the search page');
        await page.getByLabel(w.reason).selectOption('');
        await page.getByRole('button', { name: w.filter }).click();
        await row(`${tag} other`).waitFor();
        await shot('quarantine-admin', lang, width);
        for (const c of await page.locator('input[name=select]').all()) await c.check();
        await page.getByRole('button', { name: w.bulkDelete }).click();
        await dialog.getByText(w.deleteAsk).waitFor();
        await dialog.getByRole('button', { name: w.delete, exact: true }).click();
        await page.getByText(w.deleted).waitFor();
        await page.getByText(w.qNone).waitFor();
        for (const id of [exe, other]) assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'deleted');
        await shot('quarantine-deleted', lang, width);
        assert.deepEqual(errors, []);
      });
    }
  });
}
