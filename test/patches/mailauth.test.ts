// The mailauth MessageParser patch (src/patches/mailauth.ts): for messages with CRLF, bare LF,
// mixed and empty-first-line header sections, cut into chunks at every size, the patched loops
// hand the DKIM code the same header section and body chunks and leave the same state as
// mailauth's own; and every .eml fixture gets the same DKIM results (body hashes included)
// patched as unpatched (run in a child process that never loads the patch).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const { MessageParser } = require('mailauth/lib/dkim/message-parser.js') as { MessageParser: any };
// mailauth's own loops, taken before the patch replaces them
const original = { processChunk: MessageParser.prototype.processChunk, ensureLinebreaks: MessageParser.prototype.ensureLinebreaks };
const { applyPatches } = await import('../../src/patches/index.ts');
applyPatches();
const patched = { processChunk: MessageParser.prototype.processChunk, ensureLinebreaks: MessageParser.prototype.ensureLinebreaks };

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** What the parser hands on for `message` written in chunks of `size`, and its state afterwards. */
async function feed(impl: typeof original, message: Buffer, size: number): Promise<unknown> {
  const parser = new MessageParser();
  const events: string[] = [];
  parser.processChunk = impl.processChunk;
  parser.ensureLinebreaks = impl.ensureLinebreaks;
  parser.emitHeaders = async function (this: any, chunk?: Buffer) {
    this.state = 'body';
    events.push(`headers ${JSON.stringify(Buffer.concat([...this.headerChunks, ...(chunk ? [chunk] : [])]).toString('latin1'))}`);
  };
  parser.nextChunk = async (chunk: Buffer) => {
    events.push(`body ${JSON.stringify(chunk.toString('latin1'))}`);
  };
  for (let at = 0; at < message.length; at += size) await parser.writeAsync(message.subarray(at, at + size));
  return { events, state: parser.state, stateBytes: parser.stateBytes, headerBytes: parser.headerBytes, lastByte: parser.lastByte };
}

const MESSAGES = [
  'From: a@example.com\r\nSubject: x\r\n\r\nbody line\r\nsecond\r\n',
  'From: a@example.com\nSubject: x\n\nbody\nwith bare LF\n',
  'From: a@example.com\r\nSubject: x\n\r\nmixed\r\n\nline\r\r\n',
  '\r\nFrom: not a header\r\n\r\nbody\r\n',
  '\nbody only\n',
  'From: a@example.com\r\nSubject: no body\r\n',
  'Subject: folded\r\n continued\r\n\tagain\r\n\r\n\r\n\r\n',
  'Subject: lone CR\r\r\n\r\nbody\n\n\r\n',
  'A: b\n\r\n',
  '',
];

describe('mailauth MessageParser patch', () => {
  it('hands on the same header section and body chunks as mailauth, at every chunk size', async () => {
    assert.notEqual(patched.processChunk, original.processChunk);
    assert.notEqual(patched.ensureLinebreaks, original.ensureLinebreaks);
    for (const text of MESSAGES) {
      const message = Buffer.from(text, 'latin1');
      for (let size = 1; size <= Math.max(1, message.length); size++) {
        const what = `${JSON.stringify(text)} in chunks of ${size}`;
        assert.deepEqual(await feed(patched, message, size), await feed(original, message, size), what);
      }
    }
  });

  it('verifies every fixture message to the same DKIM results as unpatched mailauth', () => {
    const digest = `
import { readdirSync, readFileSync } from 'node:fs';
const require = (await import('node:module')).createRequire(import.meta.url);
if (process.env.PATCH) (await import(${JSON.stringify(new URL('../../src/patches/index.ts', import.meta.url).href)})).applyPatches();
const { dkimVerify } = require(${JSON.stringify(require.resolve('mailauth/lib/dkim/verify.js'))});
const resolver = async (name) => { throw Object.assign(new Error('no DNS in this test'), { code: 'ENOTFOUND' }); };
const h = (await import('node:crypto')).createHash('sha256');
const dir = ${JSON.stringify(FIXTURES)};
const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.eml')).sort();
for (const f of files) {
  const r = await dkimVerify(readFileSync(dir + f), { resolver });
  h.update(f + JSON.stringify([r.headerFrom, r.fromFields, r.envelopeFrom, r.results]));
}
console.log(files.length, h.digest('hex'));
`;
    const run = (patch: boolean) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', digest], {
        env: { ...process.env, PATCH: patch ? '1' : '' },
        encoding: 'utf8',
      }).trim();
    const unpatched = run(false);
    assert.ok(Number(unpatched.split(' ')[0]) > 50, unpatched);
    assert.equal(run(true), unpatched);
  });
});
