// BlobStore in the database (tables `blobs` and `blob_chunks`, attachments migrations), so every
// node sharing one PostgreSQL sees the same files. put streams the bytes into 256 KiB chunk rows
// under a fresh blob id, then points the key at it in one transaction (the old chunks go in the
// same transaction): a key names either the old or the complete new blob, never a partial one.
// get streams chunk by chunk, so neither side holds a whole file in memory.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Store } from '../store/store.ts';
import type { BlobTables } from './tables.ts';
import { assertBlobKey, BlobNotFoundError, type BlobInfo, type BlobStore } from './blob-store.ts';

const CHUNK = 256 * 1024;

export class DbBlobStore implements BlobStore {
  private readonly db: Kysely<BlobTables>;

  constructor(store: Store) {
    this.db = store.db.withTables<BlobTables>() as unknown as Kysely<BlobTables>;
  }

  async put(key: string, content: Readable): Promise<BlobInfo> {
    assertBlobKey(key);
    const blobId = randomBytes(16).toString('hex');
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingLength = 0;
    const flush = async () => {
      if (pendingLength === 0) return;
      const data = Buffer.concat(pending, pendingLength);
      pending = [];
      pendingLength = 0;
      await this.db.insertInto('blob_chunks').values({ blob_id: blobId, seq: seq++, data }).execute();
    };
    try {
      for await (const chunk of content) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        hash.update(buf);
        size += buf.length;
        pending.push(buf);
        pendingLength += buf.length;
        if (pendingLength >= CHUNK) await flush();
      }
      await flush();
      await this.db.transaction().execute(async (trx) => {
        const old = await trx.selectFrom('blobs').select('blob_id').where('key', '=', key).executeTakeFirst();
        if (old) {
          await trx.deleteFrom('blob_chunks').where('blob_id', '=', old.blob_id).execute();
          await trx.deleteFrom('blobs').where('key', '=', key).execute();
        }
        await trx
          .insertInto('blobs')
          .values({ key, blob_id: blobId, size, sha256: hash.digest('hex'), created_at: Date.now() })
          .execute();
      });
    } catch (err) {
      await this.db
        .deleteFrom('blob_chunks')
        .where('blob_id', '=', blobId)
        .execute()
        .catch(() => {});
      throw err;
    }
    const row = await this.db.selectFrom('blobs').select(['size', 'sha256']).where('key', '=', key).executeTakeFirstOrThrow();
    return { size: Number(row.size), sha256: row.sha256 };
  }

  get(key: string): Readable {
    assertBlobKey(key);
    const db = this.db;
    async function* chunks(): AsyncGenerator<Buffer> {
      const blob = await db.selectFrom('blobs').select('blob_id').where('key', '=', key).executeTakeFirst();
      if (!blob) throw new BlobNotFoundError(key);
      for (let seq = 0; ; seq++) {
        const row = await db
          .selectFrom('blob_chunks')
          .select('data')
          .where('blob_id', '=', blob.blob_id)
          .where('seq', '=', seq)
          .executeTakeFirst();
        if (!row) return;
        yield Buffer.from(row.data);
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async delete(key: string): Promise<void> {
    assertBlobKey(key);
    await this.db.transaction().execute(async (trx) => {
      const blob = await trx.selectFrom('blobs').select('blob_id').where('key', '=', key).executeTakeFirst();
      if (!blob) return;
      await trx.deleteFrom('blob_chunks').where('blob_id', '=', blob.blob_id).execute();
      await trx.deleteFrom('blobs').where('key', '=', key).execute();
    });
  }

  async exists(key: string): Promise<boolean> {
    assertBlobKey(key);
    return !!(await this.db.selectFrom('blobs').select('key').where('key', '=', key).executeTakeFirst());
  }
}
