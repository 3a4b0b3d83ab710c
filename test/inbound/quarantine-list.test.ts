// The quarantine list filters in the database: a user's own view and the digest find their mail
// however much of the tenant's quarantine is newer, and search matches sender or subject as a
// plain substring (LIKE wildcards in the search text are literal). SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Store } from '../../src/store/store.ts';
import { listQuarantine } from '../../src/inbound/quarantine.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

/** more than the 5,000 newest rows the list used to filter in JavaScript */
const NEWER = 5001;

for (const kind of backends()) {
  describe(`quarantine list on ${kind}`, () => {
    let store: Store;
    let tenantId: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      const quarantined = {
        tenantId,
        direction: 'inbound' as const,
        state: 'quarantined' as const,
        dueAt: null,
        messageId: null,
        size: 10,
        facts: {},
        plan: null,
        submittedBy: null,
        body: Buffer.from('x'),
        events: [],
      };
      await store.insertMessage({
        ...quarantined,
        id: 'a-old',
        mailFrom: 'billing@vendor.test',
        recipients: ['Taro@Acme.example'],
        headerFrom: '経理部 <billing@vendor.test>',
        subject: '請求書 100%_確認',
      });
      await store.insertMessage({
        ...quarantined,
        id: 'a-other',
        mailFrom: 'news@vendor.test',
        recipients: ['hanako@acme.example'],
        headerFrom: 'news@vendor.test',
        subject: 'Weekly 100 percent',
      });
      // NEWER quarantined messages for someone else, newer ids, written in one statement
      await sql`
        INSERT INTO messages
          (id, tenant_id, direction, state, created_at, updated_at, mail_from, recipients, header_from, subject, size, facts)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${NEWER})
        SELECT 'b-' || i, ${tenantId}, 'inbound', 'quarantined', 1, 1, 'bulk@spam.test', '["jiro@acme.example"]',
          'bulk@spam.test', 'Cheap pills', 1, '{}' FROM n`.execute(store.db);
      await sql`INSERT INTO recipients (message_id, address, state, attempts, updated_at)
        SELECT id, 'jiro@acme.example', 'pending', 0, 1 FROM messages WHERE id LIKE 'b-%'`.execute(store.db);
    });
    after(async () => {
      await dropTestStore(store);
    });

    it("finds a recipient's mail behind more than 5,000 newer messages, whatever the address's case", async () => {
      const mine = await listQuarantine(store, { tenantId, recipient: 'taro@acme.example' });
      assert.deepEqual(
        mine.map((m) => m.id),
        ['a-old'],
      );
      assert.equal((await listQuarantine(store, { tenantId })).length, 100, 'unfiltered: the default page');
      assert.equal((await listQuarantine(store, { tenantId, recipient: 'jiro@acme.example', limit: 7 })).length, 7);
    });

    it('searches sender and subject as plain text, newest first', async () => {
      assert.deepEqual(
        (await listQuarantine(store, { tenantId, search: '請求書' })).map((m) => m.id),
        ['a-old'],
      );
      assert.deepEqual(
        (await listQuarantine(store, { tenantId, search: 'BILLING@' })).map((m) => m.id),
        ['a-old'],
      );
      assert.deepEqual(
        (await listQuarantine(store, { tenantId, search: '100%_' })).map((m) => m.id),
        ['a-old'],
        '% and _ are literal',
      );
      assert.deepEqual(
        (await listQuarantine(store, { tenantId, search: '100' })).map((m) => m.id),
        ['a-other', 'a-old'],
      );
      assert.deepEqual(await listQuarantine(store, { tenantId, search: 'cheap', recipient: 'taro@acme.example' }), []);
    });
  });
}
