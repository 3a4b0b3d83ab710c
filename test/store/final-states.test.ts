// Every list of final message states is the one in src/store/schema/message-state.ts. Two used to leave
// out `deleted`: the queue-depth metric counted deleted mail as waiting, and a deleted ZIP mail's
// password mail stayed pending for ever. Both on SQLite and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { NewMessage, Store } from '../../src/store/store.ts';
import { FINAL_MESSAGE_STATES, MESSAGE_STATES, isFinalState, parseMessageState } from '../../src/store/schema/message-state.ts';
import { attachmentsDb } from '../../src/attachments/plan-actions.ts';
import { sendDuePasswordMails } from '../../src/attachments/password-mail.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

const message = (tenantId: string, id: string, state: NewMessage['state']): NewMessage => ({
  id,
  tenantId,
  direction: 'outbound',
  state,
  dueAt: null,
  mailFrom: 'user@acme.example',
  recipients: ['partner@example.net'],
  headerFrom: 'user@acme.example',
  subject: 's',
  messageId: null,
  size: 1,
  facts: {},
  plan: null,
  submittedBy: 'user@acme.example',
  body: Buffer.from('x'),
  events: [],
});

it('the final states are states; names from people are checked', () => {
  for (const s of FINAL_MESSAGE_STATES) assert.ok(MESSAGE_STATES.includes(s));
  assert.ok(isFinalState('deleted'));
  assert.ok(!isFinalState('held'));
  assert.equal(parseMessageState('deferred'), 'deferred');
  assert.equal(parseMessageState('helt'), null);
});

for (const kind of backends()) {
  describe(`final states on ${kind}`, () => {
    let store: Store;
    let tenantId: string;

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('deleted mail is not counted in the queue depth', async () => {
      await store.insertMessage(message(tenantId, 'm-held', 'held'));
      await store.insertMessage(message(tenantId, 'm-deleted', 'deleted'));
      const counts = await store.stateCounts();
      assert.deepEqual(
        counts.map((c) => c.state),
        ['held'],
      );
    });

    it("a deleted ZIP mail's password mail is skipped, not left pending", async () => {
      await store.insertMessage(message(tenantId, 'm-zip', 'deleted'));
      const db = attachmentsDb(store);
      await db
        .insertInto('attachment_protection')
        .values({
          message_id: 'm-zip',
          tenant_id: tenantId,
          kind: 'zip',
          zip_password: null,
          details: '{}',
          password_mail: 'pending',
          created_at: Date.now(),
        })
        .execute();
      await sendDuePasswordMails(store, 'sekisho.test', pino({ level: 'silent' }));
      const row = await db.selectFrom('attachment_protection').select('password_mail').where('message_id', '=', 'm-zip').executeTakeFirst();
      assert.equal(row?.password_mail, 'skipped');
    });
  });
}
