// The count of bodies in SQLite's write-ahead log that decides whose checkpoint is next: it adds
// up commits, looks at the log's round once per quarter of the limit, and starts again from a log
// that started over (test/store/wal-checkpointer.test.ts runs it on a real log).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodiesInLog } from '../../src/store/sqlite/bodies-in-log.ts';

describe('BodiesInLog', () => {
  it('reaches the limit over several commits in one round of the log', () => {
    let looks = 0;
    const count = new BodiesInLog(100, () => {
      looks++;
      return 7;
    });
    for (let i = 0; i < 49; i++) {
      assert.equal(count.reaches(2), false);
      count.written(2, false);
    }
    assert.equal(count.reaches(2), true, '98 + 2');
    assert.ok(looks <= 10, `looked ${looks} times in fifty commits (once per eighth of the limit)`);
  });

  it('a commit as large as the limit reaches it alone', () => {
    assert.equal(new BodiesInLog(100, () => 1).reaches(100), true);
  });

  it('starts again once the log has started over, and after a checkpoint of its own', () => {
    let round = 1;
    const count = new BodiesInLog(100, () => round);
    assert.equal(count.reaches(30), false);
    count.written(30, false);
    assert.equal(count.reaches(50), false);
    count.written(50, false);
    round = 2; // SQLite's own checkpoint copied the log; a later write started it over
    assert.equal(count.reaches(30), false, 'the 80 are in the database now');
    count.written(30, false);
    assert.equal(count.reaches(69), false);
    count.written(69, false);
    assert.equal(count.reaches(1), true, '30 + 69 + 1 in this round');
    count.written(1, true);
    assert.equal(count.reaches(99), false, 'the thread copies what was written up to here');
  });
  it('a round not known yet (-1: the log not opened) and then known is no start-over', () => {
    let round = -1;
    const count = new BodiesInLog(100, () => round);
    assert.equal(count.reaches(40), false);
    count.written(40, false);
    round = 5;
    assert.equal(count.reaches(40), false);
    count.written(40, false);
    assert.equal(count.reaches(20), true, '40 + 40 + 20, none of it forgotten');
  });
});
