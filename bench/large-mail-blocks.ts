// The event-loop blocks of a run of large messages: N messages through submission, one at a time,
// half of them 10 KB and half 0.3–1.8 MB (a base64 attachment), each delivered before the next;
// prints the longest block of each message over 30 ms and the longest eight of the run. It shows
// where SQLite's checkpoints of the write-ahead log fall (docs/security.md "Large messages").
// Usage: node --import tsx bench/large-mail-blocks.ts [count, 300] [seed, 1]
import { randomBytes } from 'node:crypto';
import { dataPayload, sendMessage } from '../test/helpers/hostile-mail.ts';
import { prng } from '../test/helpers/fuzz-mail.ts';
import { startGatewayProcess } from './gateway-client.ts';

const count = Number(process.argv[2] ?? 300);
/** the same sizes for the same seed, so two builds can be compared message by message */
const random = prng(Number(process.argv[3] ?? 1));

function largeMessage(from: string, size: number, i: number): Buffer {
  const attachment = randomBytes(Math.floor(size * 0.75))
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `From: ${from}\r\nTo: partner@example.net\r\nSubject: large ${i}\r\nMIME-Version: 1.0\r\n` +
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n' +
      'Content-Type: application/octet-stream; name="d.bin"\r\nContent-Disposition: attachment; filename="d.bin"\r\n' +
      `Content-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b--\r\n`,
  );
}

const gw = await startGatewayProcess();
const blocks: number[] = [];
const started = Date.now();
for (let i = 0; i < count; i++) {
  const size = random() < 0.5 ? 10_000 : Math.floor(300_000 + random() * 1_500_000);
  await gw.reset();
  const reply = await sendMessage(gw.ports.submission, dataPayload(largeMessage(gw.user, size, i)), {
    mailFrom: gw.user,
    to: ['partner@example.net'],
    auth: { user: gw.user, pass: gw.pass },
    replyTimeoutMs: 60_000,
  }).catch((err: Error) => ({ code: 0, text: err.message }));
  await gw.settle(10_000);
  const { maxMs } = await gw.lag();
  blocks.push(maxMs);
  if (maxMs > 30) console.log(`message ${i} (${size} bytes): reply ${reply.code}, longest block ${maxMs.toFixed(0)} ms`);
}
blocks.sort((a, b) => b - a);
console.log(
  `${count} messages in ${((Date.now() - started) / 1000).toFixed(0)} s; longest blocks ` +
    `${blocks
      .slice(0, 8)
      .map((b) => b.toFixed(0))
      .join(' ')} ms; over 50 ms: ${blocks.filter((b) => b > 50).length}`,
);
await gw.stop();
