// BoundedMap: never more than its limit; setting past it forgets the oldest entry, where `use`
// and setting again make an entry the newest and `get` leaves the order alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from '../../src/util/bounded-map.ts';

test('BoundedMap: setting past the limit forgets the oldest entry set', () => {
  const map = new BoundedMap<string, number>(3);
  for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) map.set(k, i);
  assert.deepEqual([...map.keys()], ['b', 'c', 'd']);
  assert.equal(map.get('b'), 1); // get does not reorder: b is still the oldest
  map.set('e', 4);
  assert.deepEqual([...map.keys()], ['c', 'd', 'e']);
});

test('BoundedMap: use and setting again make an entry the newest', () => {
  const map = new BoundedMap<string, number>(3);
  map.set('a', 1).set('b', 2).set('c', 3);
  assert.equal(map.use('a'), 1);
  map.set('b', 20);
  map.set('d', 4);
  assert.deepEqual([...map.keys()], ['a', 'b', 'd']);
  assert.equal(map.get('b'), 20);
  assert.equal(map.use('missing'), undefined);
  assert.equal(map.size, 3);
});
