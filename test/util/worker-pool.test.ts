// The worker pool that keeps heavy analysis off the event loop: results come back, a task's
// deadline runs from when a worker takes it (not while it waits in the queue), a task past its
// deadline or a crashing worker fails only that task and the pool goes on with fresh workers,
// byte results are moved, not copied, and warming settles once the threads have loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineExceeded, WorkerFailed, WorkerPool } from '../../src/util/worker-pool.ts';

type Tasks = {
  echo: (x: { value: number }) => { value: number };
  spin: (x: { ms: number }) => string;
  crash: () => never;
  bytes: (x: { n: number }) => Uint8Array;
  fail: () => never;
};

const module = new URL('../fixtures/util/pool-tasks.ts', import.meta.url);

test('tasks run on worker threads and answer', async () => {
  const pool = new WorkerPool<Tasks>({ module, threads: 2 });
  try {
    const got = await Promise.all([1, 2, 3, 4, 5].map((value) => pool.run('echo', { value }, { deadlineMs: 30_000 })));
    assert.deepEqual(
      got.map((g) => g.value),
      [1, 2, 3, 4, 5],
    );
    const bytes = await pool.run('bytes', { n: 1024 }, { deadlineMs: 30_000 });
    assert.equal(bytes.byteLength, 1024);
    assert.equal(bytes[1023], 7);
    await assert.rejects(
      pool.run('fail', undefined as never, { deadlineMs: 30_000 }),
      (e) => e instanceof WorkerFailed && /task says no/.test(e.message),
    );
  } finally {
    await pool.close();
  }
});

test('warm settles once every thread has loaded, or has failed to load (a start awaits it)', async () => {
  const pool = new WorkerPool<Tasks>({ module, threads: 2 });
  try {
    await pool.warm();
    assert.deepEqual(await pool.run('echo', { value: 3 }, { deadlineMs: 30_000 }), { value: 3 });
  } finally {
    await pool.close();
  }
  const broken = new WorkerPool<Tasks>({ module: new URL('../fixtures/util/no-such-module.js', import.meta.url), threads: 1 });
  try {
    await broken.warm();
    await assert.rejects(broken.run('echo', { value: 1 }, { deadlineMs: 30_000 }), WorkerFailed);
  } finally {
    await broken.close();
  }
});

test('a task past its deadline is stopped; the task queued behind it is not charged for the wait', async () => {
  const pool = new WorkerPool<Tasks>({ module, threads: 1 });
  try {
    pool.warm();
    // The spinning task holds the only thread past its own deadline; the echo behind it waits
    // in the queue longer than its deadline, which only starts once a worker takes it.
    const spin = pool.run('spin', { ms: 60_000 }, { deadlineMs: 1500 });
    const echo = pool.run('echo', { value: 42 }, { deadlineMs: 1000 });
    await assert.rejects(spin, DeadlineExceeded);
    assert.deepEqual(await echo, { value: 42 });
  } finally {
    await pool.close();
  }
});

test('a crashing worker fails its own task; the next task gets a new worker', async () => {
  const pool = new WorkerPool<Tasks>({ module, threads: 1 });
  try {
    await assert.rejects(pool.run('crash', undefined as never, { deadlineMs: 30_000 }), WorkerFailed);
    assert.deepEqual(await pool.run('echo', { value: 7 }, { deadlineMs: 30_000 }), { value: 7 });
  } finally {
    await pool.close();
  }
});
