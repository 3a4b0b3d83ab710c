// The decision pages show the real mail (issue 16): the approval page /a/TOKEN in Debian chromium
// at 1366 px and 375 px, over SQLite and PostgreSQL, with mail submitted over SMTP. An ISO-2022-JP
// mail shows its body with ① and its Japanese attachment name; 開く downloads the file and is
// audited as attachment.viewed. An HTML mail with <script>, onerror= and a remote picture is shown
// in a sandboxed frame: no dialog opens, nothing runs in the page, and no request leaves for any
// host but ours (every request is counted). The /c/ page lists no inline cid: picture as a file.
// Screenshots go to test-output/screenshots/message-view/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { USER } from '../helpers/instance.ts';
import { get, linkIn, startHarness, submit, waitNotice, type Harness } from './harness.ts';
import { hostileHtmlMail, iso2022jpMail, JA_ATTACHMENT, JA_BODY_LINE } from '../helpers/view-mail.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const WIDTHS = [1366, 375];

for (const kind of backends()) {
  describe(`decision pages show the mail, in chromium on ${kind}`, () => {
    let h: Harness;
    let browser: OpenBrowser;
    let ctx: BrowserContext;
    let page: Page;
    const dialogs: string[] = [];
    const foreign: string[] = [];
    const links: Record<string, string> = {};
    const ids: Record<string, string> = {};
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'message-view', kind);

    before(async () => {
      h = await startHarness(kind);
      ids.ja = await submit(h, Buffer.from(iso2022jpMail({ keyword: 'APPROVE', from: USER }), 'latin1'), {
        to: ['partner@example.net', 'boss@acme.example'],
      });
      ids.html = await submit(h, Buffer.from(hostileHtmlMail({ keyword: 'APPROVE', from: USER })), { to: ['partner@example.net'] });
      ids.confirm = await submit(h, Buffer.from(hostileHtmlMail({ keyword: 'CONFIRMME', from: USER })), { to: ['partner@example.net'] });
      links.ja = linkIn((await waitNotice(h, 'approval', 'お見積り', 'boss@acme.example')).text, 'a');
      links.html = linkIn((await waitNotice(h, 'approval', 'APPROVE HTML mail', 'boss@acme.example')).text, 'a');
      links.confirm = linkIn((await waitNotice(h, 'confirm', 'CONFIRMME HTML mail', USER)).text, 'c');
      mkdirSync(shots, { recursive: true });
      browser = await openBrowser({ width: 1366, acceptDownloads: true });
      ({ ctx, page } = browser);
      // every request the pages make is seen here; any host but ours is counted and refused
      await ctx.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1') return route.continue();
        foreign.push(url.href);
        return route.abort();
      });
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
    });
    after(async () => {
      await browser?.close();
      await h.stop();
    });

    async function fitsScreen(width: number): Promise<void> {
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `page is ${wide} px wide at ${width} px`);
    }

    for (const width of WIDTHS) {
      it(`the approval page shows an ISO-2022-JP body with ① and the Japanese file name at ${width} px`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${h.http}${links.ja}`);
        assert.ok(await page.getByText(JA_BODY_LINE).isVisible(), 'body text with ① visible');
        assert.ok(await page.getByText(JA_ATTACHMENT, { exact: true }).isVisible(), 'attachment name visible');
        assert.ok(await page.getByText('田中 太郎').first().isVisible(), 'decoded display name');
        assert.ok(await page.getByText('Boss approves').isVisible(), 'the matched rule');
        assert.match(await page.locator('ul.files').innerText(), /14 B, application\/pdf/);
        await fitsScreen(width);
        await page.screenshot({ path: join(shots, `approval-ja-${width}.png`), fullPage: true });
      });

      it(`the approval page shows hostile HTML sandboxed at ${width} px: nothing runs, nothing remote loads`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${h.http}${links.html}`);
        const frame = page.locator('iframe[sandbox=""]');
        await frame.waitFor();
        const text = await page.frameLocator('iframe[sandbox=""]').locator('body').innerText();
        assert.match(text, /請求書のご案内/);
        assert.equal(
          await page.frameLocator('iframe[sandbox=""]').locator('img[src^="data:image/gif"]').count(),
          1,
          'the cid: picture shows',
        );
        await page.waitForTimeout(300);
        assert.deepEqual(dialogs, [], 'no script ran (no dialog)');
        assert.equal(await page.evaluate(() => (window as unknown as { __ran?: number }).__ran), undefined, 'no script ran in the page');
        assert.deepEqual(foreign, [], 'no request to any other host');
        await fitsScreen(width);
        await page.screenshot({ path: join(shots, `approval-html-${width}.png`), fullPage: true });
      });
    }

    it('開く downloads the attached file with its Japanese name and is audited as attachment.viewed', async () => {
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.goto(`${h.http}${links.ja}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '開く' }).click()]);
      assert.equal(download.suggestedFilename(), JA_ATTACHMENT);
      const ev = (await h.inst.sekisho.store.events(ids.ja!)).find((e) => e.type === 'attachment.viewed');
      assert.ok(ev, 'audited');
      assert.equal(ev.actor, 'boss@acme.example');
      assert.equal(
        (await h.inst.sekisho.store.message(ids.ja!, ALL_TENANTS))!.state,
        'awaiting_approval',
        'opening a file decides nothing',
      );
    });

    it('the English approval page names the same things in English', async () => {
      await page.goto(`${h.http}${links.ja}?lang=en`);
      assert.ok(await page.getByRole('heading', { name: 'Attachments' }).isVisible());
      assert.ok(await page.getByRole('button', { name: 'Open' }).isVisible());
      await page.screenshot({ path: join(shots, 'approval-en-375.png'), fullPage: true });
    });

    it('the /c/ page shows the mail and does not list its inline cid: picture as an attachment', async () => {
      const r = await get(h, links.confirm!);
      assert.equal(r.status, 200);
      assert.match(r.body, /<iframe sandbox=""/);
      assert.doesNotMatch(r.body, /logo\.gif/);
      assert.doesNotMatch(r.body, /name="f"/, 'no attachment to tick');
    });
  });
}
