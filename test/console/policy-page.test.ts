// The policy page in real Chromium on SQLite and PostgreSQL, in Japanese and English at 1366 px and
// 375 px: the form (かんたん設定) changes a rule and the 詳細モード YAML shows the change with the
// admin's comments kept; 適用 shows the line diff and asks, then the policy is in force; a bad
// value is reported in the viewer's language at its line; an earlier version is restored from the
// history after the same diff (audited as policy.restored). Nothing is wider than the screen and
// the browser console stays clean. Screenshots in test-output/screenshots/policy/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, startInstance, type TestInstance } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { answerChecker } from './openapi-check.ts';
import { applyPolicy, currentPolicy } from '../../src/outbound/policy-service.ts';
import ja from '../../console/src/i18n/ja.json' with { type: 'json' };
import en from '../../console/src/i18n/en.json' with { type: 'json' };

const ADMIN = 'admin@acme.example';
const BASE = `version: 1
# 社外宛ては保留する（このコメントは残る）
outbound:
  rules:
    - name: 社外宛て保留
      when: { recipients: { external: true } }
      then:
        - hold: { minutes: 5 }
`;
const CASES = [
  { lang: 'ja', width: 1366 },
  { lang: 'en', width: 375 },
  { lang: 'ja', width: 375 },
  { lang: 'en', width: 1366 },
] as const;

for (const kind of backends()) {
  describe(`policy page in chromium on ${kind}`, () => {
    let inst: TestInstance;
    let browser: OpenBrowser;
    let page: Page;
    let http: string;
    let errors: string[] = [];
    /** answers that differ from the published OpenAPI schemas (the console's types) */
    const badAnswers: string[] = [];
    const shots = join(process.cwd(), 'test-output', 'screenshots', 'policy', kind);

    before(async () => {
      inst = await startInstance(kind);
      http = `http://127.0.0.1:${inst.sekisho.ports.http}`;
      await inst.sekisho.store.createUsers(
        inst.tenantId,
        [{ email: ADMIN, passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      browser = await openBrowser({ width: 1366 });
      ({ page, errors } = browser);
      const check = answerChecker();
      page.on('response', async (r) => {
        if (!new URL(r.url()).pathname.startsWith('/api/') || r.status() !== 200) return;
        try {
          badAnswers.push(...check(r.request().method(), r.url(), await r.json()));
        } catch {
          // not JSON (a CSV) or the page moved on: nothing to check
        }
      });
    });
    after(async () => {
      await browser?.close();
      await inst.stop();
    });

    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

    for (const c of CASES) {
      it(`${c.lang} at ${c.width} px: form → YAML → apply with diff → error at its line → restore`, async () => {
        const w = (c.lang === 'ja' ? ja : en) as Record<string, string>;
        const fill = (key: string, vars: Record<string, string | number> = {}) =>
          w[key]!.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
        const store = inst.sekisho.store;
        const base = await applyPolicy(store, inst.tenantId, BASE, 'test');
        assert.ok(base.ok);
        await page.setViewportSize({ width: c.width, height: 900 });
        await logIn(page, { baseUrl: http, user: ADMIN, password: PASSWORD, lang: c.lang });
        await page.goto(`${http}/console/#policy`);

        // the form: hold 15 minutes, a sender confirmation, forced BCC and web download for the
        // external recipients only on the rule (applyTo: the selects follow the action order)
        const card = page.getByTestId('policy-rule').first();
        await card.waitFor();
        await card.getByLabel(w['policy.minutes']!).fill('15');
        await card.getByTestId('rule-0-confirm').check();
        await card.getByTestId('rule-0-bcc').check();
        await card.getByTestId('rule-0-webDownload').check();
        const [bccTo, downloadTo] = [0, 1].map((i) => card.getByLabel(w['policy.actionApplyTo']!).nth(i));
        assert.equal(await bccTo!.inputValue(), 'all', 'forced BCC is for every recipient unless told');
        assert.equal(await downloadTo!.inputValue(), 'external', 'web download is for external recipients unless told');
        await bccTo!.selectOption('external');
        assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
        await page.screenshot({ path: join(shots, `${c.lang}-${c.width}-form.png`), fullPage: true }).catch(() => {});

        // …written into the same YAML, the admin's comment kept
        await page.getByRole('tab', { name: w['policy.tabYaml']! }).click();
        const yaml = await page.getByLabel(w['policy.yaml']!).inputValue();
        assert.match(yaml, /# 社外宛ては保留する（このコメントは残る）/);
        assert.match(yaml, /minutes: 15/);
        assert.match(yaml, /confirm/);
        assert.match(yaml, /applyTo: external/);

        // 適用 shows the diff and asks; back changes nothing, then apply
        await page.getByRole('button', { name: w['policy.apply']!, exact: true }).click();
        const dialog = page.getByRole('dialog');
        const diff = dialog.getByTestId('policy-diff');
        await diff.waitFor();
        assert.match(await diff.innerText(), /minutes: 15/);
        assert.match(await diff.innerText(), new RegExp(fill('policy.diffSummary', { added: '\\d+', removed: '\\d+' })));
        await page.screenshot({ path: join(shots, `${c.lang}-${c.width}-diff.png`), fullPage: true }).catch(() => {});
        await dialog.getByRole('button', { name: w['action.back']! }).click();
        assert.equal((await currentPolicy(store, inst.tenantId)).version, base.version, 'back changes nothing');
        await page.getByRole('button', { name: w['policy.apply']!, exact: true }).click();
        await dialog.getByRole('button', { name: w['policy.apply']!, exact: true }).click();
        await page.getByText(fill('policy.applied', { v: base.version! + 1 })).waitFor();
        const inForce = await currentPolicy(store, inst.tenantId);
        assert.equal(inForce.version, base.version! + 1);
        assert.deepEqual(
          inForce.policy.outbound.rules[0]!.then.map((a) => Object.keys(a)[0]),
          ['hold', 'confirm', 'bcc', 'webDownload'],
        );
        // the rules in words say that internal recipients keep the mail as written (both actions)
        const words = page.getByText(w['action.applyTo.external']!.trim(), { exact: false });
        await words.first().waitFor();
        assert.equal(await words.count(), 2);

        // a bad value: the error in the viewer's language at its line
        const editor = page.getByLabel(w['policy.yaml']!);
        await editor.fill((await editor.inputValue()).replace('minutes: 15', 'minutes: 0'));
        await page.getByRole('button', { name: w['policy.validate']! }).click();
        const errs = page.getByTestId('policy-errors');
        await errs.waitFor();
        const line = (await editor.inputValue()).split('\n').findIndex((l) => l.includes('minutes: 0')) + 1;
        assert.match(await errs.innerText(), new RegExp(fill('policyError.at', { line })));
        assert.ok((await errs.innerText()).includes(fill('policyError.tooSmall', { minimum: 1 })), await errs.innerText());

        // the history: restore the version before, after the diff
        await page.getByTestId(`restore-${base.version}`).click();
        await dialog.getByTestId('policy-diff').waitFor();
        assert.match(await dialog.innerText(), /confirm/);
        await page.screenshot({ path: join(shots, `${c.lang}-${c.width}-restore.png`), fullPage: true }).catch(() => {});
        await dialog.getByRole('button', { name: w['policy.restore']! }).click();
        await page.getByText(fill('policy.restored', { from: base.version!, v: base.version! + 2 })).waitFor();
        const restored = await currentPolicy(store, inst.tenantId);
        assert.equal(restored.yaml, BASE);
        const ev = await store.db
          .selectFrom('events')
          .select(['actor', 'data'])
          .where('tenant_id', '=', inst.tenantId)
          .where('type', '=', 'policy.restored')
          .orderBy('id', 'desc')
          .executeTakeFirstOrThrow();
        assert.equal(ev.actor, ADMIN);
        assert.equal(JSON.parse(ev.data).restoredFrom, base.version);
        assert.ok((await overflow()) <= 1, `${await overflow()}px wider than the screen`);
        await page.screenshot({ path: join(shots, `${c.lang}-${c.width}-restored.png`), fullPage: true }).catch(() => {});
        assert.deepEqual(errors, []);
        assert.deepEqual(badAnswers, []);
      });
    }
  });
}
