// Measures what counting a submission (send_counts upsert for user and tenant, in the message's
// transaction) and checking the limits (one read) add to storing a message. Not a test: run with
// `node --import tsx bench/send-counts.ts` (SEKISHO_TEST_DATABASES picks the databases).
import { backends, createTestDatabase } from '../test/helpers/databases.ts';
import { openStore } from '../src/store/open-store.ts';
import { newMessage } from '../test/helpers/messages.ts';
import { SendLimiter, countSubmission } from '../src/accept/send-limits.ts';
import { createLogger } from '../src/util/logger.ts';

const N = 400;
for (const kind of backends()) {
  const db = await createTestDatabase(kind);
  const store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
  const tenant = await store.createTenant({ name: 'acme', domains: ['acme.example'] });
  const limiter = new SendLimiter({
    store,
    logger: createLogger('silent'),
    defaults: { userMessagesPerHour: 1e9, userRecipientsPerHour: 1e9, tenantMessagesPerHour: 1e9, tenantRecipientsPerHour: 1e9 },
    notify: async () => {},
  });
  const sub = { tenantId: tenant.id, user: 'a@acme.example', recipients: 1 };
  const run = async (label: string, counted: boolean) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      if (counted) await limiter.check(sub, '127.0.0.1');
      await store.insertMessage(newMessage(tenant.id, counted ? { alsoWrite: countSubmission(sub, store.kind) } : {}));
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`${kind} ${label}: ${(ms / N).toFixed(2)} ms per message (${N} one after another)`);
  };
  for (let round = 0; round < 3; round++) {
    await run('plain insert', false);
    await run('check + insert + count', true);
  }
  // the read alone, with an hour of counts in place
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await limiter.check(sub, '127.0.0.1');
  console.log(`${kind} check alone: ${(Number(process.hrtime.bigint() - start) / 1e6 / N).toFixed(3)} ms`);
  await store.close();
  await db.drop();
}
