// The database-backed BlobStore on SQLite and PostgreSQL: round trip of a multi-chunk blob with
// its size and SHA-256, replace keeps only the new bytes, delete is idempotent, a missing key
// fails the read with BlobNotFoundError, bad keys are refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { backends, createTestDatabase, type TestDatabase } from '../helpers/databases.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { DbBlobStore } from '../../src/blob/db-blob-store.ts';
import { streamToBuffer } from '../../src/mime/rewrite/message-source.ts';

for (const kind of backends()) {
  describe(`DbBlobStore on ${kind}`, () => {
    let db: TestDatabase;
    let store: Store;
    before(async () => {
      db = await createTestDatabase(kind);
      store = await openStore({ databaseUrl: db.url, dataDir: db.dataDir });
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('stores in chunks, reads back byte-identical, replaces, deletes', async () => {
      const blobs = new DbBlobStore(store);
      const bytes = randomBytes(700 * 1024 + 13);
      const info = await blobs.put('download/M1/1', Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
      assert.equal(info.size, bytes.length);
      assert.equal(info.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.ok(await blobs.exists('download/M1/1'));
      assert.deepEqual(await streamToBuffer(blobs.get('download/M1/1')), bytes);
      await blobs.put('download/M1/1', Readable.from([Buffer.from('small')]));
      assert.equal((await streamToBuffer(blobs.get('download/M1/1'))).toString(), 'small');
      const chunks = await store.db
        .withTables<{ blob_chunks: { blob_id: string } }>()
        .selectFrom('blob_chunks')
        .select('blob_id')
        .execute();
      assert.equal(chunks.length, 1, 'the replaced blob left no chunks behind');
      await blobs.delete('download/M1/1');
      await blobs.delete('download/M1/1');
      assert.equal(await blobs.exists('download/M1/1'), false);
      await assert.rejects(streamToBuffer(blobs.get('download/M1/1')), { code: 'BLOB_NOT_FOUND' });
      await assert.rejects(blobs.put('../etc/passwd', Readable.from([Buffer.from('x')])), { code: 'BLOB_KEY_INVALID' });
    });
  });
}
