// The store decodes a message row once into a typed Message (src/store/message.ts): recipients as
// an array, facts without the body text, the plan by section. Rows as the current code writes
// them read back as written; rows of earlier versions (facts with the body text, no plan) and
// damaged columns decode too. And the queries on messages that moved into the store answer as
// before. On SQLite and PostgreSQL.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.ts';
import { decodeFacts, decodeRecipients } from '../../src/store/message.ts';
import { messagesPerTenant, lastErrorAtPerTenant } from '../../src/store/message-counts.ts';
import { leaseMessage } from '../../src/store/message-lease.ts';
import { parseMessage } from '../../src/mime/parse-facts.ts';
import { fullFacts } from '../../src/mime/stored-facts.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';
import { newMessage } from '../helpers/messages.ts';
import { ALL_TENANTS, tenantScope } from '../../src/store/tenant-scope.ts';

const RAW = Buffer.from(
  'From: Taro <taro@acme.example>\r\nTo: Hanako <hanako@example.net>\r\nSubject: 見積\r\nMessage-ID: <m1@acme.example>\r\n\r\nこんにちは\r\n',
);

test('damaged recipients and facts columns decode as none', () => {
  for (const bad of ['', '{', 'null', '"a@b"', '{"a":1}']) assert.deepEqual(decodeRecipients(bad), [], bad);
  assert.deepEqual(decodeRecipients('["a@b", 3, "c@d"]'), ['a@b', 'c@d']);
  for (const bad of ['', '{', 'null', '[1]', '42']) assert.deepEqual(decodeFacts(bad), {}, bad);
});

for (const kind of backends()) {
  describe(`the typed message on ${kind}`, () => {
    let store: Store;
    let tenantId: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('a message as acceptance writes it reads back as the Message insertMessage returned', async () => {
      const envelope = { mailFrom: 'taro@acme.example', recipients: ['hanako@example.net', 'jiro@example.org'] };
      const { facts } = await parseMessage(RAW, envelope, 'outbound');
      const plan = { delivery: { delayWarned: true }, system: { kind: 'digest', relatedMessageId: null } };
      const written = await store.insertMessage(newMessage(tenantId, { recipients: envelope.recipients, facts, plan, body: RAW }));
      const read = (await store.message(written.id, ALL_TENANTS))!;
      assert.deepEqual(read.recipients, envelope.recipients);
      assert.deepEqual(read.plan, plan);
      assert.equal(read.facts.subject, '見積');
      assert.deepEqual(read.facts.to, [{ address: 'hanako@example.net', name: 'Hanako' }]);
      assert.equal('text' in read.facts || 'html' in read.facts, false, 'the body text stays in the body');
      assert.deepEqual({ ...read, facts: null }, { ...written, facts: null });
      assert.deepEqual(read.facts, JSON.parse(JSON.stringify(written.facts)));
      assert.match((await fullFacts(store, read)).text, /こんにちは/);
      const listed = (await store.listMessages({ scope: tenantScope(tenantId) })).find((m) => m.id === written.id)!;
      assert.deepEqual(listed.recipients, envelope.recipients);
      const lease = await leaseMessage(store, written.id, { purpose: 'test', states: ['queued'], scope: ALL_TENANTS });
      assert.ok('m' in lease);
      assert.deepEqual(lease.m.plan, plan);
    });

    it('rows of earlier versions and damaged rows decode', async () => {
      const now = Date.now();
      const row = (id: string, facts: string, recipients: string, plan: string | null) => ({
        id,
        tenant_id: tenantId,
        direction: 'outbound' as const,
        state: 'delivered' as const,
        due_at: null,
        created_at: now,
        updated_at: now,
        mail_from: 'taro@acme.example',
        recipients,
        header_from: 'taro@acme.example',
        subject: 's',
        message_id: null,
        size: 1,
        facts,
        plan,
        submitted_by: 'taro@acme.example',
        attempts: 1,
        first_attempt_at: now,
        last_error: null,
        locked_by: null,
        locked_until: null,
        digest: null,
        body_purged_at: now,
      });
      await store.db
        .insertInto('messages')
        .values([
          row('old-1', JSON.stringify({ subject: 's', text: 'kept text', html: null, to: [] }), '["a@example.net"]', null),
          row('old-2', 'not json', 'not json', '{'),
        ])
        .execute();
      const old = (await store.message('old-1', ALL_TENANTS))!;
      assert.deepEqual(old.recipients, ['a@example.net']);
      assert.deepEqual(old.plan, {});
      assert.equal((await fullFacts(store, old)).text, 'kept text', 'the text an earlier version kept in the row');
      const damaged = (await store.message('old-2', ALL_TENANTS))!;
      assert.deepEqual([damaged.recipients, damaged.facts, damaged.plan], [[], {}, {}]);
    });

    it('a resend found in its commit is an event on the first message, not a second row', async () => {
      const t = (await store.createTenant({ name: 'gamma', domains: ['gamma.example'] })).id;
      const event = { actor: 'smtp:192.0.2.1', type: 'duplicate.suppressed' as const, data: { note: 'again' } };
      const copy = (since: number) => store.insertUnlessResent(newMessage(t), { digest: 'dd', since, event });
      // committed together (one group commit): the second sees the first in the same transaction
      const [a, b] = await Promise.all([copy(Date.now() - 1000), copy(Date.now() - 1000)]);
      assert.ok(a && 'inserted' in a, 'the first copy is inserted');
      assert.deepEqual(b, { resendOf: a.inserted.id });
      assert.ok((await store.events(a.inserted.id)).some((e) => e.type === 'duplicate.suppressed' && /again/.test(e.data)));
      assert.equal((await store.listMessages({ scope: tenantScope(t) })).length, 1);
      const later = await copy(Date.now() + 1000); // the window has passed: a new message
      assert.ok('inserted' in later);
    });

    it('the queries that moved into the store answer as before', async () => {
      const other = (await store.createTenant({ name: 'beta', domains: ['beta.example'] })).id;
      const since = Date.now() - 1;
      const a = await store.insertMessage(
        newMessage(other, { recipients: ['x@example.net'], state: 'held', dueAt: null, digest: 'd1', mailFrom: 'a@beta.example' }),
      );
      const b = await store.insertMessage(newMessage(other, { recipients: ['y@example.net'], state: 'quarantined', dueAt: null }));
      await store.insertMessage(newMessage(other, { state: 'deferred', recipients: ['z@example.net'] }));
      assert.deepEqual(
        (await store.listMessages({ scope: tenantScope(other), recipient: 'X@example.net' })).map((m) => m.id),
        [a.id],
      );
      assert.deepEqual(
        (await store.listMessages({ scope: tenantScope(other), states: ['held', 'quarantined'], since })).map((m) => m.id),
        [b.id, a.id],
      );
      assert.equal(await store.firstWithDigest(other, 'd1', since), a.id);
      assert.equal(await store.firstWithDigest(other, 'd1', Date.now() + 1000), null);
      assert.deepEqual(await store.topSenders(other, since, 10), [
        { sender: 'a@acme.example', count: 2 },
        { sender: 'a@beta.example', count: 1 },
      ]);
      assert.deepEqual(await store.tenantStateCounts(other), { deferred: 1, held: 1, quarantined: 1 });
      assert.deepEqual(
        (await store.deferredRecipients(tenantScope(other))).map((r) => r.address),
        ['z@example.net'],
      );
      assert.equal((await messagesPerTenant(store.db, { tenantIds: [other], since })).get(other), 3);
      assert.equal((await messagesPerTenant(store.db, { states: ['quarantined'] })).get(other), 1);
      assert.equal((await lastErrorAtPerTenant(store.db)).get(other), undefined);
    });
  });
}
