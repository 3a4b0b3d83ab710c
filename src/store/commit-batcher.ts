// Group commit: items added while a commit is running (or in the same event-loop turn) are
// written together in the next transaction, so 20 concurrent SMTP sessions cost a handful of
// fsyncs instead of twenty. Each add() resolves only after its own batch is durable. When items
// arrived while the last commit ran, the writer is what they wait for: that next batch waits a few
// milliseconds more for company (like PostgreSQL's commit_delay); an item that finds the writer
// idle is committed at once, so a lone client sees no delay. A commit may report that it is
// written but not yet durable (SQLite's log flush runs off the main thread): the next batch is
// then written while that flush runs, and its items wait for their own flush.
import type { Committed } from './dialect.ts';

export class CommitBatcher<T> {
  private pending: Array<{ item: T; resolve: () => void; reject: (e: unknown) => void }> = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  /** batches written whose flush has not ended yet (drain() waits for them) */
  private readonly flushing = new Set<Promise<void>>();

  /**
   * @param gatherMs how long a batch of items that queued behind a running commit waits for more.
   *   Every commit costs a transaction, its pages written to the log and an fsync, whatever its
   *   size; on SQLite with several processes it also empties the others' page caches.
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<Committed | void>,
    private readonly maxBatch = 200,
    private readonly gatherMs = 0,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule(false);
    });
  }

  async drain(): Promise<void> {
    while (this.running || this.pending.length > 0 || this.scheduled || this.flushing.size > 0) {
      if (this.running) await this.running.catch(() => {});
      else if (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
      else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(gather: boolean): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      this.flush();
    };
    // setImmediate lets the other sessions' DATA that arrived in this I/O turn join the batch.
    if (gather && this.gatherMs > 0 && this.pending.length < this.maxBatch) setTimeout(go, this.gatherMs);
    else setImmediate(go);
  }

  private flush(): void {
    if (this.running || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.running = this.commitBatch(batch).finally(() => {
      this.running = null;
      if (this.pending.length > 0) this.schedule(true);
    });
  }

  /** Resolves once the batch is written (the writer is free again); its items settle when durable. */
  private async commitBatch(batch: typeof this.pending): Promise<void> {
    let committed: Committed | void;
    try {
      committed = await this.commit(batch.map((b) => b.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One bad row must not fail its neighbours: retry each on its own.
      for (const b of batch) {
        try {
          const alone = await this.commit([b.item]);
          await alone?.durable;
          b.resolve();
        } catch (e) {
          b.reject(e);
        }
      }
      return;
    }
    if (!committed) {
      for (const b of batch) b.resolve();
      return;
    }
    // A failed flush leaves the rows written but not known to be on disk: the batch fails as a
    // whole (no retry: writing them again would duplicate them).
    const flushed = committed.durable.then(
      () => batch.forEach((b) => b.resolve()),
      (err) => batch.forEach((b) => b.reject(err)),
    );
    this.flushing.add(flushed);
    void flushed.finally(() => this.flushing.delete(flushed));
  }
}
