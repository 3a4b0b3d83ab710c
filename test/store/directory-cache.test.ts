// The directory cache keeps rows that exist for a moment, never an absence, and forgets on demand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectoryCache } from '../../src/store/directory-cache.ts';

test('a found row is served from the cache until its time is up', async () => {
  const cache = new DirectoryCache(50);
  let loads = 0;
  const load = async () => ({ n: ++loads });
  assert.deepEqual(await cache.lookup('domain', 'a.example', load), { n: 1 });
  assert.deepEqual(await cache.lookup('domain', 'a.example', load), { n: 1 });
  assert.deepEqual(await cache.lookup('user', 'a.example', load), { n: 2 }, 'kinds are separate');
  await sleep(80);
  assert.deepEqual(await cache.lookup('domain', 'a.example', load), { n: 3 });
});

test('an absent row is asked for every time, so an addition counts at once', async () => {
  const cache = new DirectoryCache(60_000);
  let present = false;
  const load = async () => (present ? { domain: 'new.example' } : undefined);
  assert.equal(await cache.lookup('domain', 'new.example', load), undefined);
  present = true;
  assert.deepEqual(await cache.lookup('domain', 'new.example', load), { domain: 'new.example' });
});

test('forget() drops every row, and the cache stays bounded', async () => {
  const cache = new DirectoryCache(60_000, 3);
  let loads = 0;
  const load = async () => ++loads;
  await cache.lookup('user', 'x', load);
  cache.forget();
  assert.equal(await cache.lookup('user', 'x', load), 2);
  for (const k of ['a', 'b', 'c']) await cache.lookup('user', k, load); // loads 3, 4, 5
  assert.equal(await cache.lookup('user', 'b', load), 4, 'past the bound the others stay');
  assert.equal(await cache.lookup('user', 'x', load), 6, 'the row loaded longest ago went first');
  assert.equal(await cache.lookup('user', 'a', load), 7, 'and then the next oldest');
  assert.equal(await cache.lookup('user', 'c', load), 5);
});
