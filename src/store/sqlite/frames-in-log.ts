// Says when a commit is about to fill SQLite's write-ahead log to the frame count at which SQLite's
// own checkpoint would run inside a COMMIT on the main thread (copying the log into the database
// and syncing it: 18–78 ms in the fuzz run), so that the thread takes that checkpoint instead. Once
// per round of the log, and by one process only: the frames written while the thread copies are
// left to SQLite's own, which then copies only those and lets the log start over. Asking again
// chased the writers with two fsyncs each time (4–8 thread checkpoints per round per process); that,
// or asking once per round in each process, ran the relay bench 6–25 % slower (reused connections).

/** What the count reads of the log (WalSync). */
export interface LogHeader {
  frames(): number;
  round(): number;
  checkpointBegun(): number;
}

export class FramesInLog {
  /** the round of the log whose checkpoint the thread has been given */
  private given: number | null = null;

  constructor(
    private readonly limit: number,
    private readonly pageSize: number,
    private readonly log: LogHeader,
  ) {}

  /** Whether a commit of `bytes` more brings the log to the limit, the first time this round. */
  reaches(bytes: number): boolean {
    if (this.log.frames() + Math.ceil(bytes / this.pageSize) < this.limit) return false;
    // another process's thread (or SQLite's own) has this round's checkpoint under way or done
    if (this.log.checkpointBegun() !== 0) return false;
    const round = this.log.round();
    if (round === this.given) return false;
    this.given = round;
    return true;
  }
}
