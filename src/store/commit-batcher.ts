// Group commit: items added while a commit is running (or in the same event-loop turn) are
// written together in the next transaction, so 20 concurrent SMTP sessions cost a handful of
// fsyncs instead of twenty. Each add() resolves only after its own batch has committed. A batch
// waits a few milliseconds for company (like PostgreSQL's commit_delay with commit_siblings), but
// only while more items are on their way (`expectingMore`) and stops as soon as none are: when
// every client is already waiting for its reply, waiting longer would only add latency, and a lone
// client, whose own item was the last one expected, sees no delay.
export class CommitBatcher<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  private gatherTimer: NodeJS.Timeout | null = null;

  /**
   * @param gatherMs how long a batch waits for more while more are expected (`expectingMore`).
   *   Every commit costs a transaction, its pages written to the log and an fsync, whatever its
   *   size; on SQLite with several processes it also empties the others' page caches.
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxBatch = 200,
    private readonly gatherMs = 0,
    /** whether more items are probably on their way (a gathering batch waits only then) */
    private readonly expectingMore: () => boolean = () => true,
  ) {}

  /** Resolves once the batch `item` went into has committed. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // An idle writer waits for company too: at concurrency 8 most commits found it idle and
      // carried one message each (docs/delivery.md, "Current figures", the eleventh machine).
      this.schedule();
    });
  }

  async drain(): Promise<void> {
    while (this.running || this.pending.length > 0 || this.scheduled) {
      if (this.running) await this.running.catch(() => {});
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Nothing more is on its way: a batch that is waiting for company is written now. */
  stopGathering(): void {
    if (!this.gatherTimer) return;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
    setImmediate(() => this.fire());
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    if (this.gatherMs > 0 && this.pending.length < this.maxBatch && this.expectingMore()) {
      this.gatherTimer = setTimeout(() => {
        this.gatherTimer = null;
        this.fire();
      }, this.gatherMs);
    } else {
      // setImmediate lets the other sessions' DATA that arrived in this I/O turn join the batch.
      setImmediate(() => this.fire());
    }
  }

  private fire(): void {
    this.scheduled = false;
    this.flush();
  }

  private flush(): void {
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.running = this.commitBatch(batch).finally(() => {
      this.running = null;
      if (this.pending.length > 0) this.schedule();
    });
  }

  private async commitBatch(batch: typeof this.pending): Promise<void> {
    try {
      await this.commit(batch.map((b) => b.item));
      for (const b of batch) b.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad row must not fail its neighbours: retry each on its own.
      for (const b of batch) {
        try {
          await this.commit([b.item]);
          b.resolve();
        } catch (e) {
          b.reject(e);
        }
      }
    }
  }
}
