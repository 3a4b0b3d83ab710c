// The console in a real browser (Debian chromium driven by playwright-core), over SQLite and
// PostgreSQL, with mail submitted over SMTP and a real SMTP sink: a sender logs in, sees held
// mail and presses 今すぐ送信 and the sink receives it; an approver approves with a comment; an
// admin edits the policy and sees the validation error at its line; English and back to
// Japanese; a hostile subject is shown as text and nothing runs. Screenshots of the main pages
// go to test-output/screenshots (docs/screenshots holds a committed set).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { logIn, openBrowser, type OpenBrowser } from '../helpers/browser.ts';
import { backends } from '../helpers/databases.ts';
import { PASSWORD, USER } from '../helpers/instance.ts';
import { hashPassword } from '../../src/util/password.ts';
import { sendAsAddresses } from '../../src/users/send-as.ts';
import { copies, mail, startHarness, submit, waitNotice, waitState, type Harness } from '../outbound/harness.ts';
import { hostileHtmlMail, REMOTE_IMAGE_HOST } from '../helpers/view-mail.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');
const XSS = 'HOLDMANUAL <img src=x onerror=alert(1)><script>alert(2)</script>';

for (const kind of backends()) {
  describe(`console in chromium on ${kind}`, () => {
    let h: Harness;
    let browser: OpenBrowser;
    let page: Page;
    const dialogs: string[] = [];
    const remote: string[] = [];
    const ids: Record<string, string> = {};

    before(async () => {
      h = await startHarness(kind);
      await h.inst.sekisho.store.createUsers(
        h.inst.tenantId,
        [{ email: 'admin@acme.example', passwordHash: await hashPassword(PASSWORD), role: 'admin' }],
        'test',
      );
      ids.plain = await submit(h, mail('HOLDMANUAL 見積書の送付'), { to: ['partner@example.net'] });
      ids.xss = await submit(h, mail(XSS), { to: ['partner@example.net'] });
      ids.approve = await submit(h, mail('APPROVE 契約書ドラフト'), { to: ['partner@example.net'] });
      ids.html = await submit(h, Buffer.from(hostileHtmlMail({ keyword: 'APPROVE', from: USER })), { to: ['partner@example.net'] });
      ids.reject = await submit(h, mail('APPROVE 誤送信の疑い'), { to: ['partner@example.net'] });
      mkdirSync(SHOTS, { recursive: true });
      browser = await openBrowser({ width: 1280, height: 800 });
      ({ page } = browser);
      page.on('request', (r) => {
        if (r.url().includes(REMOTE_IMAGE_HOST)) remote.push(r.url());
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

    async function loginAs(email: string) {
      await logIn(page, { baseUrl: h.http, user: email, password: PASSWORD, ready: '[data-testid=who]' });
    }

    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}-${kind}.png`) });

    it('a sender sees held mail (hostile subject as text) and sends one now; the sink receives it', async () => {
      await page.goto(`${h.http}/console/`);
      await page.waitForSelector('form.login');
      await shot('login');
      await loginAs(USER);
      await page.waitForSelector(`tr[data-id="${ids.plain}"]`);
      assert.ok(await page.getByText(XSS, { exact: true }).isVisible(), 'the hostile subject is visible as text');
      assert.equal(await page.locator('main img').count(), 0, 'no <img> was created from the subject');
      await shot('held');
      await page.locator(`tr[data-id="${ids.plain}"] button.primary`).click();
      // sending now cannot be undone: the console asks first, then says where the mail is
      const dialog = page.getByRole('dialog');
      await dialog.getByText('このメールを今すぐ送信しますか').waitFor();
      await dialog.getByRole('button', { name: '今すぐ送信' }).click();
      const status = await page.waitForSelector('[role=status]');
      assert.match((await status.textContent()) ?? '', /送信キューに入りました|送信されました/);
      assert.doesNotMatch((await status.textContent()) ?? '', /処理しました/);
      await waitState(h, ids.plain!, 'delivered');
      assert.equal(copies(h, '見積書').length + copies(h, 'HOLDMANUAL').length >= 1, true);
      const ev = (await h.inst.sekisho.store.events(ids.plain!)).find((e) => e.type === 'released');
      assert.equal(ev?.actor, USER);
      await page.goto(`${h.http}/console/#sent`);
      await page.waitForSelector('table');
      await shot('sent');
      assert.deepEqual(dialogs, [], 'no script ran');
    });

    it('switches to English and back to Japanese', async () => {
      await page.goto(`${h.http}/console/#held`);
      await page.waitForSelector('text=保留中のメール');
      await page.click('[data-testid=lang]');
      await page.waitForSelector('text=Held mail');
      assert.ok(await page.getByRole('button', { name: 'Cancel sending' }).first().isVisible());
      await page.click('[data-testid=lang]');
      await page.waitForSelector('text=保留中のメール');
      assert.ok(await page.getByRole('button', { name: '送信取り消し' }).first().isVisible());
    });

    it('an approver opens the preview and approves with a comment', async () => {
      await loginAs('boss@acme.example');
      await page.goto(`${h.http}/console/#approvals`);
      await page.locator(`tr[data-id="${ids.approve}"] button`).click();
      await page.waitForSelector('pre.preview');
      // the decoded message view, not MIME source: headers in words, the body text, the files
      assert.ok(await page.locator('.message-view dt', { hasText: '差出人' }).isVisible());
      assert.match(await page.locator('pre.preview').innerText(), /^Body of APPROVE 契約書ドラフト/);
      assert.ok(await page.getByText('添付ファイルはありません。').isVisible());
      await page.fill('[name=comment]', '問題ありません');
      await shot('approvals');
      await page.getByRole('button', { name: '承認', exact: true }).click();
      await page.waitForSelector('[role=status]');
      await waitState(h, ids.approve!, 'delivered');
      const ev = (await h.inst.sekisho.store.events(ids.approve!)).find((e) => e.type === 'approved')!;
      assert.equal(ev.actor, 'boss@acme.example');
      assert.equal(JSON.parse(ev.data).comment, '問題ありません');
    });

    it('an approver rejects with a note: asked first (naming the mail and the note); the note reaches the sender', async () => {
      await page.goto(`${h.http}/console/#approvals`);
      await page.locator(`tr[data-id="${ids.reject}"] button`).click();
      await page.getByLabel(/コメント（任意・承認\/却下の通知で送信者に届きます）/).fill('宛先が違います');
      await page.getByRole('button', { name: '却下', exact: true }).click();
      const dialog = page.getByRole('dialog');
      const question = (await dialog.locator('#confirm-text').textContent()) ?? '';
      assert.match(question, /「APPROVE 誤送信の疑い」を却下しますか/);
      assert.match(question, /通知に載るコメント：「宛先が違います」/);
      await shot('approvals-reject-ask');
      await dialog.getByRole('button', { name: '戻る' }).click();
      assert.equal(
        (await h.inst.sekisho.store.message(ids.reject!, ALL_TENANTS))!.state,
        'awaiting_approval',
        'going back rejects nothing',
      );
      await page.getByRole('button', { name: '却下', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: '却下' }).click();
      await page.waitForSelector('[role=status]');
      await waitState(h, ids.reject!, 'discarded');
      const told = await waitNotice(h, 'rejected', '誤送信の疑い', USER);
      assert.match(told.text, /宛先が違います/);
    });

    it('an approver sees an HTML mail sanitized in a sandboxed frame: nothing runs, nothing remote loads', async () => {
      await page.goto(`${h.http}/console/#approvals`);
      await page.locator(`tr[data-id="${ids.html}"] button`).click();
      const frame = page.frameLocator('.message-view iframe[sandbox=""]');
      assert.match(await frame.locator('body').innerText(), /請求書のご案内/);
      await page.waitForTimeout(300);
      assert.deepEqual(dialogs, [], 'no script ran');
      assert.deepEqual(remote, [], 'no request to the remote image host');
      await shot('approvals-html');
    });

    it('an admin edits the policy and sees the validation error at its line; dashboard and search render', async () => {
      await loginAs('admin@acme.example');
      await page.waitForSelector('svg[role=img]');
      await shot('dashboard');
      await page.goto(`${h.http}/console/#messages`);
      await page.waitForSelector('td.subject');
      assert.ok(await page.getByText(XSS, { exact: true }).first().isVisible());
      await shot('messages');
      await page
        .locator('tr.clickable', { has: page.getByText('APPROVE 契約書ドラフト', { exact: true }) })
        .first()
        .click();
      await page.waitForSelector('[data-testid=timeline]');
      // the approval is in the audit log in words, with its comment; the event code is not shown
      await page.locator('[data-testid=timeline]').getByText('承認', { exact: true }).waitFor();
      assert.ok(await page.locator('[data-testid=timeline]').getByText('コメント：問題ありません').isVisible());
      assert.equal(await page.locator('[data-testid=timeline]').getByText('approved', { exact: true }).count(), 0);
      await shot('message-detail');
      await page.goto(`${h.http}/console/#policy`);
      // the form (かんたん設定) opens first; the YAML is the 詳細モード
      await page.getByRole('tab', { name: '詳細モード（YAML）' }).click();
      const area = page.locator('textarea');
      await area.waitFor();
      await page.waitForFunction(() => (document.querySelector('textarea') as HTMLTextAreaElement | null)?.value.includes('minutes:'));
      const yaml = await area.inputValue();
      const lines = yaml.split('\n');
      const at = lines.findIndex((l) => l.includes('minutes:'));
      lines[at] = lines[at]!.replace(/minutes: *\d+/, 'minutes: -5');
      await area.fill(lines.join('\n'));
      await page.getByRole('button', { name: '検証' }).click();
      const errors = page.locator('[data-testid=policy-errors]');
      await errors.waitFor();
      assert.match(await errors.innerText(), new RegExp(`${at + 1}行目`));
      assert.equal(await page.locator('.gutter .bad').innerText(), String(at + 1));
      await shot('policy-error');
      await page.goto(`${h.http}/console/#users`);
      await page.waitForSelector('text=admin@acme.example');
      await shot('users');
      // a delegation (送信者として使えるアドレス): taro may send as the shared info@ mailbox
      // (in the user's settings, opened with 編集 under their row)
      const settings = async () => {
        await page
          .locator('tr', { has: page.getByTestId(`status-${USER}`) })
          .getByRole('button', { name: '編集' })
          .click();
        return page.getByRole('form', { name: `${USER} の設定` }).getByRole('textbox', { name: '送信者として使えるアドレス' });
      };
      await (await settings()).fill('info@acme.example');
      await page
        .getByRole('form', { name: `${USER} の設定` })
        .getByRole('button', { name: '保存' })
        .click();
      await page.getByText(`${USER} の設定を保存しました。`).waitFor();
      const taro = (await h.inst.sekisho.store.userByEmail(USER))!;
      assert.deepEqual(await sendAsAddresses(h.inst.sekisho.store, taro.id), ['info@acme.example']);
      await page.reload();
      await page.waitForSelector('text=admin@acme.example');
      assert.equal(await (await settings()).inputValue(), 'info@acme.example');
      assert.deepEqual(dialogs, []);
    });
  });
}
