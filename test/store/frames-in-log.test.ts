// The frame count that gives SQLite's checkpoint to the thread before SQLite's own would run on the
// main thread: once per round of the log, and not when another process's checkpoint has begun
// (test/store/wal-checkpointer.test.ts runs it on a real log).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FramesInLog, type LogHeader } from '../../src/store/sqlite/frames-in-log.ts';

function fakeLog(): LogHeader & { framesNow: number; roundNow: number; begun: number } {
  return {
    framesNow: 0,
    roundNow: 1,
    begun: 0,
    frames() {
      return this.framesNow;
    },
    round() {
      return this.roundNow;
    },
    checkpointBegun() {
      return this.begun;
    },
  };
}

describe('FramesInLog', () => {
  it('reaches the limit counting the commit to come in pages', () => {
    const log = fakeLog();
    const fill = new FramesInLog(100, 4096, log);
    log.framesNow = 90;
    assert.equal(fill.reaches(9 * 4096), false, '90 + 9 frames');
    assert.equal(fill.reaches(9 * 4096 + 1), true, '90 + 10 frames');
  });

  it('once per round of the log: the frames written meanwhile are left to SQLite', () => {
    const log = fakeLog();
    const fill = new FramesInLog(100, 4096, log);
    log.framesNow = 100;
    assert.equal(fill.reaches(0), true);
    log.framesNow = 150;
    assert.equal(fill.reaches(0), false, 'the same round');
    log.roundNow = 2;
    log.framesNow = 100;
    assert.equal(fill.reaches(0), true, 'the log started over and filled again');
  });

  it('not when a checkpoint of this round has begun elsewhere (another process, SQLite own)', () => {
    const log = fakeLog();
    const fill = new FramesInLog(100, 4096, log);
    log.framesNow = 120;
    log.begun = 110;
    assert.equal(fill.reaches(0), false);
    log.begun = 0;
    assert.equal(fill.reaches(0), true);
  });
});
