// The warm-up's raw-socket SMTP ends (src/cli/warm-up-smtp.ts): the sender's messages arrive byte
// for byte, pipelined, at a real SMTP server (the tests' recording sink: smtp-server, as the gateway
// runs it); the sink counts what nodemailer (the gateway's delivery client) hands it; a refusal
// ends a send with an error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { startDiscardingSink, WarmUpSession } from '../../src/cli/warm-up-smtp.ts';
import { startSink } from '../helpers/sink.ts';

describe('warm-up SMTP ends', () => {
  it('the sender delivers each message byte for byte (dot-stuffed on the wire, ISO-2022-JP bytes kept)', async () => {
    const server = await startSink();
    try {
      const jis = Buffer.from('1b2442246a242c24482426246f1b2842', 'hex'); // ありがとう in ISO-2022-JP
      const messages = [
        Buffer.from('Subject: one\r\n\r\nplain\r\n'),
        Buffer.concat([Buffer.from('Subject: two\r\n\r\n.leading dot\r\n..two dots\r\n'), jis, Buffer.from('\r\n')]),
        Buffer.from('Subject: three\r\n\r\nno final line break'),
      ];
      const session = await WarmUpSession.open(server.port, 5_000);
      for (const raw of messages) await session.send('a@warm-up.invalid', 'b@warm-up.invalid', raw);
      session.quit();
      assert.deepEqual(
        server.messages.map((m) => m.raw.toString('latin1')),
        [messages[0], messages[1], Buffer.from('Subject: three\r\n\r\nno final line break\r\n')].map((b) => b!.toString('latin1')),
      );
    } finally {
      await server.close();
    }
  });

  it('a refused recipient ends the send with an error naming the reply, not a wait', async () => {
    const server = await startSink();
    server.rcptHook = (rcpt) => (rcpt === 'nobody@warm-up.invalid' ? { code: 550, text: 'no such user' } : null);
    try {
      const session = await WarmUpSession.open(server.port, 5_000);
      await assert.rejects(
        session.send('a@warm-up.invalid', 'nobody@warm-up.invalid', Buffer.from('Subject: x\r\n\r\nx\r\n')),
        /replied 550/,
      );
      assert.equal(server.messages.length, 0);
    } finally {
      await server.close();
    }
  });

  it('the sink counts every message nodemailer sends it, over one connection and a body split across writes', async () => {
    const sink = await startDiscardingSink();
    const connection = new SMTPConnection({ host: '127.0.0.1', port: sink.port, ignoreTLS: true });
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once('error', reject);
        connection.connect(() => resolve());
      });
      const big = Buffer.from(`Subject: big\r\n\r\n${'.dot line and more text\r\n'.repeat(20_000)}`);
      for (const raw of [Buffer.from('Subject: a\r\n\r\na\r\n'), big, Buffer.from('Subject: c\r\n\r\n.\r\n')]) {
        await new Promise<void>((resolve, reject) =>
          connection.send({ from: 'a@warm-up.invalid', to: ['b@warm-up.invalid'] }, raw, (err) => (err ? reject(err) : resolve())),
        );
      }
      assert.equal(sink.received(), 3);
    } finally {
      connection.close();
      await sink.close();
    }
  });
});
