// A small pool of worker threads for CPU work that must not hold the event loop (MIME parsing of
// large mail, attachment analysis). Tasks wait in a FIFO queue; a task's deadline starts when a
// started worker takes it, not while it queues or a worker loads, so a burst of heavy mail never
// times out the innocent messages behind it. A worker past its deadline is terminated and
// replaced and the task fails with DeadlineExceeded; a crashed worker fails its task with
// WorkerFailed, and a worker that cannot even start fails the queue. Idle workers do not keep the
// process alive. (tinypool and piscina start a task's abort clock at submission, which is why this
// is hand-written.) `serveTasks` is the worker side.
import { parentPort, Worker } from 'node:worker_threads';

export class DeadlineExceeded extends Error {}
export class WorkerFailed extends Error {}

type Handler = (input: never) => unknown;
export type TaskMap = Record<string, Handler>;

interface Job {
  name: string;
  input: unknown;
  transfer: ArrayBuffer[];
  deadlineMs: number;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  /** the worker has loaded its module and said so */
  ready: boolean;
  /** settles once the worker is ready or has failed to start */
  started: Promise<void>;
  /** someone awaits `started` (warm): the loading keeps the process alive */
  awaited: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  seq: number;
}

interface Reply {
  /** sent once by a worker that has loaded its tasks */
  ready?: true;
  seq: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface PoolOptions {
  /** the worker module (a .ts module is loaded through tsx, a built .js one directly) */
  module: URL;
  threads: number;
}

export class WorkerPool<T extends TaskMap> {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /**
   * Starts the workers now, so the first task does not wait for module loading; settles once each
   * has loaded (or failed to start: the failure then meets the first task, as without warming).
   */
  warm(): Promise<void> {
    while (!this.closed && this.slots.length < this.options.threads) this.spawn();
    for (const s of this.slots) s.awaited = true;
    this.dispatch();
    return Promise.all(this.slots.map((s) => s.started)).then(() => undefined);
  }

  run<K extends keyof T & string>(
    name: K,
    input: Parameters<T[K]>[0],
    o: { deadlineMs: number; transfer?: ArrayBuffer[] },
  ): Promise<Awaited<ReturnType<T[K]>>> {
    if (this.closed) return Promise.reject(new WorkerFailed('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({
        name,
        input,
        transfer: o.transfer ?? [],
        deadlineMs: o.deadlineMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new WorkerFailed('the worker pool is closed'));
    await Promise.all(this.slots.splice(0).map((s) => this.retire(s, new WorkerFailed('the worker pool is closed'))));
  }

  private dispatch(): void {
    this.assign();
    // Only work under way keeps the process alive: a busy worker, or one starting for a queued task
    // or for someone awaiting its start.
    for (const s of this.slots) {
      if (s.job || (!s.ready && (this.queue.length > 0 || s.awaited))) s.worker.ref();
      else s.worker.unref();
    }
  }

  private assign(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && s.job === null);
      if (!slot) {
        // Another worker while every started one is busy; the queue is served when one is ready.
        if (this.slots.every((s) => s.ready) && this.slots.length < this.options.threads) this.spawn();
        return;
      }
      const job = this.queue.shift()!;
      slot.job = job;
      slot.seq++;
      slot.timer = setTimeout(() => {
        void this.retire(slot, new DeadlineExceeded(`${job.name} did not finish within ${job.deadlineMs} ms`)).then(() => this.dispatch());
      }, job.deadlineMs);
      slot.worker.postMessage({ seq: slot.seq, name: job.name, input: job.input }, job.transfer);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(this.options.module);
    let started!: () => void;
    const slot: Slot = { worker, ready: false, started: new Promise((r) => (started = r)), awaited: false, job: null, timer: null, seq: 0 };
    worker.on('message', (reply: Reply) => {
      if (reply.ready) {
        slot.ready = true;
        started();
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || reply.seq !== slot.seq) return;
      clearTimeout(slot.timer!);
      slot.job = null;
      slot.timer = null;
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new WorkerFailed(reply.error ?? 'task failed'));
      this.dispatch();
    });
    const fail = (err: Error) => {
      started();
      const failure = new WorkerFailed(`worker stopped: ${err.message}`);
      // A worker that never started would be replaced by one that cannot start either.
      if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(failure);
      void this.retire(slot, failure).then(() => this.dispatch());
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    // After the listeners: attaching a 'message' listener refs the worker's port again.
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  /** Removes a worker (terminating it) and fails its task, if it had one. */
  private async retire(slot: Slot, reason: Error): Promise<void> {
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    slot.timer = null;
    slot.worker.removeAllListeners('exit');
    slot.worker.removeAllListeners('error');
    slot.worker.on('error', () => {});
    job?.reject(reason);
    await slot.worker.terminate().catch(() => undefined);
  }
}

/**
 * The URL of a worker's entry module beside the calling one (`from`: its import.meta.url): source
 * runs as .ts through tsx, and a build turns both files into .js in the same layout.
 */
export function workerModuleUrl(relative: string, from: string): URL {
  return new URL(`${relative}.${from.endsWith('.ts') ? 'ts' : 'js'}`, from);
}

/** A worker for `module`: TypeScript source goes through tsx inside the worker, as in the main thread. */
function startWorker(module: URL): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module);
  const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(module.href)});`;
  return new Worker(bootstrap, { eval: true });
}

/** The worker side: answers each task message with its handler's result (buffers in it transferred). */
export function serveTasks(tasks: TaskMap): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs in a worker thread');
  port.postMessage({ ready: true, seq: 0, ok: true } satisfies Reply);
  port.on('message', async (m: { seq: number; name: string; input: unknown }) => {
    try {
      const handler = tasks[m.name];
      if (!handler) throw new Error(`unknown task ${m.name}`);
      const value = await (handler as (input: unknown) => unknown)(m.input);
      port.postMessage({ seq: m.seq, ok: true, value } satisfies Reply, transferablesOf(value));
    } catch (err) {
      port.postMessage({ seq: m.seq, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies Reply);
    }
  });
}

/** The ArrayBuffers behind the byte arrays of a result, each once (they are moved, not copied). */
export function transferablesOf(value: unknown, found = new Set<ArrayBuffer>(), depth = 0): ArrayBuffer[] {
  if (value instanceof Uint8Array) {
    if (value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength) found.add(value.buffer);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) transferablesOf(v, found, depth + 1);
  }
  return [...found];
}
