// Test support (not a test): a real smtp-server on loopback that records every message byte for
// byte and can refuse per command, plus a self-signed certificate made in-process for STARTTLS.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface SunkMessage {
  mailFrom: string;
  recipients: string[];
  raw: Buffer;
  secure: boolean;
}

export type Refusal = { code: number; text: string } | null;

export interface SmtpSink {
  port: number;
  messages: SunkMessage[];
  connections: number;
  /** sessions open right now (a killed client's sessions close once their last bytes are read) */
  open: number;
  onMail: (from: string) => Refusal;
  onRcpt: (rcpt: string) => Refusal;
  onData: () => Refusal;
  close(): Promise<void>;
}

export interface SinkOptions {
  /** offer STARTTLS with this key and certificate */
  tls?: { key: string; cert: string };
}

export async function startSmtpSink(options: SinkOptions = {}): Promise<SmtpSink> {
  const refuse = (r: Refusal, cb: (err?: Error | null) => void) =>
    r ? cb(Object.assign(new Error(r.text), { responseCode: r.code })) : cb();
  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
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
      refuse(sink.onMail(address.address), cb);
    },
    onRcptTo(address, _session, cb) {
      refuse(sink.onRcpt(address.address), cb);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const r = sink.onData();
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
  // A client that vanishes mid-session (a killed Sekisho) is normal for a sink, not a crash.
  server.on('error', () => {});
  const sink: SmtpSink = {
    port: 0,
    messages: [],
    connections: 0,
    open: 0,
    onMail: () => null,
    onRcpt: () => null,
    onData: () => null,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
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
