// CommitBatcher: items added together share a commit; a batch waits `gatherMs` for company while
// more items are expected, whether it found the writer idle or queued behind a running commit, and
// stops when told that none are; a failing item does not fail the others of its batch. Margins
// are wide (tens vs hundreds of ms): nothing here measures speed, only which items ended up together.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitBatcher } from '../../src/store/commit-batcher.ts';

/** A batcher whose first commit stays open until release(): later adds queue behind it. */
function withFirstCommitHeld(gatherMs: number, expectingMore?: () => boolean) {
  const batches: string[][] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((r) => (release = r));
  const batcher = new CommitBatcher<string>(
    async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstHeld;
    },
    200,
    gatherMs,
    expectingMore,
  );
  return { batcher, batches, release };
}

describe('CommitBatcher', () => {
  it('items that queued behind a running commit wait gatherMs for company', async () => {
    const { batcher: b, batches, release } = withFirstCommitHeld(300, () => batches.length > 0);
    const first = b.add('a'); // nothing else expected yet: committed at once (and held open here)
    await sleep(20);
    const second = b.add('b'); // queues behind the running commit
    release();
    await first;
    await sleep(20); // b's batch is now gathering
    const third = b.add('c');
    await Promise.all([second, third]);
    assert.deepEqual(batches, [['a'], ['b', 'c']]);
  });

  it('an item that finds the writer idle waits for company while more are expected', async () => {
    const batches: string[][] = [];
    const b = new CommitBatcher<string>(async (items) => void batches.push(items), 200, 300);
    const first = b.add('a'); // the writer is idle, but more are expected (the default)
    await sleep(20);
    const second = b.add('b');
    await Promise.all([first, second]);
    assert.deepEqual(batches, [['a', 'b']]);
  });

  // gatherMs is a minute: only the hand-over can end the wait before the test's timeout
  it('a lone item is written as soon as its own hand-over says nothing more is coming', { timeout: 20_000 }, async () => {
    let expecting = true; // Store counts the item's own SMTP transaction until insertMessage has it
    const batches: string[][] = [];
    const b = new CommitBatcher<string>(
      async (items) => void batches.push(items),
      200,
      60_000,
      () => expecting,
    );
    const only = b.add('a');
    expecting = false;
    b.stopGathering(); // what Store's arrived() does for the last message it expected
    await only;
    assert.deepEqual(batches, [['a']]);
  });

  it('without gathering, adds in one event-loop turn still share a commit', async () => {
    const batches: number[][] = [];
    const b = new CommitBatcher<number>(async (items) => void batches.push(items));
    await Promise.all([1, 2, 3].map((n) => b.add(n)));
    assert.deepEqual(batches, [[1, 2, 3]]);
  });

  it('a failing item fails alone; its batch neighbours are retried one by one and commit', async () => {
    const committed: number[] = [];
    const b = new CommitBatcher<number>(async (items) => {
      if (items.includes(2)) throw new Error('bad row');
      committed.push(...items);
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => b.add(n)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(committed, [1, 3]);
    await b.drain();
  });

  // gatherMs is a minute here: a batch that gathered would hang the test until its timeout
  it('does not gather when nothing more is expected', { timeout: 20_000 }, async () => {
    const { batcher: b, batches, release } = withFirstCommitHeld(60_000, () => false);
    const first = b.add('a');
    await sleep(20);
    const second = b.add('b'); // queues behind the running commit; nothing else is coming
    release();
    await Promise.all([first, second]);
    assert.deepEqual(batches, [['a'], ['b']]);
  });

  it('stopGathering writes a gathering batch at once', { timeout: 20_000 }, async () => {
    let expecting = false;
    const { batcher: b, batches, release } = withFirstCommitHeld(60_000, () => expecting);
    const first = b.add('a'); // nothing else expected: committed at once (and held open here)
    await sleep(20);
    expecting = true;
    const second = b.add('b');
    release();
    await first;
    await sleep(20); // b's batch is gathering
    assert.deepEqual(batches, [['a']]);
    expecting = false;
    b.stopGathering();
    await second;
    assert.deepEqual(batches, [['a'], ['b']]);
  });
});
