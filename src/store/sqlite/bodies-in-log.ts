// How many bytes of message bodies this process has written into SQLite's write-ahead log since
// the log last started over: what SQLite's own checkpoint would copy on the main thread, give or
// take. SQLite tells no one when its checkpoint ran, so the count looks at the log's header (see
// WalSync.round) each time it has grown by an eighth of the limit; it is low by at most an eighth.

export class BodiesInLog {
  private bytes = 0;
  /** the log's round at the last look (null: not looked yet) */
  private round: number | null = null;
  /** how far the count goes between looks: an eighth of the limit, a few 4-byte reads a round */
  private readonly step: number;
  /** the count at which to look again */
  private lookAt: number;

  constructor(
    private readonly limit: number,
    private readonly logRound: () => number,
  ) {
    this.step = limit / 8;
    this.lookAt = this.step;
  }

  /** Whether a commit of `bytes` more would bring the log's bodies to the limit. */
  reaches(bytes: number): boolean {
    if (this.bytes + bytes >= Math.min(this.lookAt, this.limit)) this.look();
    return this.bytes + bytes >= this.limit;
  }

  /** A commit of `bytes` was written; `copying`: a checkpoint of the whole log began with it. */
  written(bytes: number, copying: boolean): void {
    this.bytes = copying ? 0 : this.bytes + bytes;
    if (copying) this.lookAt = this.step;
  }

  /** A log that started over since the last look holds only what was written after that. */
  private look(): void {
    const now = this.logRound();
    // -1: the log's round is not known yet (WalSync opens the file at the first flush); a first
    // known round is no start-over
    if (now === -1) {
      this.lookAt = this.bytes + this.step;
      return;
    }
    if (this.round !== null && now !== this.round) this.bytes = 0;
    this.round = now;
    this.lookAt = this.bytes + this.step;
  }
}
