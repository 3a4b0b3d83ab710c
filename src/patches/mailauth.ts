// Two loops of mailauth 7.1's MessageParser (the stream its DKIM verifier and signer read the
// message through) patched once per process: the search for the end of the header section kept
// the last four bytes in an array it copied for every header byte, and the bare-<LF> repair
// tested every byte of the message in JavaScript. Both now jump from <LF> to <LF> with indexOf.
// They hand the verifier the same chunks in the same order, and keep `stateBytes`, `headerBytes`
// and `lastByte` as the originals did. And its DkimVerifier verifies only the topmost
// `maxSignatures` (default 20) DKIM-Signature fields, as mailauth 8.2 does: each one cost a key
// lookup and a body hash, without a limit. Applied by applyPatches() (src/patches/index.ts).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const LF = 0x0a;
const CR = 0x0d;
const CRLF = Buffer.from('\r\n');

interface Parser {
  state: 'header' | 'body';
  stateBytes: number[];
  headerBytes: number;
  headerChunks: Buffer[];
  lastByte?: number;
  emitHeaders(chunk?: Buffer): Promise<void>;
  nextChunk(chunk: Buffer): Promise<void>;
  processChunk(chunk: Buffer): Promise<void>;
  ensureLinebreaks(input: Buffer): Generator<Buffer>;
}

/**
 * Where the header section ends in `chunk`: the index of the <LF> of its empty line, or -1.
 * `before` holds the last bytes seen before this chunk (at most 4), `seen` how many header bytes.
 */
export function headerEnd(chunk: Uint8Array, before: readonly number[], seen: number): number {
  const at = (i: number): number | false => (i >= 0 ? chunk[i]! : before.length + i >= 0 ? before[before.length + i]! : false);
  for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
    const b1 = at(i - 1);
    const count = seen + i + 1;
    // as mailauth's loop: <LF><LF>, <LF><CR><LF>, or an empty first line (RFC 5322 2.1)
    if (b1 === LF || (b1 === CR && at(i - 2) === LF) || count === 1 || (count === 2 && b1 === CR)) return i;
  }
  return -1;
}

/** The last four of `before` followed by `bytes`, as mailauth's per-byte array kept them. */
function lastFour(before: readonly number[], bytes: Uint8Array): number[] {
  const out = bytes.length >= 4 ? [] : before.slice(Math.max(0, before.length - (4 - bytes.length)));
  for (let i = Math.max(0, bytes.length - 4); i < bytes.length; i++) out.push(bytes[i]!);
  return out;
}

async function processChunk(this: Parser, input: Buffer): Promise<void> {
  let chunk = input;
  if (!chunk?.length) return;
  if (this.state === 'header') {
    const end = headerEnd(chunk, this.stateBytes, this.headerBytes);
    const scanned = end === -1 ? chunk.length : end + 1;
    this.stateBytes = lastFour(this.stateBytes, chunk.subarray(0, scanned));
    this.headerBytes += scanned;
    if (end !== -1) {
      if (end === chunk.length - 1) {
        await this.emitHeaders(chunk);
        return;
      }
      await this.emitHeaders(chunk.subarray(0, end + 1));
      chunk = chunk.subarray(end + 1);
    }
  }
  if (this.state !== 'body') {
    this.headerChunks.push(chunk);
    return;
  }
  await this.nextChunk(chunk);
}

function* ensureLinebreaks(this: Parser, input: Buffer): Generator<Buffer> {
  let pos = 0;
  const before = this.lastByte;
  if (input.length) this.lastByte = input[input.length - 1];
  for (let i = input.indexOf(LF); i !== -1; i = input.indexOf(LF, i + 1)) {
    if ((i === 0 ? before : input[i - 1]) === CR) continue;
    yield i === 0 || pos === i ? Buffer.from(CRLF) : Buffer.concat([input.subarray(pos, i), CRLF]);
    pos = i + 1;
  }
  if (pos === 0) yield input;
  else if (pos < input.length) yield input.subarray(pos);
}

let patched = false;

/** Replaces MessageParser's two loops (see the top of the file); called by applyPatches(). */
export function patchMailauth(): void {
  if (patched) return;
  patched = true;
  const { MessageParser } = require('mailauth/lib/dkim/message-parser.js') as { MessageParser: { prototype: Parser } };
  MessageParser.prototype.processChunk = processChunk;
  MessageParser.prototype.ensureLinebreaks = ensureLinebreaks;
  const { DkimVerifier } = require('mailauth/lib/dkim/dkim-verifier.js') as { DkimVerifier: { prototype: Verifier } };
  capSignatures(DkimVerifier.prototype);
}

/** DKIM-Signature fields verified per message unless the caller says otherwise (mailauth 8.2's default). */
export const MAX_DKIM_SIGNATURES = 20;

interface Verifier {
  options: { maxSignatures?: number };
  results: { status: { result: string; comment?: string }; info?: string }[];
  signatureHeaders: unknown[];
  finalChunk(): Promise<void>;
  _signatureHeaders?: unknown[];
  _signaturesNotVerified?: number;
}

/**
 * The verifier keeps the topmost `maxSignatures` of the DKIM-Signature fields it parsed (the one
 * assignment of its whole list; the newest ARC-Message-Signature is pushed after it and always
 * verified), and reports the rest as one neutral result, in mailauth 8.2's words.
 */
function capSignatures(proto: Verifier): void {
  const { formatAuthHeaderRow } = require('mailauth/lib/tools.js') as { formatAuthHeaderRow: (m: string, s: object) => string };
  Object.defineProperty(proto, 'signatureHeaders', {
    configurable: true,
    get(this: Verifier) {
      return this._signatureHeaders;
    },
    set(this: Verifier, all: unknown[]) {
      const max = this.options?.maxSignatures ?? MAX_DKIM_SIGNATURES;
      this._signaturesNotVerified = Math.max(0, all.length - max);
      this._signatureHeaders = all.length > max ? all.slice(0, max) : all;
    },
  });
  const finalChunk = proto.finalChunk;
  proto.finalChunk = async function (this: Verifier) {
    await finalChunk.call(this);
    const left = this._signaturesNotVerified ?? 0;
    if (left === 0) return;
    const status = { result: 'neutral', comment: `too many signatures, ${left} not verified` };
    this.results.push({ status, info: formatAuthHeaderRow('dkim', status) });
  };
}
