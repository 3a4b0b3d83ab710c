// The process-wide pool of analysis worker threads (src/analysis-worker.ts): MIME parsing of
// large messages and the inbound content analysis run there, so no message holds the event loop
// that answers SMTP, HTTP and deliveries. One pool per process, shared by every Sekisho started in
// it (tests start several); sized once by `configureAnalysisPool` (config analysisThreads). Each
// task's type is declared beside its caller (AnalysisTasks).
import { availableParallelism } from 'node:os';
import { WorkerPool, workerModuleUrl } from '../util/worker-pool.ts';

/**
 * The tasks the threads run, by name. Each is added (declaration merging) beside the code that hands
 * it to the pool — parse (mime/parse-facts.ts), view (mime/message-view.ts), analyzeInbound
 * (inbound/spam/analyze-off-loop.ts), inspectAttachments (outbound/inspect-attachments.ts) — and the
 * worker's entry serves exactly these (`satisfies AnalysisTasks`), so the pool names no layer above it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging beside each task's caller
export interface AnalysisTasks {}
/** The same as an object type: an interface has no index signature, and WorkerPool takes a TaskMap. */
type Tasks = { [K in keyof AnalysisTasks]: AnalysisTasks[K] };

/** Two threads at least (one long analysis must not queue every other), four at most. */
export function defaultThreads(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

let threads = defaultThreads();
let pool: WorkerPool<Tasks> | null = null;

function thePool(): WorkerPool<Tasks> {
  pool ??= new WorkerPool<Tasks>({ module: workerModuleUrl('../analysis-worker', import.meta.url), threads });
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
