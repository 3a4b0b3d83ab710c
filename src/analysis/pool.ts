// The process-wide pool of analysis worker threads (src/analysis-worker.ts): MIME parsing of
// large messages and the inbound content analysis run there, so no message holds the event loop
// that answers SMTP, HTTP and deliveries. One pool per process, shared by every Sekisho started in
// it (tests start several); sized once by `configureAnalysisPool` (config analysisThreads).
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../util/worker-pool.ts';
import type { AnalysisTasks } from '../analysis-worker.ts';

/** Two threads at least (one long analysis must not queue every other), four at most. */
export function defaultThreads(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

let threads = defaultThreads();
let pool: WorkerPool<AnalysisTasks> | null = null;

function workerModule(): URL {
  // Source runs as .ts through tsx; a build turns both files into .js in the same layout.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../analysis-worker.${ext}`, import.meta.url);
}

function thePool(): WorkerPool<AnalysisTasks> {
  pool ??= new WorkerPool<AnalysisTasks>({ module: workerModule(), threads });
  return pool;
}

/**
 * Sets the thread count (before the first task) and, with `warm`, starts the workers so no task
 * waits for their loading; the promise settles once they have loaded.
 */
export function configureAnalysisPool(o: { threads?: number; warm?: boolean }): Promise<void> {
  if (o.threads && !pool) threads = o.threads;
  return o.warm ? thePool().warm() : Promise.resolve();
}

export function runAnalysisTask<K extends keyof AnalysisTasks & string>(
  name: K,
  input: Parameters<AnalysisTasks[K]>[0],
  o: { deadlineMs: number; transfer?: ArrayBuffer[] },
): Promise<Awaited<ReturnType<AnalysisTasks[K]>>> {
  return thePool().run(name, input, o);
}

/**
 * Stops the threads (a process about to exit after a failed start: exiting while a thread is still
 * loading its modules can end the process by a signal instead of its exit code). A later task starts
 * a new pool.
 */
export async function closeAnalysisPool(): Promise<void> {
  const closing = pool;
  pool = null;
  await closing?.close();
}
