// Copies SQLite's write-ahead log into the database in a worker thread (checkpoint-worker.ts),
// once the log is nearly full (frames-in-log.ts) or holds many bodies (bodies-in-log.ts): SQLite's
// own checkpoint runs inside the COMMIT that fills the log, copying it and fsyncing twice on the
// event loop (18–78 ms in the fuzz run; ~50 MB after a 50 MB message). SQLite's own still copies
// what was written while the thread ran. Requests during a run share the next one.
import { WorkerPool, workerModuleUrl } from '../../util/worker-pool.ts';
import { Coalesced } from '../../util/coalesced.ts';
import type { CheckpointResult, checkpointTasks } from './checkpoint-worker.ts';

const DEADLINE_MS = 60_000;

let pool: WorkerPool<typeof checkpointTasks> | null = null;

/** One thread per process for every open database; idle, it does not keep the process alive. */
function thePool(): WorkerPool<typeof checkpointTasks> {
  pool ??= new WorkerPool({ module: workerModuleUrl('./checkpoint-worker', import.meta.url), threads: 1 });
  return pool;
}

export class WalCheckpointer {
  private readonly pass = new Coalesced(() => this.checkpointNow());
  /** the thread has (or may have) a connection to the file */
  private connected = false;
  /** checkpoints done so far, and the last one's result (tests read them) */
  done = 0;
  last: CheckpointResult | null = null;

  constructor(private readonly file: string) {}

  /** Copies what was committed before the call into the database, in the thread. */
  run(): Promise<CheckpointResult> {
    return this.pass.run();
  }

  /** Waits for a checkpoint under way and closes the thread's connection to the file. */
  async close(): Promise<void> {
    await this.pass.idle();
    if (!this.connected) return;
    await thePool()
      .run('release', { file: this.file }, { deadlineMs: DEADLINE_MS })
      .catch(() => {});
  }

  private async checkpointNow(): Promise<CheckpointResult> {
    this.connected = true;
    const result = await thePool().run('checkpoint', { file: this.file }, { deadlineMs: DEADLINE_MS });
    this.done++;
    this.last = result;
    return result;
  }
}
