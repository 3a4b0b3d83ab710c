// Retention on SQLite and PostgreSQL: exactly the finished mail past its days loses its body (the
// row stays, marked) or goes whole; held mail of the same age stays; audit events past auditDays
// go through the audited path; a tenant's own days count; a dry run removes nothing; the job's
// lease lets one holder at a time run it; the configuration refuses audit days under metadata days.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { blobStoreFor } from '../../src/blob/blob-store-for.ts';
import { runRetention } from '../../src/retention/retention-run.ts';
import { setTenantRetention, type RetentionDays } from '../../src/retention/retention-days.ts';
import { releaseJobLease, takeJobLease } from '../../src/retention/job-lease.ts';
import { loadConfig, ConfigError } from '../../src/config/load.ts';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { runCli } from '../helpers/process.ts';
import type { MessageState } from '../../src/store/schema/message-state.ts';
import { ALL_TENANTS } from '../../src/store/tenant-scope.ts';

const DAY = 24 * 60 * 60 * 1000;
const DEFAULTS: RetentionDays = { bodyDays: 30, metadataDays: 365, auditDays: 1095 };

for (const kind of backends()) {
  describe(`retention on ${kind}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let acme: string;
    let globex: string;
    const now = Date.now();

    before(async () => {
      tdb = await createTestDatabase(kind);
      store = await openStore({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
      acme = (await store.createTenant({ name: 'acme', domains: ['acme.example'] })).id;
      globex = (await store.createTenant({ name: 'globex', domains: ['globex.example'] })).id;
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    let seq = 0;
    /** a message of `tenantId` in `state`, created `ageDays` ago, with two recipients and a body */
    async function message(tenantId: string, state: MessageState, ageDays: number): Promise<string> {
      const id = `m${String(++seq).padStart(4, '0')}-${state}`;
      await store.insertMessage({
        id,
        tenantId,
        direction: 'outbound',
        state,
        dueAt: null,
        mailFrom: 'a@acme.example',
        recipients: ['x@partner.example', 'y@partner.example'],
        headerFrom: 'a@acme.example',
        subject: `s ${id}`,
        messageId: null,
        size: 10,
        facts: {},
        plan: null,
        submittedBy: 'a@acme.example',
        body: Buffer.from(`body of ${id}`),
        events: [{ actor: 'test', type: 'accepted' }],
      });
      const at = now - ageDays * DAY;
      await store.db.updateTable('messages').set({ created_at: at, updated_at: at }).where('id', '=', id).execute();
      return id;
    }
    const event = (tenantId: string | null, ageDays: number, type: string) =>
      store.db
        .insertInto('events')
        .values({ tenant_id: tenantId, message_id: null, at: now - ageDays * DAY, actor: 'test', type, data: '{}' })
        .execute();
    const bodyOf = async (id: string) => (await store.body(id))?.toString();
    const row = (id: string) => store.message(id, ALL_TENANTS);

    const ids: Record<string, string> = {};
    it('a dry run counts what would go and removes nothing', async () => {
      ids.oldDelivered = await message(acme, 'delivered', 40);
      ids.oldBounced = await message(acme, 'bounced', 31);
      ids.oldHeld = await message(acme, 'held', 40);
      ids.oldApproval = await message(acme, 'awaiting_approval', 400);
      ids.oldQuarantined = await message(acme, 'quarantined', 400);
      ids.oldQueued = await message(acme, 'deferred', 400);
      ids.ancientDelivered = await message(acme, 'delivered', 400);
      ids.recentDelivered = await message(acme, 'delivered', 29);
      ids.globexDelivered = await message(globex, 'delivered', 40);
      await event(acme, 1100, 'ancient');
      await event(acme, 1000, 'old-but-kept');
      await event(null, 1200, 'tenantless-ancient');
      await setTenantRetention(store, (await store.tenantByName('globex'))!, DEFAULTS, { bodyDays: 60 }, 'test');

      const eventsBefore = await store.db.selectFrom('events').select('id').execute();
      const report = await runRetention(store, blobStoreFor({ dataDir: tdb.dataDir }, store), { defaults: DEFAULTS, dryRun: true, now });
      const acmeReport = report.find((r) => r.tenant === 'acme')!;
      assert.deepEqual(
        {
          bodies: acmeReport.bodies,
          messages: acmeReport.messages,
          recipients: acmeReport.recipients,
          auditEvents: acmeReport.auditEvents,
        },
        { bodies: 2, messages: 1, recipients: 2, auditEvents: 1 },
      );
      assert.equal(report.find((r) => r.tenant === 'globex')!.bodies, 0, 'globex keeps bodies 60 days');
      assert.equal(report.find((r) => r.tenant === null)!.auditEvents, 1);
      for (const id of Object.values(ids)) assert.match((await bodyOf(id)) ?? '', /^body of/, `${id} untouched by the dry run`);
      assert.equal((await store.db.selectFrom('events').select('id').execute()).length, eventsBefore.length);
    });

    it('a run removes exactly what it should, in small batches, and records it', async () => {
      const report = await runRetention(store, blobStoreFor({ dataDir: tdb.dataDir }, store), {
        defaults: DEFAULTS,
        now,
        batchSize: 1,
      });
      const acmeReport = report.find((r) => r.tenant === 'acme')!;
      assert.equal(acmeReport.bodies, 2);
      assert.equal(acmeReport.messages, 1);
      assert.equal(acmeReport.recipients, 2);
      assert.equal(acmeReport.auditEvents, 1);

      // old finished mail: body gone, row kept and marked
      for (const id of [ids.oldDelivered!, ids.oldBounced!]) {
        assert.equal(await bodyOf(id), undefined);
        const r = await row(id);
        assert.ok(r && r.body_purged_at !== null, `${id} is kept and marked`);
        assert.equal((await store.recipients(id)).length, 2);
      }
      // held, approval-pending, quarantined and queued mail is never purged by age
      for (const id of [ids.oldHeld!, ids.oldApproval!, ids.oldQuarantined!, ids.oldQueued!, ids.recentDelivered!, ids.globexDelivered!]) {
        assert.match((await bodyOf(id)) ?? '', /^body of/, `${id} keeps its body`);
        assert.equal((await row(id))!.body_purged_at, null);
      }
      // finished mail past metadataDays: gone with its recipients
      assert.equal(await row(ids.ancientDelivered!), undefined);
      assert.equal((await store.recipients(ids.ancientDelivered!)).length, 0);
      assert.equal(await bodyOf(ids.ancientDelivered!), undefined);

      // audit: the ancient events went, the younger stayed, and the removal is on record
      const types = (await store.db.selectFrom('events').select('type').execute()).map((e) => e.type);
      assert.ok(!types.includes('ancient') && !types.includes('tenantless-ancient'));
      assert.ok(types.includes('old-but-kept'));
      const purged = await store.db.selectFrom('events').selectAll().where('type', '=', 'audit.purged').execute();
      assert.equal(purged.length, 2);
      const acmePurge = purged.find((e) => e.tenant_id === acme)!;
      assert.equal(JSON.parse(acmePurge.data).removed, 1);
      assert.deepEqual(JSON.parse(acmePurge.data).types, { ancient: 1 });
      const recorded = await store.db.selectFrom('events').select('type').where('type', 'like', 'retention.%').execute();
      assert.equal(recorded.filter((e) => e.type === 'retention.bodies_purged').length, 2, 'one event per batch of 1');
      assert.equal(recorded.filter((e) => e.type === 'retention.messages_purged').length, 1);

      // a second run finds nothing more
      const again = await runRetention(store, blobStoreFor({ dataDir: tdb.dataDir }, store), { defaults: DEFAULTS, now });
      assert.ok(again.every((r) => r.bodies + r.messages + r.auditEvents === 0));
    });

    it('a tenant override that would break the order is refused', async () => {
      const globexRow = (await store.tenantByName('globex'))!;
      await assert.rejects(setTenantRetention(store, globexRow, DEFAULTS, { metadataDays: 2000 }, 'test'), /audit days/);
      await assert.rejects(setTenantRetention(store, globexRow, DEFAULTS, { auditDays: 100 }, 'test'), /audit days/);
    });

    it('the job lease lets one holder at a time run it', async () => {
      const a = { name: 'retention-test', holder: 'node-a', ms: 60_000 };
      const b = { name: 'retention-test', holder: 'node-b', ms: 60_000 };
      const [ta, tb] = await Promise.all([takeJobLease(store.db, a), takeJobLease(store.db, b)]);
      assert.equal(Number(ta) + Number(tb), 1, 'exactly one takes it');
      const winner = ta ? a : b;
      const loser = ta ? b : a;
      assert.equal(await takeJobLease(store.db, winner), true, 'the holder extends it');
      await releaseJobLease(store.db, winner, true);
      assert.equal(await takeJobLease(store.db, loser), true, 'free again once released');
    });
  });
}

describe('retention configuration', () => {
  it('refuses audit days shorter than metadata days, with one line', () => {
    assert.throws(
      () => loadConfig({ SEKISHO_CONFIG: '/dev/null' }, { retentionMetadataDays: 400, retentionAuditDays: 300 }),
      (err: unknown) => err instanceof ConfigError && /retentionAuditDays/.test(err.message) && !err.message.includes('\n'),
    );
    const c = loadConfig({ SEKISHO_CONFIG: '/dev/null' });
    assert.deepEqual([c.retentionBodyDays, c.retentionMetadataDays, c.retentionAuditDays], [30, 365, 1095]);
  });
});

for (const kind of backends()) {
  describe(`sekisho retention on ${kind}`, () => {
    let tdb: TestDatabase;
    let env: Record<string, string | undefined>;
    let id: string;

    before(async () => {
      tdb = await createTestDatabase(kind);
      env = { SEKISHO_DATA_DIR: tdb.dataDir, SEKISHO_DATABASE_URL: tdb.url, SEKISHO_CONFIG: '/dev/null', SEKISHO_DEMO_TENANT: 'false' };
      const store = await openStore({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
      const tenant = await store.createTenant({ name: 'acme', domains: ['acme.example'] });
      id = 'cli-old-delivered';
      await store.insertMessage({
        id,
        tenantId: tenant.id,
        direction: 'outbound',
        state: 'delivered',
        dueAt: null,
        mailFrom: 'a@acme.example',
        recipients: ['x@partner.example'],
        headerFrom: 'a@acme.example',
        subject: '古い議事録',
        messageId: null,
        size: 10,
        facts: {},
        plan: null,
        submittedBy: 'a@acme.example',
        body: Buffer.from('本文'),
        events: [],
      });
      await store.db
        .updateTable('messages')
        .set({ created_at: Date.now() - 40 * DAY })
        .where('id', '=', id)
        .execute();
      await store.close();
    });
    after(() => tdb.drop());

    it('--dry-run prints what would go and removes nothing; run removes it and says so', async () => {
      const dry = await runCli(['retention', 'run', '--dry-run'], env);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /^tenant acme: would remove 1 bodies \(older than 30 days\), 0 messages with 0 recipients/m);
      const shown = await runCli(['message', 'show', id], env);
      assert.doesNotMatch(shown.stdout, /bodyPurged\s+removed/);

      const real = await runCli(['retention', 'run', '--tenant', 'acme'], env);
      assert.equal(real.code, 0, real.stderr);
      assert.match(real.stdout, /^tenant acme: removed 1 bodies/m);
      const after = await runCli(['message', 'show', id], env);
      assert.match(after.stdout, /bodyPurged\s+removed after its retention period/);

      const refused = await runCli(['retention', 'set', '--tenant', 'acme', '--audit-days', '100'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^sekisho: audit days \(100\) must be at least metadata days \(365\).*nothing was changed\n$/);
      const set = await runCli(['retention', 'set', '--tenant', 'acme', '--body-days', '7'], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(
        (await runCli(['retention', 'show'], env)).stdout,
        /tenant acme: bodies 7 days, messages 365 days, audit 1095 days \(its own: bodyDays\)/,
      );
    });
  });
}
