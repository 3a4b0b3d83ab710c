// BlobStore on the local filesystem under one root directory (default: <data dir>/blobs).
// put writes to a temporary file, fsyncs it, renames it into place and fsyncs the directory,
// so a blob is either absent or complete and durable once put resolves. Keys map to paths
// only after validation (assertBlobKey), so no key reaches outside the root. Directories are
// made 0700 and files 0600, like everything in the data dir.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensurePrivateDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../util/private-files.ts';
import { assertBlobKey, BlobNotFoundError, type BlobInfo, type BlobStore } from './blob-store.ts';

export class FsBlobStore implements BlobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    ensurePrivateDir(this.root); // an older Sekisho made its directories 0755
  }

  async put(key: string, content: Readable): Promise<BlobInfo> {
    const file = this.pathOf(key);
    const dir = dirname(file);
    await this.makeDirDurable(dir);
    const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, measure, createWriteStream(temp, { mode: PRIVATE_FILE_MODE }));
      await fsyncPath(temp);
      await rename(temp, file);
      await fsyncPath(dir);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return { size, sha256: hash.digest('hex') };
  }

  get(key: string): Readable {
    const file = this.pathOf(key);
    const out = new PassThrough();
    const input = createReadStream(file);
    input.on('error', (err: NodeJS.ErrnoException) => out.destroy(err.code === 'ENOENT' ? new BlobNotFoundError(key) : err));
    return input.pipe(out);
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await fsyncPath(dirname(file)).catch(() => {});
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  /** New directories are only durable once their parents are fsynced too. */
  private async makeDirDurable(dir: string): Promise<void> {
    const firstCreated = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (!firstCreated) return;
    for (let d = dir; ; d = dirname(d)) {
      await fsyncPath(dirname(d));
      if (d === firstCreated || d === this.root || dirname(d) === d) break;
    }
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    const path = resolve(this.root, ...key.split('/'));
    // belt and braces: the validated key can only resolve inside root
    if (!path.startsWith(this.root + sep)) throw new Error(`blob key escapes the store root: ${key}`);
    return path;
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
