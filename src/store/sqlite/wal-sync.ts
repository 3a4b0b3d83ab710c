// Makes SQLite's write-ahead log durable off the main thread. A group commit is written to the
// WAL without SQLite's own fsync (which would block the event loop for the whole disk flush);
// `sync()` then fdatasyncs the WAL in libuv's thread pool and resolves once every commit that had
// ended before the call is on disk. Calls that arrive while a flush is running share the next one.
// It also reads which round of the log this is (`round()`), so the caller can tell it started over,
// and how many frames the log holds (`frames()`), so it can tell when SQLite's own checkpoint is near.
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Coalesced } from '../../util/coalesced.ts';

/** The wal-index (-shm) holds its fields in the machine's byte order; the log's header is big-endian. */
const INDEX_LITTLE_ENDIAN = endianness() === 'LE';

export class WalSync {
  private fd: FileHandle | null = null;
  /** the wal-index (-shm), opened by the first `frames()` after SQLite made it */
  private shm: number | null = null;
  /** the 4 bytes every header read goes through */
  private readonly word = Buffer.alloc(4);
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
    return this.fd ? this.readWord(this.fd.fd, 16, false) : -1;
  }

  /**
   * Frames in the log now: the wal-index header's mxFrame (-shm bytes 16–19, in the machine's byte
   * order; SQLite's file format, "WAL-index format"), which every connection's commit updates and a
   * start-over sets to 0. -1 before SQLite has made the file. One 4-byte read from the page cache.
   */
  frames(): number {
    return this.indexField(16);
  }

  /**
   * How far into this round's log a checkpoint has set out to copy (the wal-index's
   * nBackfillAttempted, -shm bytes 128–131): 0 while no connection of any process has begun one
   * since the log started over. -1 before SQLite has made the file.
   */
  checkpointBegun(): number {
    return this.indexField(128);
  }

  private indexField(offset: number): number {
    if (this.shm === null) {
      try {
        this.shm = openSync(this.walFile.replace(/-wal$/, '-shm'), 'r');
      } catch {
        return -1;
      }
    }
    return this.readWord(this.shm, offset, INDEX_LITTLE_ENDIAN);
  }

  /** The unsigned 32-bit number at `offset` of the file, or -1 if it is not there. */
  private readWord(fd: number, offset: number, littleEndian: boolean): number {
    if (readSync(fd, this.word, 0, 4, offset) !== 4) return -1;
    return littleEndian ? this.word.readUInt32LE(0) : this.word.readUInt32BE(0);
  }

  async close(): Promise<void> {
    await this.flush.idle();
    if (this.shm !== null) closeSync(this.shm);
    this.shm = null;
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
