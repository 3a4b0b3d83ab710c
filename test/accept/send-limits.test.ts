// The last hour of the send limits is a sliding estimate (src/accept/send-limits.ts): the hour
// before counts by how much of it is still inside the last 60 minutes, unrounded, so three
// messages sent just before the hour turned still count as three just after it, and the reply
// gives the whole count that refused it. Over SQLite and PostgreSQL alike.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Store } from '../../src/store/store.ts';
import { SendLimiter } from '../../src/accept/send-limits.ts';
import { SmtpError } from '../../src/smtp/smtp-error.ts';
import { backends, openTestStore, dropTestStore } from '../helpers/databases.ts';

const HOUR_MS = 3_600_000;

for (const kind of backends()) {
  describe(`the send limits' last hour on ${kind}`, () => {
    let store: Store;
    let tenantId: string;
    let limiter: SendLimiter;
    /** an hour of the past: the rows are written directly, the checks are given their time */
    const hour = Math.floor(Date.now() / HOUR_MS) - 10;
    const submission = () => ({ tenantId, user: null, recipients: 1 });
    const refusal = (text: RegExp) => (err: unknown) => {
      assert.ok(err instanceof SmtpError);
      assert.equal(err.code, 451);
      assert.match(err.message, text);
      return true;
    };

    before(async () => {
      store = await openTestStore(kind);
      tenantId = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      limiter = new SendLimiter({
        store,
        logger: pino({ level: 'silent' }),
        defaults: { userMessagesPerHour: 0, userRecipientsPerHour: 0, tenantMessagesPerHour: 3, tenantRecipientsPerHour: 0 },
        notify: async () => {},
      });
      await store.db
        .insertInto('send_counts')
        .values({ scope: `tenant:${tenantId}`, hour: hour - 1, messages: 3, recipients: 3, noticed_at: null })
        .execute();
    });
    after(async () => {
      await dropTestStore(store);
    });

    it('counts three messages of the minute before the hour turned as three a second after it', async () => {
      await assert.rejects(
        limiter.check(submission(), '192.0.2.1', hour * HOUR_MS + 1_000),
        refusal(/limit of 3 messages per hour \(3 in the last hour\)/),
      );
    });

    it('refuses while the estimate is over two (10 minutes on: 2.5), and lets one through at two (20 minutes on)', async () => {
      await assert.rejects(
        limiter.check(submission(), '192.0.2.1', hour * HOUR_MS + 10 * 60_000),
        refusal(/limit of 3 messages per hour \(3 in the last hour\)/),
      );
      await limiter.check(submission(), '192.0.2.1', hour * HOUR_MS + 20 * 60_000);
    });
  });
}
