// The SQLite statement cache (withStatementCache): the same SQL text gets the same prepared
// statement back, and texts that vary (IN lists) fill it without dropping the statements in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { withStatementCache } from '../../src/store/sqlite/open-sqlite.ts';

test('past its bound the statement used longest ago is dropped, not the ones every message runs', () => {
  const cache = withStatementCache(new Database(':memory:'), 50);
  const hot = cache.prepare('SELECT 1 AS one');
  for (let i = 0; i < 500; i++) {
    cache.prepare(`SELECT ${i} AS n WHERE 1 IN (${Array.from({ length: (i % 7) + 1 }, () => '1').join(', ')})`);
    if (i % 20 === 0) assert.equal(cache.prepare('SELECT 1 AS one'), hot, `still prepared after ${i} other texts`);
  }
  assert.equal(cache.prepare('SELECT 1 AS one'), hot);
  const again = cache.prepare('SELECT 0 AS n WHERE 1 IN (1)'); // the first of the 500: dropped, prepared anew
  assert.equal(cache.prepare('SELECT 0 AS n WHERE 1 IN (1)'), again, 'and cached again');
  cache.close();
});
