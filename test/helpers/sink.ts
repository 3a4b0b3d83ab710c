// A real SMTP server on loopback that stands in for the smart host or a tenant's mail server:
// it records every message byte for byte. Behaviour per recipient can be scripted (4xx/5xx).
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SunkMessage {
  mailFrom: string;
  recipients: string[];
  raw: Buffer;
}

export interface Sink {
  port: number;
  url: string;
  messages: SunkMessage[];
  /** return an error code/text to refuse a recipient, or null to accept */
  rcptHook: ((rcpt: string) => { code: number; text: string } | null) | null;
  dataHook: (() => { code: number; text: string } | null) | null;
  waitFor(n: number, timeoutMs?: number): Promise<SunkMessage[]>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const sink: Sink = {
    port: 0,
    url: '',
    messages: [],
    rcptHook: null,
    dataHook: null,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.messages.length < n) {
        if (Date.now() > deadline) throw new Error(`sink: expected ${n} messages, have ${sink.messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sink.messages;
    },
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    onRcptTo(address, _session, cb) {
      const refuse = sink.rcptHook?.(address.address);
      if (refuse) return cb(Object.assign(new Error(refuse.text), { responseCode: refuse.code }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const refuse = sink.dataHook?.();
        if (refuse) return cb(Object.assign(new Error(refuse.text), { responseCode: refuse.code }));
        sink.messages.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        cb();
      });
    },
  });
  // A Sekisho killed mid-delivery resets the connection; that must not crash the test process.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}

/** The message as the sender wrote it: the sink's copy minus the trace headers Sekisho adds on
 *  top (its Received header and, on inbound mail, its Authentication-Results header). */
export function withoutFirstReceived(raw: Buffer): Buffer {
  let rest = raw;
  for (const name of ['Received:', 'Authentication-Results:']) {
    const text = rest.toString('latin1');
    if (!text.startsWith(name)) continue;
    const m = /\r\n(?![ \t])/.exec(text);
    if (m) rest = rest.subarray(m.index + 2);
  }
  return rest;
}
