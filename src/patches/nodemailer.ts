// One behaviour of nodemailer 10.6 patched once per process: its DataStream dot-stuffs the message
// by looking at every byte in JavaScript, a tenth of the delivery's CPU per 10 KB message. Stored
// messages are already in CRLF form, where only a dot at the start of a line needs a second dot:
// such a chunk is escaped with Buffer searches instead. Any chunk with a bare CR or LF (or a CR at
// its very end) goes through nodemailer's own code, so the bytes sent are identical either way.
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';

interface DataStreamState {
  inByteCount: number;
  outByteCount: number;
  lastByte: number | false;
  push(chunk: Buffer): boolean;
}
type Transform = (this: DataStreamState, chunk: Buffer | string, encoding: string, done: () => void) => void;

const LF_DOT = Buffer.from('\n.');
const DOT = Buffer.from('.');

/** True when every CR in `chunk` is followed by LF and every LF preceded by CR (`before`: the byte before the chunk). */
export function isCrlfOnly(chunk: Buffer, before: number | false): boolean {
  if (before === 13 && chunk[0] !== 10) return false;
  for (let i = chunk.indexOf(13); i !== -1; i = chunk.indexOf(13, i + 1)) if (chunk[i + 1] !== 10) return false;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) if ((i === 0 ? before : chunk[i - 1]) !== 13) return false;
  return true;
}

/** The chunk with a dot added before every dot that starts a line (`before`: the byte before the chunk). */
export function stuffDots(chunk: Buffer, before: number | false): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  if (chunk[0] === 0x2e && (before === 10 || before === false)) parts.push(DOT);
  for (let i = chunk.indexOf(LF_DOT); i !== -1; i = chunk.indexOf(LF_DOT, i + 2)) {
    parts.push(chunk.subarray(from, i + 1), DOT);
    from = i + 1;
  }
  if (parts.length === 0) return chunk;
  parts.push(chunk.subarray(from));
  return Buffer.concat(parts);
}

let patched = false;

export function patchNodemailer(): void {
  if (patched) return;
  patched = true;
  const proto = (DataStream as unknown as { prototype: { _transform: Transform } }).prototype;
  const original = proto._transform;
  proto._transform = function (chunk, encoding, done) {
    if (!Buffer.isBuffer(chunk) || chunk.length === 0 || !isCrlfOnly(chunk, this.lastByte))
      return original.call(this, chunk, encoding, done);
    const out = stuffDots(chunk, this.lastByte);
    this.inByteCount += chunk.length;
    this.outByteCount += out.length;
    this.push(out);
    this.lastByte = chunk[chunk.length - 1]!;
    done();
  };
}
