// Makes SQLite's write-ahead log durable off the main thread. A group commit is written to the
// WAL without SQLite's own fsync (which would block the event loop for the whole disk flush);
// `sync()` then fdatasyncs the WAL in libuv's thread pool and resolves once every commit that had
// ended before the call is on disk. Calls that arrive while a flush is running share the next one.
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export class WalSync {
  private fd: FileHandle | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** flushes done so far (tests read it to see that commits share them) */
  flushes = 0;

  constructor(private readonly walFile: string) {}

  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.flush().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // The running flush may have started before the caller's commit was written: it needs one
    // more, and everyone who asks meanwhile is covered by that same one.
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.sync();
      });
    return this.queued;
  }

  async close(): Promise<void> {
    await this.queued?.catch(() => {});
    await this.running?.catch(() => {});
    await this.fd?.close();
    this.fd = null;
  }

  private async flush(): Promise<void> {
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
