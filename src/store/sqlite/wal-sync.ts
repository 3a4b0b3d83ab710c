// Makes SQLite's write-ahead log durable off the main thread. A group commit is written to the
// WAL without SQLite's own fsync (which would block the event loop for the whole disk flush);
// `sync()` then fdatasyncs the WAL in libuv's thread pool and resolves once every commit that had
// ended before the call is on disk. Calls that arrive while a flush is running share the next one.
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
