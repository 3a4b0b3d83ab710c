// normalizeLineEndings, the SMTP-smuggling defence on the DATA it is given: bare CR and bare LF
// become CRLF, and a chunk already in CRLF form comes back as the same buffer, whether its lines
// are long (searched line by line) or a few bytes each (checked byte by byte).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLineEndings } from '../../src/smtp/read-message.ts';

/** what the defence must give: every CRLF, bare CR and bare LF a CRLF */
const expected = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');

for (const [kind, line] of [
  ['long lines', `${'x'.repeat(74)}\r\n`],
  ['4-byte lines', ' b\r\n'],
] as const) {
  test(`${kind}: CRLF-only data is the same buffer; a bare CR or LF anywhere becomes CRLF`, () => {
    const clean = Buffer.from(line.repeat(2000), 'latin1');
    assert.equal(normalizeLineEndings(clean), clean);
    const text = line.repeat(2000);
    for (const at of [3, 100, text.length / 2, text.length - 3]) {
      for (const bad of ['\r', '\n', '\r\r\n']) {
        const raw = Buffer.from(text.slice(0, at) + bad + text.slice(at), 'latin1');
        assert.ok(normalizeLineEndings(raw).equals(expected(raw)), `${JSON.stringify(bad)} at ${at}`);
      }
    }
  });
}
