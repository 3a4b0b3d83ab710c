// A message postal-mime cannot parse (or parses only in part) is marked, never passed on as
// "no attachments, no From": beyond 50 nesting levels, over 1 MiB of headers, message/rfc822
// nested deeper than parsed, and a parse stopped in the worker pool. Large messages are parsed
// in the worker pool and give exactly the facts the calling thread would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INLINE_PARSE_BYTES, parseHere, parseMessage } from '../../src/mime/parse-facts.ts';
import { deepNesting, hostileCases, manyZips } from '../helpers/hostile-mail.ts';

const envelope = { mailFrom: 'x@evil.test', recipients: ['taro@acme.example'] };

test('beyond 50 nesting levels and over 1 MiB of headers: unparseable, with the reason', async () => {
  for (const c of hostileCases().filter((x) => x.unparseable)) {
    const parsed = await parseMessage(c.build('x@evil.test', 'taro@acme.example'), envelope, 'inbound');
    assert.ok(parsed.parseError, c.name);
    assert.equal(parsed.facts.unparseable, parsed.parseError);
    assert.match(parsed.parseError!, /nesting depth|header size/, c.name);
  }
  const fine = await parseMessage(deepNesting('x@evil.test', 'taro@acme.example', 40), envelope, 'inbound');
  assert.equal(fine.parseError, null);
  assert.equal(fine.facts.unparseable, undefined);
  assert.deepEqual(fine.attachments.map((a) => a.fact.filename).sort(), ['eicar.com', 'invoice.exe', '見積書.pdf']);
});

test('message/rfc822 nested deeper than postal-mime descends counts as a parse failure', async () => {
  let inner = 'From: a@b.test\r\nSubject: innermost\r\nContent-Type: application/octet-stream; name="x.exe"\r\n\r\nMZ\r\n';
  for (let i = 0; i < 5; i++) {
    inner =
      `From: a@b.test\r\nSubject: level ${i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; ` +
      `boundary="r${i}"\r\n\r\n--r${i}\r\nContent-Type: message/rfc822\r\n\r\n${inner}\r\n--r${i}--\r\n`;
  }
  const parsed = await parseMessage(Buffer.from(inner), envelope, 'inbound');
  assert.match(parsed.parseError ?? '', /message\/rfc822 parts nested more than 3 deep/);
  assert.equal(parsed.facts.unparseable, parsed.parseError);
});

test('a large message is parsed in the worker pool into the same facts and attachments', async () => {
  const raw = manyZips('x@evil.test', 'taro@acme.example', 3);
  assert.ok(raw.length > INLINE_PARSE_BYTES);
  const here = await parseHere(raw, envelope, 'inbound');
  const pooled = await parseMessage(raw, envelope, 'inbound');
  assert.deepEqual(pooled.facts, here.facts);
  assert.equal(pooled.attachments.length, 3);
  assert.deepEqual(Buffer.from(pooled.attachments[0]!.content), Buffer.from(here.attachments[0]!.content));
  assert.equal(pooled.parseError, null);
});
