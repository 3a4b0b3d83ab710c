// A real SMTP server on loopback that stands in for the smart host or a tenant's mail server:
// it records every message byte for byte. Its answers to MAIL, RCPT and DATA can be scripted
// (4xx/5xx); it can offer STARTTLS with a self-signed certificate made in-process.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface SunkMessage {
  mailFrom: string;
  recipients: string[];
  raw: Buffer;
  /** true when the message came over STARTTLS */
  secure: boolean;
}

export type Refusal = { code: number; text: string } | null;

export interface Sink {
  port: number;
  url: string;
  messages: SunkMessage[];
  /** sessions opened since the start */
  connections: number;
  /** sessions open right now (a killed client's sessions close once their last bytes are read) */
  open: number;
  /** return a refusal to refuse MAIL FROM / a recipient / the data, or null to accept */
  mailHook: ((from: string) => Refusal) | null;
  rcptHook: ((rcpt: string) => Refusal) | null;
  dataHook: (() => Refusal) | null;
  /** while set, each message's reply after DATA waits for it (a slow downstream) */
  dataGate: Promise<void> | null;
  waitFor(n: number, timeoutMs?: number): Promise<SunkMessage[]>;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** offer STARTTLS with this key and certificate */
  tls?: { key: string; cert: string };
}

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const refuse = (r: Refusal | undefined, cb: (err?: Error | null) => void) =>
    r ? cb(Object.assign(new Error(r.text), { responseCode: r.code })) : cb();
  const sink: Sink = {
    port: 0,
    url: '',
    messages: [],
    connections: 0,
    open: 0,
    mailHook: null,
    rcptHook: null,
    dataHook: null,
    dataGate: null,
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
  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    logger: false,
    disableReverseLookup: true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    onConnect(_session, cb) {
      sink.connections++;
      sink.open++;
      cb();
    },
    onClose() {
      sink.open--;
    },
    onMailFrom(address, _session, cb) {
      refuse(sink.mailHook?.(address.address), cb);
    },
    onRcptTo(address, _session, cb) {
      refuse(sink.rcptHook?.(address.address), cb);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        await sink.dataGate;
        const r = sink.dataHook?.();
        if (r) return refuse(r, cb);
        sink.messages.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          recipients: session.envelope.rcptTo.map((t) => t.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // A Sekisho killed mid-delivery resets the connection; that must not crash the test process.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}

/** A self-signed certificate for `commonName`, valid from yesterday for a year. */
export function selfSignedCertificate(commonName: string): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return { key: keyPem, cert: forge.pki.certificateToPem(cert) };
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
