// Makes SQLite's write-ahead log durable off the main thread. A group commit is written to the
// WAL without SQLite's own fsync (which would block the event loop for the whole disk flush);
// `sync()` then fdatasyncs the WAL in libuv's thread pool and resolves once every commit that had
// ended before the call is on disk. Calls that arrive while a flush is running share the next one.
// It also reads which round of the log this is (`round()`), so the caller can tell it started over.
import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Coalesced } from '../../util/coalesced.ts';

export class WalSync {
  private fd: FileHandle | null = null;
  private readonly flush = new Coalesced(() => this.flushNow());
  /** flushes done so far (tests read it to see that commits share them) */
  flushes = 0;

  constructor(private readonly walFile: string) {}

  sync(): Promise<void> {
    return this.flush.run();
  }

  /**
   * The log's first salt (its header's bytes 16–19): whichever connection starts the log over, which
   * SQLite does only after a checkpoint copied all of it into the database, adds one to it (the
   * checkpoint sequence number beside it counts only that connection's). -1 before the first flush
   * opened the file. One 4-byte read from the page cache (a few µs).
   */
  round(): number {
    if (!this.fd) return -1;
    const b = Buffer.alloc(4);
    return readSync(this.fd.fd, b, 0, 4, 16) === 4 ? b.readUInt32BE(0) : -1;
  }

  async close(): Promise<void> {
    await this.flush.idle();
    await this.fd?.close();
    this.fd = null;
  }

  private async flushNow(): Promise<void> {
    if (!this.fd) {
      // SQLite keeps the WAL file while any connection is open (ours is), so this handle stays
      // valid. The file may be new: its directory entry is made durable once, as SQLite would.
      this.fd = await open(this.walFile, 'r');
      const dir = await open(dirname(this.walFile), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    await this.fd.datasync();
    this.flushes++;
  }
}
