// Every console page in real Chromium, as a Japanese and an English admin (and the operator's
// tenant list), at 1366 px and at 375 px (a phone), over SQLite and PostgreSQL, with mail
// submitted over SMTP. On each page: a screenshot (test-output/screenshots/pages/), Japanese
// screens show no English codes or raw JSON, English screens no Japanese (but names), every input
// has an accessible name, text meets AA contrast, the base font is 14 px, a favicon is named and
// served, a row that opens something is reached with Tab and opened with Enter, and at 375 px
// nothing is wider than the screen, the navigation is folded and tables are lists. Across the
// walk: the browser console logs no error and every API answer matches the published OpenAPI
// schema. Also: an operator's tenant survives a reload and a deep link, and 送信取り消し asks
// first in the console's own dialog.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, signOut, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { addOperator } from '../../src/console/operators.ts';
import { mail, startHarness, submit, waitState, type Harness } from '../outbound/harness.ts';
import { answerChecker } from './openapi-check.ts';
import { runRetention } from '../../src/retention/retention-run.ts';
import { blobStoreFor } from '../../src/blob/blob-store-for.ts';
import ja from '../../console/src/i18n/ja.json' with { type: 'json' };
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const ADMIN_PAGES = [
  'dashboard',
  'audit',
  'held',
  'sent',
  'approvals',
  'quarantine',
  'messages',
  'policy',
  'users',
  'domains',
  'webhooks',
  'settings',
  'security',
];
/** the pages a plain user has */
const USER_PAGES = ['held', 'sent', 'quarantine', 'security'];
/** Tab presses allowed to reach the first row that opens something (past the header and filters) */
const MAX_TABS = 120;
const WIDTHS = [1366, 375];

/** English codes that must not reach a Japanese screen: states, action names, event types, JSON. */
const EVENT_CODES = Object.keys(ja)
  .filter((k) => k.startsWith('ev.') && k !== 'ev.other')
  .map((k) => k.slice(3))
  .filter((code) => /[._-]/.test(code));
const DENY: RegExp[] = [
  /\b[a-z]+_[a-z_]+\b/, // awaiting_approval, held_for_sandbox, totp_required
  /\b(webDownload|zipEncrypt|subjectTag|addBcc|stripAttachments|onTimeout|matchedRules|expiresDays|countAtLeast|passwordTo)\b/,
  /\b(held|queued|delivering|delivered|deferred|bounced|discarded|cancelled|blocked|quarantined|approved|rejected|released)\b/,
  /\b(enforce|manual|auto|outbound|inbound|sender|recipients)\b/,
  /[{}]|":/, // raw JSON
];
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]/;

for (const kind of backends()) {
  describe(`console pages in chromium on ${kind}`, () => {
    let h: Harness;
    let browser: OpenBrowser;
    let page: Page;
    let consoleErrors: string[] = [];
    const badAnswers: string[] = [];
    const ids: Record<string, string> = {};
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'pages', kind);

    before(async () => {
      h = await startHarness(kind);
      const store = h.inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(h.inst.tenantId, [{ email: 'admin@acme.example', passwordHash: pw, role: 'admin' }], 'test');
      await addOperator(store, 'ops@sekisho.example', pw, 'test');
      ids.held = await submit(h, mail('HOLDMANUAL 見積書の送付'), { to: ['partner@example.net'] });
      ids.cancel = await submit(h, mail('HOLDMANUAL 取り消すメール'), { to: ['partner@example.net'] });
      ids.confirm = await submit(h, mail('CONFIRMME 請求書'), { to: ['partner@example.net'] });
      ids.approve = await submit(h, mail('APPROVE 契約書ドラフト'), { to: ['partner@example.net'] });
      ids.sent = await submit(h, mail('TAGME 議事録'), { to: ['partner@example.net'] });
      ids.globex = await submit(
        h,
        mail('globex の見積もり', { from: 'eve@globex.example' }),
        { to: ['partner@example.net'] },
        'eve@globex.example',
      );
      await waitState(h, ids.sent, 'delivered');
      mkdirSync(shots, { recursive: true });
      browser = await openBrowser({ width: 1366 });
      ({ page, errors: consoleErrors } = browser);
      const check = answerChecker();
      page.on('response', async (r) => {
        if (!new URL(r.url()).pathname.startsWith('/api/') || r.status() !== 200) return;
        try {
          badAnswers.push(...check(r.request().method(), r.url(), await r.json()));
        } catch {
          // a page that navigated away drops its answers; nothing to check
        }
      });
    });
    after(async () => {
      await browser?.close();
      await h.stop();
    });

    async function login(email: string) {
      await logIn(page, { baseUrl: h.http, user: email, password: PASSWORD });
    }

    /** waitForURL that, when it times out, says where the page is instead (a failure seen once in CI, 5 Dec). */
    async function waitForUrl(pattern: RegExp) {
      try {
        await page.waitForURL(pattern, { timeout: 15_000 });
      } catch (err) {
        const where = await page
          .evaluate(() => ({
            url: location.href,
            tenant: localStorage.getItem('sekisho.tenant'),
            heading: document.querySelector('main h2, form.login')?.textContent ?? null,
            chooser: [...document.querySelectorAll('[data-testid=tenant] option')].map((o) => (o as HTMLOptionElement).value),
          }))
          .catch((e) => ({ unreadable: String(e) }));
        throw new Error(`the URL did not match ${pattern}: ${JSON.stringify(where)}`, { cause: err });
      }
    }

    async function switchTo(lang: 'ja' | 'en') {
      await page.evaluate((l) => localStorage.setItem('sekisho.lang', l), lang);
      await page.reload();
    }

    async function settled() {
      await page.locator('main h2, form.login').first().waitFor();
      await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    }

    /** The checks every page passes; returns the problems found. */
    async function inspect(lang: 'ja' | 'en', width: number): Promise<string[]> {
      const problems: string[] = [];
      const facts = await page.evaluate(() => {
        const visible = (el: Element) => {
          const r = (el as HTMLElement).getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
        };
        // the accessible name: a label's text, aria-label, the text of aria-labelledby, or a title
        const nameOf = (el: Element) =>
          [
            ...[...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? ''),
            el.getAttribute('aria-label') ?? '',
            ...(el.getAttribute('aria-labelledby') ?? '').split(' ').map((id) => (id && document.getElementById(id)?.textContent) || ''),
            el.getAttribute('title') ?? '',
          ]
            .join('')
            .trim();
        const unlabelled = [...document.querySelectorAll('input, select, textarea')]
          .filter((el) => visible(el) && (el as HTMLInputElement).type !== 'hidden')
          .filter((el) => !nameOf(el))
          .map((el) => el.outerHTML.slice(0, 120));
        // contrast of every visible text against the first opaque background behind it
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]: number[]) => {
          // WCAG relative luminance of one sRGB channel
          const f = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
        };
        const lowContrast: string[] = [];
        for (const el of document.querySelectorAll('body *')) {
          if (el.closest('svg') || !visible(el) || (el as HTMLButtonElement).disabled) continue;
          const text = [...el.childNodes]
            .filter((n) => n.nodeType === 3 && n.textContent!.trim())
            .map((n) => n.textContent!.trim())
            .join(' ');
          if (!text) continue;
          let bg: number[] | null = null;
          for (let p: Element | null = el; p && !bg; p = p.parentElement) {
            const c = rgb(getComputedStyle(p).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3]! >= 0.99)) bg = c.slice(0, 3);
          }
          const fg = lum(rgb(getComputedStyle(el).color));
          const back = lum(bg ?? [255, 255, 255]);
          const ratio = (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
          const size = parseFloat(getComputedStyle(el).fontSize);
          const large = size >= 24 || (size >= 18.66 && Number(getComputedStyle(el).fontWeight) >= 700);
          if (ratio < (large ? 3 : 4.5)) lowContrast.push(`${ratio.toFixed(2)} ${text.slice(0, 40)}`);
        }
        const chrome = [
          ...document.querySelectorAll(
            'nav, h1, h2:not(.subject), h3:not(.subject), th, button:not([data-testid=lang]), label, .msg, dt, .badge, p.muted',
          ),
        ]
          .filter(visible)
          .map((el) => (el as HTMLElement).innerText)
          .join('\n');
        const table = document.querySelector('table.data-table td');
        return {
          // innerText: the text as rendered (hidden parts and form values left out)
          text: document.body.innerText,
          chrome,
          unlabelled,
          lowContrast,
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          navVisible: visible(document.querySelector('nav') ?? document.body),
          hasNav: !!document.querySelector('nav'),
          tdDisplay: table ? getComputedStyle(table).display : null,
          baseFont: getComputedStyle(document.documentElement).fontSize,
          bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
          icon: document.querySelector<HTMLLinkElement>('link[rel~=icon]')?.href ?? null,
        };
      });
      if (lang === 'ja') {
        for (const re of DENY) if (re.test(facts.text)) problems.push(`English code on a Japanese screen: ${facts.text.match(re)![0]}`);
        for (const code of EVENT_CODES) if (facts.text.includes(code)) problems.push(`event code on a Japanese screen: ${code}`);
      } else if (JAPANESE.test(facts.chrome.replaceAll('関所', ''))) {
        problems.push(`Japanese on an English screen: ${facts.chrome.split('\n').find((l) => JAPANESE.test(l.replaceAll('関所', '')))}`);
      }
      if (facts.unlabelled.length) problems.push(`inputs without a label: ${facts.unlabelled.join(' | ')}`);
      if (facts.lowContrast.length) problems.push(`text below AA contrast: ${facts.lowContrast.join(' | ')}`);
      if (facts.baseFont !== '14px') problems.push(`base font ${facts.baseFont}`);
      if (facts.bodyFont < 14) problems.push(`body font ${facts.bodyFont}px`);
      if (!facts.icon) problems.push('no favicon link');
      else problems.push(...(await served(facts.icon)));
      if (width === 375) {
        if (facts.overflow > 1) problems.push(`${facts.overflow}px wider than the screen`);
        if (facts.hasNav && facts.navVisible) problems.push('navigation not folded');
        if (facts.tdDisplay && facts.tdDisplay === 'table-cell') problems.push('table not shown as a list');
      }
      return problems;
    }

    const icons = new Map<string, string[]>();
    /** lang, width and page of every walk where a row was opened from the keyboard */
    const openedByKeyboard = new Set<string>();
    /** The favicon the page names is served as an image; asked once per address. */
    async function served(href: string): Promise<string[]> {
      if (!icons.has(href)) {
        const r = await page.request.get(href);
        const type = r.headers()['content-type'] ?? '';
        icons.set(href, r.status() === 200 && type.startsWith('image/') ? [] : [`favicon ${href}: ${r.status()} ${type}`]);
      }
      return icons.get(href)!;
    }

    /**
     * A keyboard user tabs from the top of the page to the first row that opens something and
     * presses Enter: the row must be reached and must open (the address changes or a preview opens).
     */
    async function rowsByKeyboard(where: string): Promise<string[]> {
      if (!(await page.locator('tr.clickable').count())) return [];
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        window.scrollTo(0, 0);
      });
      for (let i = 0; i < MAX_TABS; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(() => !!document.activeElement?.matches('tr.clickable'))) {
          const before = page.url();
          const expandedBefore = await page.locator('tr.expanded').count();
          await page.keyboard.press('Enter');
          try {
            await page.waitForFunction(
              ([url, n]) => location.href !== url || document.querySelectorAll('tr.expanded').length !== n,
              [before, expandedBefore] as const,
              { timeout: 5000 },
            );
          } catch {
            return ['Enter on a focused row opened nothing'];
          }
          openedByKeyboard.add(where);
          return [];
        }
      }
      return [`no row that opens something reached in ${MAX_TABS} Tab presses`];
    }

    it('an admin walks every page in ja and en at 1366 and 375 px', async () => {
      const problems: string[] = [];
      for (const lang of ['ja', 'en'] as const) {
        await signOut(page);
        await page.goto(`${h.http}/console/`);
        await switchTo(lang);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await settled();
          await page.screenshot({ path: join(shots, `${lang}-${width}-login.png`), fullPage: true });
          problems.push(...(await inspect(lang, width)).map((p) => `${lang} ${width} login: ${p}`));
        }
        await login('admin@acme.example');
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          for (const name of [...ADMIN_PAGES, `messages/${ids.approve}`]) {
            await page.goto(`${h.http}/console/#${name}`);
            await settled();
            if (name === 'policy') await page.getByTestId('policy-rule').first().waitFor(); // the form opens first
            if (name === 'dashboard') await page.locator('svg[role=img]').waitFor();
            const file = name.startsWith('messages/') ? 'message' : name;
            await page.screenshot({ path: join(shots, `${lang}-${width}-${file}.png`), fullPage: true });
            problems.push(...(await inspect(lang, width)).map((p) => `${lang} ${width} ${name}: ${p}`));
            problems.push(...(await rowsByKeyboard(`${lang} ${width} ${name}`)).map((p) => `${lang} ${width} ${name}: ${p}`));
          }
        }
        // a plain user's pages (their own sent mail opens from its row)
        await login(USER);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          for (const name of USER_PAGES) {
            await page.goto(`${h.http}/console/#${name}`);
            await settled();
            await page.screenshot({ path: join(shots, `${lang}-${width}-user-${name}.png`), fullPage: true });
            problems.push(...(await inspect(lang, width)).map((p) => `${lang} ${width} user ${name}: ${p}`));
            const where = `${lang} ${width} user ${name}`;
            problems.push(...(await rowsByKeyboard(where)).map((p) => `${where}: ${p}`));
          }
        }
        // the operator's own page: the tenant list
        await login('ops@sekisho.example');
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${h.http}/console/#tenants`);
          await settled();
          await page.getByTestId('tenant-list').waitFor();
          await page.screenshot({ path: join(shots, `${lang}-${width}-tenants.png`), fullPage: true });
          problems.push(...(await inspect(lang, width)).map((p) => `${lang} ${width} tenants: ${p}`));
          problems.push(...(await rowsByKeyboard(`${lang} ${width} tenants`)).map((p) => `${lang} ${width} tenants: ${p}`));
        }
      }
      assert.deepEqual(problems, []);
      for (const lang of ['ja', 'en']) {
        for (const width of WIDTHS) {
          for (const where of ['messages', 'user sent', 'tenants']) {
            assert.ok(openedByKeyboard.has(`${lang} ${width} ${where}`), `a row on ${where} opened from the keyboard (${lang} ${width})`);
          }
        }
      }
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(badAnswers, []);
    });

    it('a message whose body the retention purge removed says so, in the viewer’s language', async () => {
      const store = h.inst.sekisho.store;
      const old = Date.now() - 40 * 24 * 60 * 60 * 1000;
      await store.db.updateTable('messages').set({ created_at: old }).where('id', '=', ids.sent!).execute();
      const report = await runRetention(store, blobStoreFor({ dataDir: h.inst.db.dataDir }, store), {
        defaults: { bodyDays: 30, metadataDays: 365, auditDays: 1095 },
        tenant: await store.tenantById(h.inst.tenantId),
      });
      assert.equal(report[0]!.bodies, 1);
      await login('admin@acme.example');
      const problems: string[] = [];
      for (const [lang, words] of [
        ['ja', '保存期間を過ぎたため本文は削除されました'],
        ['en', 'The body was deleted when its retention period ended'],
      ] as const) {
        await switchTo(lang);
        for (const width of WIDTHS) {
          await page.setViewportSize({ width, height: 900 });
          await page.goto(`${h.http}/console/#messages/${ids.sent}`);
          await settled();
          assert.match((await page.getByTestId('body-purged').textContent()) ?? '', new RegExp(words));
          await page.screenshot({ path: join(shots, `${lang}-${width}-message-body-purged.png`), fullPage: true });
          // the sink's own reply ("250 OK: message queued") is shown as the remote server said it
          const found = (await inspect(lang, width)).filter((p) => p !== 'English code on a Japanese screen: queued');
          problems.push(...found.map((p) => `${lang} ${width} purged message: ${p}`));
        }
      }
      await page.setViewportSize({ width: 1366, height: 900 });
      assert.deepEqual(problems, []);
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(badAnswers, []);
    });

    it('at 375 px the menu button opens the navigation and a link closes it', async () => {
      await login('admin@acme.example');
      await page.setViewportSize({ width: 375, height: 800 });
      await switchTo('ja');
      await settled();
      assert.equal(await page.locator('nav').isVisible(), false);
      await page.getByTestId('menu').click();
      assert.equal(await page.getByTestId('menu').getAttribute('aria-expanded'), 'true');
      await page.locator('nav').getByRole('link', { name: 'ユーザー' }).click();
      await page.locator('main h2', { hasText: 'ユーザー' }).waitFor();
      assert.equal(await page.locator('nav').isVisible(), false);
      await page.setViewportSize({ width: 1366, height: 900 });
      assert.deepEqual(consoleErrors, []);
    });

    it('rows open with Enter; 送信取り消し asks in the console’s own dialog first', async () => {
      await login('admin@acme.example');
      await page.goto(`${h.http}/console/#messages`);
      const row = page.locator(`tr[data-id="${ids.approve}"]`);
      await row.focus();
      await page.keyboard.press('Enter');
      await page.locator('[data-testid=timeline]').waitFor();
      assert.match(page.url(), new RegExp(`#messages/${ids.approve}$`));
      await page.goto(`${h.http}/console/#held`);
      const cancel = page.locator(`tr[data-id="${ids.cancel}"]`).getByRole('button', { name: '送信取り消し' });
      await cancel.click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('このメールの送信を取り消しますか').waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await h.inst.sekisho.store.message(ids.cancel!, ALL_TENANTS))?.state, 'held', 'Escape answers no');
      await cancel.click();
      await dialog.getByRole('button', { name: '送信取り消し' }).click();
      await page.locator('[role=status]').waitFor();
      await waitState(h, ids.cancel!, 'cancelled');
      await page.locator(`tr[data-id="${ids.cancel}"]`).waitFor({ state: 'detached' });
      assert.deepEqual(consoleErrors, []);
    });

    it('an operator’s tenant is in the URL: kept across a reload, opened by a deep link, shown in the chooser', async () => {
      // no tenant chosen before in this browser (the earlier tests leave one): the first by name opens
      await page.evaluate(() => localStorage.removeItem('sekisho.tenant'));
      await login('ops@sekisho.example');
      await waitForUrl(/tenant=acme/);
      await page.getByTestId('tenant').selectOption('globex');
      await waitForUrl(/tenant=globex/);
      await page.goto(`${h.http}/console/#messages?tenant=globex`);
      await page.locator(`tr[data-id="${ids.globex}"]`).waitFor();
      await page.reload();
      await page.locator(`tr[data-id="${ids.globex}"]`).waitFor();
      assert.equal(await page.getByTestId('tenant').inputValue(), 'globex');
      assert.equal(await page.locator(`tr[data-id="${ids.held}"]`).count(), 0, 'acme mail is not listed in globex');
      // a deep link names its tenant; links inside the console keep it
      await page.goto(`${h.http}/console/#messages/${ids.held}?tenant=acme`);
      await page.locator('[data-testid=timeline]').waitFor();
      assert.equal(await page.getByTestId('tenant').inputValue(), 'acme');
      assert.match((await page.getByRole('link', { name: /一覧に戻る/ }).getAttribute('href')) ?? '', /tenant=acme/);
      // without a tenant in the URL the last one chosen comes back
      await page.goto(`${h.http}/console/#users`);
      await waitForUrl(/#users\?tenant=acme/);
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(badAnswers, []);
    });
  });
}
