// Issue 16 item 6: the pages people decide on from a phone — /h/ (held mail), /c/ (confirmation)
// and /a/ (approval) — in Japanese and in English at 375 px, in Debian chromium, with mail
// submitted over SMTP (SQLite; the pages read through the same store code on PostgreSQL, which
// message-view-pages.test.ts covers). On each: the page fits the screen, the html lang is the
// page's language, every visible input, select, textarea and button has a name a screen reader
// reads, Tab reaches every button and checkbox, and the base text is at least 14 px.
// The confirmation page is then completed with the keyboard alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { USER } from '../helpers/instance.ts';
import { linkIn, mail, startHarness, submit, waitNotice, waitState, type Harness } from './harness.ts';

describe('decision pages at 375 px in ja and en: labelled, keyboard-usable, phone-sized', () => {
  let h: Harness;
  let browser: OpenBrowser;
  let page: Page;
  const links: Record<'h' | 'c' | 'a', string> = { h: '', c: '', a: '' };
  let confirmId = '';

  before(async () => {
    h = await startHarness('sqlite');
    await submit(h, mail('HOLDMANUAL 見積書の送付'), { to: ['partner@example.net'] });
    confirmId = await submit(h, mail('CONFIRMME 請求書の送付', { cc: 'cc@example.org' }), {
      to: ['partner@example.net', 'cc@example.org'],
    });
    await submit(h, mail('APPROVE 契約書ドラフト'), { to: ['partner@example.net'] });
    links.h = linkIn((await waitNotice(h, 'held', 'HOLDMANUAL', USER)).text, 'h');
    links.c = linkIn((await waitNotice(h, 'confirm', 'CONFIRMME', USER)).text, 'c');
    links.a = linkIn((await waitNotice(h, 'approval', 'APPROVE', 'boss@acme.example')).text, 'a');
    browser = await openBrowser({ width: 375, height: 800 });
    ({ page } = browser);
  });
  after(async () => {
    await browser?.close();
    await h.stop();
  });

  /** What a screen-reader and keyboard user meets on the page, collected in the page. */
  async function audit(): Promise<{ lang: string; width: number; fontPx: number; unnamed: string[]; controls: string[] }> {
    // plain JavaScript in a string: tsx's transform of a function would call helpers the page lacks
    return page.evaluate(
      `(() => {
      const visible = (el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      };
      const nameOf = (el) => {
        const by = (el.getAttribute('aria-labelledby') || '').split(' ').map((id) => (document.getElementById(id) || {}).textContent || '');
        const labels = el.labels ? [...el.labels].map((l) => l.textContent || '') : [];
        const own = el.tagName === 'BUTTON' ? el.textContent : el.type === 'submit' ? el.value : '';
        return [el.getAttribute('aria-label'), ...by, ...labels, own, el.getAttribute('title')].filter(Boolean).join(' ').trim();
      };
      const describe = (el) =>
        el.tagName.toLowerCase() + (el.name ? '[name=' + el.name + ']' : '') + (el.getAttribute('value') ? '[value=' + ` +
        `el.getAttribute('value') + ']' : '');
      const fields = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')].filter(visible);
      return {
        lang: document.documentElement.lang,
        width: document.documentElement.scrollWidth,
        fontPx: parseFloat(getComputedStyle(document.body).fontSize),
        unnamed: fields.filter((el) => nameOf(el) === '').map(describe),
        controls: fields.filter((el) => el.matches('button, input[type=checkbox], input[type=submit]')).map(describe),
      };
    })()`,
    );
  }

  /** The controls Tab reaches, in order, from the top of the page (at most 60 presses). */
  async function tabbed(): Promise<string[]> {
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const d = await page.evaluate<string | null>(
        `(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        return el.tagName.toLowerCase() + (el.name ? '[name=' + el.name + ']' : '') + (el.getAttribute('value') ? ` +
          `'[value=' + el.getAttribute('value') + ']' : '');
      })()`,
      );
      if (d === null || seen.includes(d)) {
        if (seen.length > 0) break;
        continue;
      }
      seen.push(d);
    }
    return seen;
  }

  for (const kind of ['h', 'c', 'a'] as const) {
    for (const lang of ['ja', 'en'] as const) {
      it(`/${kind}/ in ${lang}: fits 375 px, every control named and reached by Tab, text ≥ 14 px`, async () => {
        await page.goto(`${h.http}${links[kind]}?lang=${lang}`);
        const a = await audit();
        assert.equal(a.lang, lang);
        assert.ok(a.width <= 375, `page is ${a.width} px wide`);
        assert.ok(a.fontPx >= 14, `base text is ${a.fontPx} px`);
        assert.deepEqual(a.unnamed, [], 'controls without a name');
        assert.ok(a.controls.length > 0, 'the page offers a decision');
        const reached = await tabbed();
        for (const c of a.controls) assert.ok(reached.includes(c), `Tab never reaches ${c} (reached: ${reached.join(', ')})`);
        await page.screenshot({ path: join(process.cwd(), 'test-output', `decision-${kind}-${lang}-375.png`), fullPage: true });
      });
    }
  }

  it('/c/ is completed with the keyboard alone: Space ticks each box, Enter on 送信 sends', async () => {
    await page.goto(`${h.http}${links.c}?lang=ja`);
    const boxes = page.getByRole('checkbox');
    const n = await boxes.count();
    assert.ok(n >= 2, 'each recipient has a tick');
    for (let i = 0; i < n; i++) {
      await boxes.nth(i).focus();
      await page.keyboard.press('Space');
    }
    const send = page.locator('button[value=send], button[name=action][value=confirm]').first();
    await send.focus();
    await page.keyboard.press('Enter');
    await page.waitForLoadState('load');
    await waitState(h, confirmId, 'delivered');
  });
});
