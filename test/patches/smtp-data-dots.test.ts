// The one-pass reader of message data must see what smtp-server's own reader sees, for any bytes
// and any split into chunks: the same message bytes, the same end of DATA (so the same commands
// after it: no smuggling either could not do), the same byte count and size flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { type DataParser, feedDataStream, originalFeedDataStream } from '../../src/patches/smtp-data-dots.ts';

interface Seen {
  data: string;
  ended: boolean;
  dataBytes: number;
  sizeExceeded: boolean;
  commands: string[];
}

type Feed = DataParser['_feedDataStream'];

/** Feeds `chunks` to a parser in data mode that reads with `feed`; resolves once all is read. */
async function read(feed: Feed, chunks: Buffer[], maxBytes: number): Promise<Seen> {
  const parser = new SMTPStream();
  (parser as unknown as DataParser)._feedDataStream = feed;
  const seen: Seen = { data: '', ended: false, dataBytes: 0, sizeExceeded: false, commands: [] };
  parser.oncommand = (line: Buffer, next?: () => void) => {
    seen.commands.push(line.toString('latin1'));
    next?.();
  };
  const out = parser.startDataMode(maxBytes) as NodeJS.ReadableStream & { byteLength: number; sizeExceeded: boolean };
  const parts: Buffer[] = [];
  out.on('data', (d: Buffer) => parts.push(d));
  out.on('end', () => {
    seen.ended = true;
    seen.dataBytes = out.byteLength;
    seen.sizeExceeded = out.sizeExceeded;
    parser.continue();
  });
  for (const chunk of chunks) await new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
  await new Promise<void>((resolve) => parser.end(() => resolve()));
  await new Promise((resolve) => setImmediate(resolve));
  seen.data = Buffer.concat(parts).toString('latin1');
  if (!seen.ended) seen.dataBytes = parser.dataBytes;
  return seen;
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x;
  };
}

/** Bytes dense in what matters: CRLF, bare CR and LF, dots, and ordinary bytes. */
function randomBytes(next: () => number, n: number): Buffer {
  const pick = ['\r\n', '\r\n', '\r\n.', '\n.', '.', '..', '\r', '\n', 'a', 'Q', '\r\n.\r\n', '\n.\n', '\r.\r'];
  let s = '';
  while (s.length < n) s += pick[next() % pick.length];
  return Buffer.from(s, 'latin1');
}

function splitAt(buf: Buffer, next: () => number): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    const size = next() % 3 === 0 ? 1 + (next() % 3) : 1 + (next() % 40);
    parts.push(buf.subarray(at, at + size));
    at += size;
  }
  return parts;
}

test('smtp-data-dots: the same bytes, end of DATA and counts as smtp-server for random input and splits', async () => {
  for (let seed = 1; seed <= 3000; seed++) {
    const next = lcg(seed);
    const body = randomBytes(next, 1 + (next() % 160));
    // most inputs end DATA somewhere and carry a command after it; some never end
    const tail = seed % 5 === 0 ? '' : '\r\n.\r\nNOOP\r\n';
    const input = Buffer.concat([body, Buffer.from(tail, 'latin1')]);
    const chunks = seed % 7 === 0 ? [input] : splitAt(input, next);
    const maxBytes = seed % 3 === 0 ? 40 : 0;
    const mine = await read(feedDataStream, chunks, maxBytes);
    const theirs = await read(originalFeedDataStream, chunks, maxBytes);
    assert.deepEqual(mine, theirs, `seed ${seed}: ${JSON.stringify(input.toString('latin1'))}`);
  }
});

test('smtp-data-dots: escape dots removed and the end found at the start, across chunks and at the last bytes', async () => {
  const cases: [string[], string, string[]][] = [
    [['.\r\nNOOP\r\n'], '', ['NOOP']],
    [['..\r\n.\r\n'], '.\r\n', []],
    [['.', '.x\r\n', '.\r\n'], '.x\r\n', []],
    [['a\r\n..b\r\n...\r\n.\r', '\nQUIT\r\n'], 'a\r\n.b\r\n..\r\n', ['QUIT']],
    [['a\r\n.\n.\r\n.\r\n'], 'a\r\n.\n.\r\n', []],
  ];
  for (const [chunks, data, commands] of cases) {
    const seen = await read(
      feedDataStream,
      chunks.map((c) => Buffer.from(c, 'latin1')),
      0,
    );
    assert.equal(seen.data, data, JSON.stringify(chunks));
    assert.deepEqual(seen.commands, commands, JSON.stringify(chunks));
  }
});

test('smtp-data-dots: a chunk of dot-led lines is read in the same turn, not one turn per line', () => {
  const parser = new SMTPStream();
  (parser as unknown as DataParser)._feedDataStream = feedDataStream;
  const out = parser.startDataMode(0);
  let bytes = 0;
  out.on('data', (d: Buffer) => {
    bytes += d.length;
  });
  parser.write(Buffer.from('..dot\r\n'.repeat(2000), 'latin1'));
  // all of it at once, but the bytes kept back for an end of DATA that may straddle two chunks
  // (smtp-server's reader had passed on the first line only, the rest one turn per line)
  assert.equal(bytes, 6 * 2000 - 4);
});
