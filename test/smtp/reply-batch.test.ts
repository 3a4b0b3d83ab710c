// Replies to pipelined commands leave in one write (src/patches/smtp-reply-batch.ts), over loopback
// to a real smtp-server with Sekisho's patches: MAIL, RCPT and DATA sent together get their three
// replies in one system call; commands sent one at a time still get each reply at once; and
// STARTTLS pipelined after EHLO gets its go-ahead on the wire before the TLS handshake begins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { applyPatches } from '../../src/patches/index.ts';
import { holdsSeveralLines } from '../../src/patches/smtp-reply-batch.ts';
import { selfSigned } from '../../src/smtp/tls.ts';
import { SmtpTalk } from '../helpers/smtp-talk.ts';
import { waitUntil } from '../helpers/wait.ts';

applyPatches();

/** A patched smtp-server on a loopback port, counting the writes its sockets make. */
async function countingServer(tlsPair?: { cert: string; key: string }) {
  const server = new SMTPServer({
    authOptional: true,
    disableReverseLookup: true,
    greetingDelayMs: 0,
    logger: false,
    ...(tlsPair ? { key: tlsPair.key, cert: tlsPair.cert } : { disabledCommands: ['STARTTLS'] }),
    // as Sekisho's handlers: they answer after a promise, not synchronously
    onMailFrom: (_address: unknown, _session: unknown, done: () => void) => void Promise.resolve().then(done),
    onRcptTo: (_address: unknown, _session: unknown, done: () => void) => void Promise.resolve().then(done),
  } as unknown as ConstructorParameters<typeof SMTPServer>[0]);
  const writes = { calls: 0 };
  (server as unknown as { server: net.Server }).server.on('connection', (socket: net.Socket) => {
    const raw = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
    for (const method of ['_write', '_writev'] as const) {
      const original = raw[method]!.bind(socket);
      raw[method] = (...args: unknown[]) => {
        writes.calls++;
        return original(...args);
      };
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: net.Server }).server.address() as net.AddressInfo).port;
  return { server, port, writes };
}

test('the replies to MAIL, RCPT and DATA sent in one packet leave in one write', async (t) => {
  const { server, port, writes } = await countingServer();
  t.after(() => server.close());
  const { talk } = await SmtpTalk.connect(port);
  t.after(() => talk.close());
  assert.equal((await talk.cmd('EHLO client.example')).code, 250);
  writes.calls = 0;
  talk.write('MAIL FROM:<a@client.example>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n');
  assert.deepEqual([(await talk.reply()).code, (await talk.reply()).code, (await talk.reply()).code], [250, 250, 354]);
  assert.equal(writes.calls, 1, 'one write for the three replies');

  talk.write('Subject: x\r\n\r\nbody\r\n.\r\n');
  assert.equal((await talk.reply()).code, 250);
  writes.calls = 0;
  for (const line of ['MAIL FROM:<a@client.example>', 'RCPT TO:<b@example.net>', 'RSET']) assert.equal((await talk.cmd(line)).code, 250);
  assert.equal(writes.calls, 3, 'a client that waits for each reply gets each at once');
});

test('STARTTLS pipelined after EHLO: both replies arrive before the handshake, which then succeeds', async (t) => {
  const { server, port } = await countingServer(await selfSigned('localhost'));
  t.after(() => server.close());
  const socket = net.connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let text = '';
  const onData = (d: Buffer) => {
    text += d.toString('latin1');
  };
  socket.on('data', onData);
  const until = (pattern: RegExp) => waitUntil(`a reply matching ${pattern}`, () => pattern.test(text));
  await until(/^220 /m);
  socket.write('EHLO client.example\r\nSTARTTLS\r\n');
  await until(/^220 .*TLS/m);
  assert.match(text, /^250[ -]/m, 'the EHLO reply came first');
  socket.off('data', onData);
  const secure = tls.connect({ socket, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
  let after = '';
  secure.on('data', (d: Buffer) => {
    after += d.toString('latin1');
  });
  secure.write('EHLO client.example\r\n');
  await waitUntil('the EHLO reply over TLS', () => /^250 /m.test(after));
  secure.destroy();
});

test('a chunk holds several commands only with two line ends or more', () => {
  assert.equal(holdsSeveralLines(Buffer.from('MAIL FROM:<a@b>\r\n')), false);
  assert.equal(holdsSeveralLines(Buffer.from('MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n')), true);
  assert.equal(holdsSeveralLines(Buffer.from('partial command')), false);
});
