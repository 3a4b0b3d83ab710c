// The operator's (MSP's) tenant list on SQLite and PostgreSQL: GET /api/tenants counts each
// tenant's domains, users, mail today, waiting and quarantined mail (operators only; an admin gets
// 403); in Chromium (ja at 1366 px, en at 375 px) the operator starts on the list, opens a tenant,
// and the tenant stays in the URL across a reload; no console errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, signOut, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { addOperator } from '../../src/console/operators.ts';
import { dayStartInZone } from '../../src/util/zoned-time.ts';
import { loginApi } from './api-client.ts';

const OPS = 'ops@sekisho.example';
const ADMIN = 'admin@acme.example';

for (const kind of backends()) {
  describe(`operator tenant list on ${kind}`, () => {
    let inst: TestInstance;
    let http: string;
    let browser: OpenBrowser;
    let page: Page;
    let errors: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'tenants', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      const store = inst.sekisho.store;
      const pw = await hashPassword(PASSWORD);
      await store.createUsers(inst.tenantId, [{ email: ADMIN, passwordHash: pw, role: 'admin' }], 'test');
      await addOperator(store, OPS, pw, 'test');
      browser = await openBrowser({ width: 1366 });
      ({ page, errors } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    it('the API counts per tenant, for operators only', async () => {
      const ops = await loginApi(http, OPS, PASSWORD);
      const r = await ops.call('GET', '/api/tenants');
      assert.equal(r.status, 200);
      const acme = r.json.items.find((x: { name: string }) => x.name === 'acme');
      const globex = r.json.items.find((x: { name: string }) => x.name === 'globex');
      assert.deepEqual(acme.domains.sort(), ['acme.co.jp', 'acme.example']);
      assert.equal(acme.users, 2);
      assert.deepEqual(
        {
          mailToday: acme.mailToday,
          waiting: acme.waiting,
          quarantined: acme.quarantined,
          lastErrorAt: acme.lastErrorAt,
          disabled: acme.disabled,
        },
        { mailToday: 0, waiting: 0, quarantined: 0, lastErrorAt: null, disabled: false },
      );
      assert.deepEqual(globex.domains, ['globex.example']);
      const admin = await loginApi(http, ADMIN, PASSWORD);
      assert.equal((await admin.call('GET', '/api/tenants')).status, 403);
    });

    it('today starts at midnight in Tokyo', () => {
      // 2026-12-03 23:34 JST = 14:34 UTC; the day began 2026-12-02 15:00 UTC
      assert.equal(new Date(dayStartInZone(Date.UTC(2026, 11, 3, 14, 34), 'Asia/Tokyo')).toISOString(), '2026-12-02T15:00:00.000Z');
    });

    for (const [lang, width, heading] of [
      ['ja', 1366, 'テナント一覧'],
      ['en', 375, 'Tenants'],
    ] as const) {
      it(`${lang} at ${width} px: starts on the list; an opened tenant stays in the URL across a reload`, async () => {
        await page.setViewportSize({ width, height: 900 });
        await signOut(page);
        await page.goto(`${http}/console/`);
        await page.evaluate((l) => {
          localStorage.setItem('sekisho.lang', l);
          localStorage.removeItem('sekisho.tenant');
        }, lang);
        await page.reload();
        await page.fill('input[name=email]', OPS);
        await page.fill('input[name=password]', PASSWORD);
        await page.click('button[type=submit]');
        await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
        const list = page.getByTestId('tenant-list');
        await list.getByText('globex.example').waitFor();
        await page.screenshot({ path: join(shots, `list-${lang}-${width}.png`), fullPage: true }).catch(() => {});
        await list.locator('[data-tenant=globex]').first().click();
        await page.waitForFunction(() => location.hash.startsWith('#dashboard') && location.hash.includes('tenant=globex'));
        await page.reload();
        await page.locator('main h2').first().waitFor();
        assert.match(await page.evaluate(() => location.hash), /tenant=globex/);
        assert.equal(await page.getByTestId('tenant').inputValue(), 'globex');
        assert.deepEqual(errors, []);
      });
    }
  });
}
