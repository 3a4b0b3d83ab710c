// Quarantine release by class in a real browser (Debian chromium driven by playwright-core), over
// SQLite and PostgreSQL: the recipient opens the /q/ link of a virus at desktop width and at
// 375 px — the page names the reason (ウイルス検出) and offers 解除を依頼, never a release button —
// and asks; the admin sees the request in the console's 解除の依頼 list, presses 解除して配送, is
// asked first (the question names the mail, the requester and why it was quarantined), and the
// requester alone receives it. Screenshots go to test-output/screenshots.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { updateSettings } from '../../src/inbound/tenant-settings.ts';
import { createReleaseLink } from '../../src/inbound/quarantine.ts';
import { hashPassword } from '../../src/util/password.ts';
import { sendRaw, waitUntil } from './shield-helpers.ts';
import { ADMIN, ICHIRO, POLICY, virusMail } from './release-mail.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const SUBJECT = '見積書 ご確認ください';

for (const kind of backends()) {
  describe(`quarantine release by class in chromium on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let id = '';
    let link = '';

    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { pollIntervalMs: 50 }, { inboundRoute: sink.url });
      await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      await updateSettings(inst.sekisho.store, inst.tenantId, { selfRelease: true }, 'test');
      const passwordHash = await hashPassword(PASSWORD);
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [
          { email: ICHIRO, passwordHash, role: 'user' as const },
          { email: ADMIN, passwordHash, role: 'admin' as const },
        ],
        'test',
      );
      const raw = virusMail(`=?UTF-8?B?${Buffer.from(SUBJECT).toString('base64')}?=`);
      const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom: 'a@virus.test', to: [ICHIRO] });
      id = /queued as (\S+)/.exec(reply.text)![1]!;
      assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'quarantined');
      const token = await createReleaseLink(inst.sekisho.store, { tenantId: inst.tenantId, id }, ICHIRO, Date.now() + 86_400_000);
      link = `http://127.0.0.1:${inst.sekisho.ports.http}/q/${token}`;
      mkdirSync(SHOTS, { recursive: true });
      browser = await openBrowser({ width: 1280, height: 800 });
      ({ page } = browser);
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
      await sink.close();
    });

    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}-${kind}.png`), fullPage: true });
    const fitsWidth = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    it('/q/ of a virus names the reason and offers 解除を依頼 only, at desktop width and at 375 px', async () => {
      for (const [width, name] of [
        [1280, 'quarantine-virus-desktop'],
        [375, 'quarantine-virus-375'],
      ] as const) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(link);
        await page.getByText('ウイルス検出 / Virus detected').waitFor();
        assert.ok(await page.getByRole('button', { name: '解除を依頼 / Ask an admin to release' }).isVisible());
        assert.equal(await page.getByRole('button', { name: /配送する|Release$/ }).count(), 0, 'no release button');
        assert.ok(await page.getByText('管理者のみが隔離解除できます', { exact: false }).isVisible());
        assert.ok(await fitsWidth(), `no sideways scrolling at ${width} px`);
        await shot(name);
      }
      await page.getByRole('button', { name: '解除を依頼 / Ask an admin to release' }).click();
      await page.getByText('解除を依頼済みです', { exact: false }).waitFor();
      assert.ok(await fitsWidth());
      await shot('quarantine-virus-requested-375');
      assert.equal((await inst.sekisho.store.message(id, ALL_TENANTS))!.state, 'quarantined', 'asking releases nothing');
    });

    const what = 'the console lists the request; the admin releases it after a question naming the mail and why';
    it(`${what}; only the requester gets it`, async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`http://127.0.0.1:${inst.sekisho.ports.http}/console/`);
      await page.fill('input[name=email]', ADMIN);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=who]');
      await page.goto(`http://127.0.0.1:${inst.sekisho.ports.http}/console/#quarantine`);
      const row = page.locator('tr[data-request]');
      await row.waitFor();
      assert.match(await row.innerText(), new RegExp(`${ICHIRO}[\\s\\S]*${SUBJECT}[\\s\\S]*ウイルス検出`));
      const listRow = page.locator(`tr[data-id="${id}"]`);
      assert.match(await listRow.innerText(), /ウイルス検出/);
      assert.doesNotMatch(await listRow.innerText(), /スコア/, 'the list names the virus, not a spam score');
      await shot('quarantine-requests-console');
      await page.setViewportSize({ width: 375, height: 800 });
      await shot('quarantine-requests-console-375');
      await page.setViewportSize({ width: 1280, height: 800 });

      await row.getByRole('button', { name: '解除して配送' }).click();
      const question = page.locator('dialog.confirm');
      await question.waitFor();
      const text = await question.locator('#confirm-text').innerText();
      assert.ok(text.includes(SUBJECT) && text.includes('ウイルス検出') && text.includes(ICHIRO), text);
      await shot('quarantine-request-confirm');
      await question.getByRole('button', { name: '解除して配送' }).click();
      await page.getByText(`${ICHIRO} さんに配送されます`, { exact: false }).waitFor();
      const copy = await waitUntil(
        async () => sink.messages.find((m) => m.raw.includes(id) && !m.raw.includes('Auto-Submitted')),
        'the copy',
      );
      assert.deepEqual(copy.recipients, [ICHIRO]);
      await page.getByText('未処理の解除依頼はありません。').waitFor();
      const events = (await inst.sekisho.store.events(id)).map((e) => `${e.type}:${e.actor}`);
      assert.ok(events.includes(`quarantine.request_released:${ADMIN}`), events.join());
    });
  });
}
