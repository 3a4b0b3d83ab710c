// inSlices: a message that fits in one slice is handed over as it is; a larger one as a stream of
// its slices, the same bytes in order, with a turn of the event loop before each slice but the first.
// concatInTurns: Buffer.concat's bytes, copied a megabyte per turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { concatInTurns, inSlices, SLICE_BYTES } from '../../src/util/in-slices.ts';
import { turnsDuring } from '../helpers/loop-turns.ts';

test('inSlices: one slice or less is the buffer itself', () => {
  const small = Buffer.alloc(SLICE_BYTES, 1);
  assert.equal(inSlices(small), small);
  const empty = Buffer.alloc(0);
  assert.equal(inSlices(empty), empty);
});

test('inSlices: a larger buffer arrives whole, in order, a slice per turn of the event loop', async () => {
  const data = Buffer.from(Array.from({ length: 10 * SLICE_BYTES + 123 }, (_, i) => i % 251));
  const stream = inSlices(data);
  assert.ok(stream instanceof Readable);
  const parts: Buffer[] = [];
  const { turns } = await turnsDuring(async () => {
    for await (const part of stream) parts.push(part as Buffer);
  });
  assert.equal(parts.length, 11);
  assert.ok(Buffer.concat(parts).equals(data));
  assert.ok(turns >= 10, `${turns} turns`);
});

test('concatInTurns: the bytes Buffer.concat gives, a large copy spread over turns', async () => {
  const parts = [Buffer.from('Received: x\r\n'), Buffer.alloc(0), randomBytes(9 * 1024 * 1024 + 7), randomBytes(5 * 1024 * 1024)];
  const { value, turns } = await turnsDuring(() => concatInTurns(parts));
  assert.ok(value.equals(Buffer.concat(parts)));
  assert.ok(turns >= 12, `${turns} turns for ~14 MB (a MiB per turn)`);
  const small = [Buffer.from('a'), Buffer.from('b')];
  assert.ok((await concatInTurns(small)).equals(Buffer.from('ab')));
});
