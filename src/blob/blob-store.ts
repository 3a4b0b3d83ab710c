// Where large bytes live outside the database rows: queued messages, web-download files. One
// small interface so the filesystem store (default), a database store and object storage are
// interchangeable. `put` is durable when it resolves: after that a crash cannot lose the blob.
import type { Readable } from 'node:stream';

export interface BlobInfo {
  /** bytes stored */
  size: number;
  /** lower-case hex SHA-256 of the bytes stored */
  sha256: string;
}

export interface BlobStore {
  /** Stores the stream's bytes under `key`, replacing any blob there; resolves once durable. */
  put(key: string, content: Readable): Promise<BlobInfo>;
  /** The blob's bytes; the stream fails with a BlobNotFoundError if there is none. */
  get(key: string): Readable;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export class BlobNotFoundError extends Error {
  readonly code = 'BLOB_NOT_FOUND';
  constructor(readonly key: string) {
    super(`no blob stored under key ${JSON.stringify(key)}`);
    this.name = 'BlobNotFoundError';
  }
}

export class InvalidBlobKeyError extends Error {
  readonly code = 'BLOB_KEY_INVALID';
  constructor(readonly key: string) {
    super(`invalid blob key ${JSON.stringify(key)}: use segments of letters, digits, '.', '_', '-' separated by '/', no '..'`);
    this.name = 'InvalidBlobKeyError';
  }
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * Keys are relative paths of safe segments (e.g. "download/01HX.../1"), the same for every store,
 * so a key can never name something outside the store (no '..', no absolute paths, no '\\').
 */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 512 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new InvalidBlobKeyError(key);
  }
}
