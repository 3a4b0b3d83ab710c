// Debian chromium driven by playwright-core, set up once for every browser test: a throw-away
// profile, headless flags that keep it quiet on a shared machine, Tokyo time and a Japanese
// locale unless told otherwise, and every browser console error or uncaught page error collected.
// openConsole() also logs a user in to the console in the chosen language and width.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-sync',
  '--disable-background-networking',
  '--disable-component-update',
];

export type Lang = 'ja' | 'en';

export interface BrowserOptions {
  /** viewport width in CSS px; the console is tested at 1366 and 375 */
  width?: number;
  height?: number;
  locale?: string;
  timezoneId?: string;
  acceptDownloads?: boolean;
  /** where the throw-away profile goes (default: the system temp directory) */
  profileIn?: string;
  /** console errors the test provokes on purpose (a refused request's "status of 400"); not collected */
  provoked?: RegExp;
}

export interface OpenBrowser {
  ctx: BrowserContext;
  page: Page;
  /** browser console errors and uncaught page errors, each prefixed with the page's URL */
  errors: string[];
  /** closes the browser and removes its profile */
  close(): Promise<void>;
}

/** Starts chromium with one page; console errors are collected from the start. */
export async function openBrowser(opts: BrowserOptions = {}): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(opts.profileIn ?? tmpdir(), 'sekisho-chromium-'));
  let ctx: BrowserContext;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      locale: opts.locale ?? 'ja-JP',
      timezoneId: opts.timezoneId ?? 'Asia/Tokyo',
      viewport: { width: opts.width ?? 1366, height: opts.height ?? 900 },
      acceptDownloads: opts.acceptDownloads ?? false,
      args: ARGS,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  // tsx keeps function names with a __name() helper that the page does not have
  await ctx.addInitScript('window.__name = (f) => f');
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !opts.provoked?.test(m.text())) errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return {
    ctx,
    page,
    errors,
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Chooses the console's language the way a person's last choice is kept: in localStorage. */
export async function chooseLanguage(page: Page, lang: Lang): Promise<void> {
  await page.evaluate((l) => localStorage.setItem('sekisho.lang', l), lang);
  await page.reload();
}

export interface LoginOptions {
  baseUrl: string;
  user: string;
  password: string;
  /** chosen on the login page before signing in (default: whatever was chosen last) */
  lang?: Lang;
  /** what shows that the console is open (default: the first page heading) */
  ready?: string;
}

/**
 * Drops the session cookie, off the console first: a console page still loading would send its
 * next request without the cookie (a 401 in the browser's console, which the tests count as an error).
 */
export async function signOut(page: Page): Promise<void> {
  await page.goto('about:blank');
  await page.context().clearCookies();
}

/** Signs out (drops cookies), opens the login page and signs in; resolves once a page shows. */
export async function logIn(page: Page, o: LoginOptions): Promise<void> {
  await signOut(page);
  await page.goto(`${o.baseUrl}/console/`);
  if (o.lang) await chooseLanguage(page, o.lang);
  await page.fill('input[name=email]', o.user);
  await page.fill('input[name=password]', o.password);
  await page.click('button[type=submit]');
  await page
    .locator(o.ready ?? 'main h2')
    .first()
    .waitFor();
}

/** A browser with the console open as `user`, in `lang` at `width` px. */
export async function openConsole(o: LoginOptions & BrowserOptions): Promise<OpenBrowser> {
  const b = await openBrowser(o);
  try {
    await logIn(b.page, o);
  } catch (e) {
    await b.close();
    throw e;
  }
  return b;
}
