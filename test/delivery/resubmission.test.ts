// A client's resend of a message already committed (its 250 was lost) on SQLite and PostgreSQL:
// the same bytes, envelope and Message-ID within the window get 250 with the first queue id, are
// delivered once and audited as duplicate.suppressed; a changed body, another recipient or a
// message without a Message-ID is a new message; copies sent at the same time are queued once;
// with the window at 0 nothing is suppressed; a resend after a policy change that blocks it gets
// the first queue id and leaves no block trail or notice (a new message is still blocked).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { sendRaw } from '../inbound/shield-helpers.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { noticeKind } from '../outbound/harness.ts';

const message = (messageId: string | null, text: string) =>
  Buffer.from(
    `From: taro@acme.example\r\nTo: partner@example.net\r\nSubject: ` +
      `=?UTF-8?B?${Buffer.from('見積書の再送').toString('base64')}?=\r\n${
        messageId ? `Message-ID: <${messageId}>` + `\r\n` : ''
      }Date: Fri, 27 Nov 2026 10:00:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n${text}\r\n`,
    'utf8',
  );

async function submit(inst: TestInstance, raw: Buffer, to = ['partner@example.net']): Promise<string> {
  const r = await sendRaw(inst.sekisho.ports.submission, raw, { mailFrom: 'taro@acme.example', to });
  assert.equal(r.code, 250, r.text);
  return /queued as (\S+)/.exec(r.text)![1]!;
}

async function settled(inst: TestInstance, ids: string[]) {
  for (const deadline = Date.now() + 20_000; ; ) {
    const states = await Promise.all(ids.map(async (id) => (await inst.sekisho.store.message(id, ALL_TENANTS))?.state));
    if (states.every((s) => s === 'delivered')) return;
    if (Date.now() > deadline) throw new Error(`not delivered: ${states.join(',')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const kind of backends()) {
  describe(`resubmitted messages on ${kind}`, () => {
    let sink: Sink;
    let inst: TestInstance;
    let off: TestInstance;
    before(async () => {
      sink = await startSink();
      inst = await startInstance(kind, { relay: sink.url, trustedNetworks: ['127.0.0.0/8', '::1/128'], pollIntervalMs: 50 });
      off = await startInstance(kind, {
        relay: sink.url,
        trustedNetworks: ['127.0.0.0/8', '::1/128'],
        pollIntervalMs: 50,
        duplicateWindow: '0',
      });
    });
    after(async () => {
      await inst.stop();
      await off.stop();
      await sink.close();
    });

    it('the same message again is answered with its first queue id and delivered once', async () => {
      const raw = message(`resend-${kind}@acme.example`, '添付の見積書をご確認ください。');
      const first = await submit(inst, raw);
      const again = await submit(inst, raw);
      assert.equal(again, first);
      await settled(inst, [first]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sink.messages.filter((m) => m.raw.includes(`resend-${kind}@acme.example`)).length, 1);
      const ev = (await inst.sekisho.store.events(first)).find((e) => e.type === 'duplicate.suppressed');
      assert.ok(ev, 'the resend is in the audit trail of the first message');
      assert.match(ev.data, /127\.0\.0\.1/);
    });

    it('copies sent at the same time over three connections are queued once', async () => {
      // each copy's look-up runs in its commit's transaction: none can miss another still in flight
      const raw = message(`together-${kind}@acme.example`, '同時に三回送信');
      const ids = await Promise.all([submit(inst, raw), submit(inst, raw), submit(inst, raw)]);
      assert.equal(new Set(ids).size, 1, ids.join(' '));
      await settled(inst, [ids[0]!]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sink.messages.filter((m) => m.raw.includes(`together-${kind}@acme.example`)).length, 1);
      const suppressed = (await inst.sekisho.store.events(ids[0]!)).filter((e) => e.type === 'duplicate.suppressed');
      assert.equal(suppressed.length, 2);
    });

    it('a changed body, another recipient or no Message-ID is a new message', async () => {
      const id = `edited-${kind}@acme.example`;
      const a = await submit(inst, message(id, '版 1'));
      const b = await submit(inst, message(id, '版 2'));
      const c = await submit(inst, message(id, '版 1'), ['other@example.net']);
      const noId = message(null, '監視アラート');
      const d = await submit(inst, noId);
      const e = await submit(inst, noId);
      assert.equal(new Set([a, b, c, d, e]).size, 5);
      await settled(inst, [a, b, c, d, e]);
    });

    it('the resend lookup is an index search, not a scan of the window (it runs for every message)', async () => {
      if (kind !== 'sqlite') return;
      const plan = await sql
        .raw(`EXPLAIN QUERY PLAN select "id", "created_at" from "messages" where "digest" = 'x' and "tenant_id" = 'y'`)
        .execute(inst.sekisho.store.db);
      assert.match(JSON.stringify(plan.rows), /USING INDEX messages_digest/);
    });

    it('a resend the policy now blocks: the first queue id, no policy.blocked, no block notice', async () => {
      const mark = `LATERBLOCK-${kind}`;
      const raw = Buffer.from(
        message(`later-${kind}@acme.example`, '送信済み')
          .toString('utf8')
          .replace(/^Subject: .*$/m, `Subject: ${mark}`),
      );
      const first = await submit(inst, raw);
      const blocking =
        `version: 1\noutbound:\n  rules:\n    - name: Later\n      when: { subject: "${mark}" }\n` +
        `      then: [ { block: { reason: "now blocked", notify: true } } ]\n`;
      assert.ok((await applyPolicy(inst.sekisho.store, inst.tenantId, blocking, 'test')).ok);
      assert.equal(await submit(inst, raw), first, 'the resend is answered as the first copy was');
      const fresh = await sendRaw(inst.sekisho.ports.submission, Buffer.from(raw.toString('utf8').replace('送信済み', '新しい本文')), {
        mailFrom: 'taro@acme.example',
        to: ['partner@example.net'],
      });
      assert.equal(fresh.code, 550, 'a new message is blocked');
      const blockedEvents = await inst.sekisho.store.db
        .selectFrom('events')
        .select('data')
        .where('tenant_id', '=', inst.tenantId)
        .where('type', '=', 'policy.blocked')
        .execute();
      assert.equal(blockedEvents.length, 1, 'only the new message left a block trail');
      for (const deadline = Date.now() + 10_000; !sink.messages.some((m) => noticeKind(m) === 'blocked'); ) {
        assert.ok(Date.now() < deadline, "the new message's block notice arrives");
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sink.messages.filter((m) => noticeKind(m) === 'blocked').length, 1, 'no notice for the resend');
    });

    it('duplicateWindow 0 turns it off', async () => {
      const raw = message(`off-${kind}@acme.example`, 'もう一度');
      const a = await submit(off, raw);
      const b = await submit(off, raw);
      assert.notEqual(a, b);
      await settled(off, [a, b]);
    });
  });
}
