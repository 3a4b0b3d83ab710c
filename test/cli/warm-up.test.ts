// The start's warm-up (src/cli/warm-up.ts) in-process: a warm-up that cannot run only logs and
// leaves nothing behind, so the start goes on without it. The whole path (a real `sekisho start`,
// nothing left in the real database or at the relay) is in test/process/start.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.ts';
import { warmUp } from '../../src/cli/warm-up.ts';
import { createLogger } from '../../src/util/logger.ts';

describe('start warm-up', () => {
  it('a warm-up that fails (here: the TLS pair named is not there) logs, returns and leaves no temporary directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sekisho-warm-up-test-'));
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const savedTmp = process.env.TMPDIR;
    const lines: string[] = [];
    const collect = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    try {
      process.env.TMPDIR = tmp; // os.tmpdir() reads it on every call
      const config = loadConfig({
        SEKISHO_CONFIG: '/dev/null',
        SEKISHO_DATA_DIR: join(dir, 'data'),
        SEKISHO_TLS_CERT: join(dir, 'missing-cert.pem'),
        SEKISHO_TLS_KEY: join(dir, 'missing-key.pem'),
        SEKISHO_WARM_UP_MESSAGES: '5',
      });
      const result = await warmUp(config, createLogger('info', collect), { by: null, done: () => {} });
      assert.equal(result.messages, 0);
      assert.match(lines.join(''), /warm-up failed; starting without it/);
      assert.deepEqual(readdirSync(tmp), [], 'its temporary directory is removed');
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
