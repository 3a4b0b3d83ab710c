// One run at a time of a task whose every run covers all that was asked before it began (an
// fsync of a log, a checkpoint): a request while it runs waits for one more run, shared by every
// request made meanwhile. So a burst of requests costs two runs, and nobody is answered by a run
// that began before they asked.

export class Coalesced<T> {
  private running: Promise<T> | null = null;
  private queued: Promise<T> | null = null;

  constructor(private readonly task: () => Promise<T>) {}

  /** Resolves with a run that began after this call. */
  run(): Promise<T> {
    if (!this.running) {
      this.running = this.task().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.run();
      });
    return this.queued;
  }

  /** Resolves once no run is under way or waiting (failures included). */
  async idle(): Promise<void> {
    await this.queued?.catch(() => {});
    await this.running?.catch(() => {});
  }
}
