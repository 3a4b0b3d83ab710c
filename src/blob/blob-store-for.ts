// Which BlobStore holds web-download files: on PostgreSQL the database itself (every node of a
// cluster shares it, nothing else to set up), otherwise the filesystem under <dataDir>/blobs
// (one node, SQLite). Object storage would slot in here behind the same interface.
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { BlobStore } from './blob-store.ts';
import { DbBlobStore } from './db-blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';

export function blobStoreFor(config: Pick<Config, 'dataDir'>, store: Store): BlobStore {
  return store.kind === 'postgres' ? new DbBlobStore(store) : new FsBlobStore(join(config.dataDir, 'blobs'));
}
