// The DataStream fast path must send exactly the bytes nodemailer's own dot-stuffing sends, for
// any input and any split into chunks; the raw envelope must be what nodemailer's Mailer made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import { isCrlfOnly, patchNodemailer, stuffDots } from '../../src/patches/nodemailer.ts';
import { envelopeOf } from '../../src/delivery/smtp-client.ts';

type Proto = { _transform: (...args: unknown[]) => void };
const proto = (DataStream as unknown as { prototype: Proto }).prototype;

async function run(chunks: Buffer[]): Promise<Buffer> {
  const stream = new DataStream();
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((r) => stream.on('end', r));
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  return Buffer.concat(out);
}

function randomMessage(seed: number): Buffer {
  // a small alphabet rich in what matters: CR, LF, dots, and ordinary bytes
  const alphabet = [13, 10, 46, 97, 98, 0xe3, 32];
  let x = seed;
  const bytes: number[] = [];
  const n = 1 + (seed % 200);
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const pick = alphabet[x % alphabet.length]!;
    // mostly well-formed CRLF text, sometimes bare CR or LF
    if (pick === 13 && x % 3 !== 0) bytes.push(13, 10);
    else bytes.push(pick);
  }
  return Buffer.from(bytes);
}

function split(buf: Buffer, seed: number): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  let x = seed;
  while (at < buf.length) {
    x = (x * 69069 + 1) >>> 0;
    const len = 1 + (x % 17);
    parts.push(buf.subarray(at, at + len));
    at += len;
  }
  return parts;
}

test('dot-stuffing with the fast path sends the same bytes as nodemailer for every input and split', async () => {
  const original = proto._transform;
  const inputs = [
    ...Array.from({ length: 400 }, (_, i) => randomMessage(i + 1)),
    Buffer.from('.\r\n..\r\nline\r\n.end\r\n'),
    Buffer.from('a\r\n.'),
    Buffer.from('\r\n'),
  ];
  const expected: Buffer[] = [];
  for (const [i, input] of inputs.entries()) expected.push(await run([input]), await run(split(input, i)));
  patchNodemailer();
  assert.notEqual(proto._transform, original, 'the patch is installed');
  for (const [i, input] of inputs.entries()) {
    assert.deepEqual(await run([input]), expected[2 * i], `whole input ${i}`);
    assert.deepEqual(await run(split(input, i)), expected[2 * i + 1], `split input ${i}`);
  }
});

test('the fast path applies to CRLF text only and stuffs dots at line starts', () => {
  assert.equal(isCrlfOnly(Buffer.from('a\r\nb\r\n'), false), true);
  assert.equal(isCrlfOnly(Buffer.from('a\nb'), false), false);
  assert.equal(isCrlfOnly(Buffer.from('a\rb'), false), false);
  assert.equal(isCrlfOnly(Buffer.from('a\r'), false), false, 'a CR at the end may be bare: left to nodemailer');
  assert.equal(isCrlfOnly(Buffer.from('\nb'), 13), true, 'LF after a CR in the previous chunk');
  assert.equal(isCrlfOnly(Buffer.from('b'), 13), false, 'the previous chunk ended in a bare CR');
  assert.equal(stuffDots(Buffer.from('.a\r\n.b\r\nc.d\r\n..'), false).toString(), '..a\r\n..b\r\nc.d\r\n...');
  assert.equal(stuffDots(Buffer.from('.a'), 97).toString(), '.a', 'a dot in the middle of a line split across chunks');
});

test('the raw envelope is the one nodemailer would build', () => {
  assert.deepEqual(envelopeOf('a@example.com', ['b@example.net', 'c@example.org']), {
    from: 'a@example.com',
    to: ['b@example.net', 'c@example.org'],
  });
  assert.deepEqual(envelopeOf('', ['b@example.net']), { from: false, to: ['b@example.net'] });
  // not plain: nodemailer's own parsing (IDN to punycode, duplicates once)
  assert.deepEqual(envelopeOf('a@example.com', ['user@jõgeva.ee', 'x@example.net', 'x@example.net']), {
    from: 'a@example.com',
    to: ['user@xn--jgeva-dua.ee', 'x@example.net'],
  });
});
