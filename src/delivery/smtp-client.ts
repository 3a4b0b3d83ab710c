// Sends one stored message, byte for byte, to one SMTP server and reports a result per
// recipient: delivered, deferred (retry later) or failed (bounce), with the reply code,
// enhanced status code and reply text for the audit trail and DSNs. Connections are pooled per
// destination (address, port, TLS mode, credentials) through nodemailer's SMTP pool, which is
// handed the stored bytes directly (its mail composer is not needed for a message that exists
// already); idle pools are closed. TLS: opportunistic STARTTLS without certificate checks for MX
// delivery (like Postfix "may"), or required and verified for a smart host configured to require it.
import { isAscii } from 'node:buffer';
import { PassThrough, type Readable } from 'node:stream';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import MimeNode from 'nodemailer/lib/mime-node/index.js';
import { applyPatches } from '../patches/index.ts';
import { inSlices } from '../util/in-slices.ts';
import type { DeliveryTarget } from './mx.ts';

export type RecipientStatus = 'delivered' | 'deferred' | 'failed';

/** How far the SMTP conversation got when the outcome was decided. */
export type SmtpStage = 'connection' | 'mail' | 'rcpt' | 'data' | 'done';

export interface RecipientDeliveryResult {
  recipient: string;
  status: RecipientStatus;
  /** the SMTP reply code, or null when there was no reply (connection refused, timeout, TLS) */
  code: number | null;
  /** RFC 3463 status code from the reply, or the one that describes a local failure */
  enhanced: string;
  /** the reply text (one line) or a local reason, for the audit trail and Diagnostic-Code */
  response: string;
  /** the server talked to, for a DSN's Remote-MTA */
  remoteMta: string;
  stage: SmtpStage;
}

export interface SmtpDeliveryOptions {
  /** our host name, sent in EHLO */
  name: string;
  /** reuse connections (default true) */
  pool?: boolean;
  /** connections per destination (default 5) */
  maxConnections?: number;
  /** messages per connection before it is replaced (default 100) */
  maxMessages?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** close a destination's pool after it has been unused this long (default 60 s) */
  idleCloseMs?: number;
}

export interface SmtpAuth {
  user: string;
  pass: string;
}

export interface DeliverRequest {
  /** address or host name to connect to */
  host: string;
  port: number;
  /** the name to check the certificate against and send as SNI (the MX host when host is an IP) */
  servername?: string;
  /** implicit TLS from the first byte (smtps://, port 465) */
  secure?: boolean;
  /** use STARTTLS when offered, without certificate checks (default true) */
  opportunisticTls?: boolean;
  /** STARTTLS must succeed and the certificate must verify, else defer (a relay that requires it) */
  requireTls?: boolean;
  /** extra trusted CA certificates (PEM) for a private relay, and for tests */
  tlsCa?: string | Buffer | (string | Buffer)[];
  auth?: SmtpAuth;
  /** envelope sender; '' sends MAIL FROM:<> (DSNs and notices to bounces) */
  mailFrom: string;
  recipients: string[];
  /** the stored message as it is to be sent (CRLF line ends) */
  raw: Buffer;
  /** what to report as Remote-MTA (default servername or host) */
  remoteMta?: string;
}

export interface SmtpDelivery {
  deliver(request: DeliverRequest): Promise<RecipientDeliveryResult[]>;
  /** pools currently open, by destination key (for metrics and tests) */
  openPools(): string[];
  close(): Promise<void>;
}

/** nodemailer's SMTP pool or single-connection transport, used below its Mailer front end */
interface RawTransport {
  send(mail: RawMail, callback: (err: Error | null, info: SentInfo) => void): void;
  close(): void;
}

interface PoolEntry {
  transport: RawTransport;
  lastUsed: number;
  inFlight: number;
}

/**
 * What nodemailer's pool and transport read of a mail (`mail.message` and `mail.data`): the
 * envelope and a stream of the message. Its Mailer would build this by compiling a MIME tree
 * from `raw` (generating a Message-ID and boundaries it then ignores) at about a tenth of the
 * CPU of a whole delivery; the bytes on the wire are the same.
 */
interface RawMail {
  data: Record<string, never>;
  message: {
    getEnvelope(): { from: string | false; to: string[]; use8BitMime: boolean };
    messageId(): string;
    getHeader(key: string): string;
    createReadStream(): Readable;
  };
}

function rawMail(request: DeliverRequest): RawMail {
  const { from, to } = envelopeOf(request.mailFrom, request.recipients);
  const use8BitMime = hasEightBitBytes(request.raw);
  return {
    data: {},
    message: {
      getEnvelope: () => ({ from, to: [...to], use8BitMime }),
      messageId: () => '',
      getHeader: () => '',
      // a large message a slice per turn: nodemailer dot-stuffs each chunk it is given in one go
      // (7 MB of lines that begin with a dot held the event loop for ~600 ms as one chunk)
      createReadStream: () => readableOf(inSlices(request.raw)),
    },
  };
}

function readableOf(body: Buffer | Readable): Readable {
  return Buffer.isBuffer(body) ? new PassThrough().end(body) : body;
}

// A plain ASCII address (dot-atom local part, LDH domain) is what nodemailer's envelope parsing
// would leave unchanged; anything else (IDN domains, quoted local parts, stray brackets) goes
// through that parsing, so such addresses reach the wire exactly as before.
const PLAIN_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+$/;

/** The envelope as nodemailer's Mailer would give it to the transport. */
export function envelopeOf(mailFrom: string, recipients: string[]): { from: string | false; to: string[] } {
  const plain =
    (mailFrom === '' || PLAIN_ADDRESS.test(mailFrom)) &&
    recipients.every((r) => PLAIN_ADDRESS.test(r)) &&
    new Set(recipients).size === recipients.length;
  if (plain) return { from: mailFrom || false, to: recipients };
  const parsed = new MimeNode().setEnvelope({ from: mailFrom, to: recipients }).getEnvelope() as { from: string | false; to: string[] };
  return { from: parsed.from, to: parsed.to };
}

export function createSmtpDelivery(options: SmtpDeliveryOptions): SmtpDelivery {
  applyPatches();
  const pools = new Map<string, PoolEntry>();
  const idleCloseMs = options.idleCloseMs ?? 60_000;
  const sweeper = setInterval(() => closeIdlePools(pools, idleCloseMs), Math.max(1000, Math.floor(idleCloseMs / 2)));
  sweeper.unref();

  const entryFor = (request: DeliverRequest): PoolEntry => {
    const key = poolKey(request);
    let entry = pools.get(key);
    if (!entry) {
      const settings = transportOptions(options, request);
      const transport = (settings.pool
        ? new SMTPPool(settings)
        : new SMTPTransport(settings as SMTPTransport.Options)) as unknown as RawTransport;
      entry = { transport, lastUsed: Date.now(), inFlight: 0 };
      pools.set(key, entry);
    }
    return entry;
  };

  return {
    async deliver(request) {
      if (request.recipients.length === 0) return [];
      const entry = entryFor(request);
      entry.inFlight++;
      try {
        const mail = rawMail(request);
        const info = await new Promise<SentInfo>((resolve, reject) =>
          entry.transport.send(mail, (err, sent) => (err ? reject(err) : resolve(sent))),
        );
        return resultsFromInfo(request, info);
      } catch (err) {
        return resultsFromError(request, err as SmtpErrorLike);
      } finally {
        entry.inFlight--;
        entry.lastUsed = Date.now();
      }
    },
    openPools: () => [...pools.keys()],
    async close() {
      clearInterval(sweeper);
      for (const entry of pools.values()) entry.transport.close();
      pools.clear();
    },
  };
}

function transportOptions(options: SmtpDeliveryOptions, request: DeliverRequest): SMTPPool.Options {
  const requireTls = request.requireTls === true;
  const opportunistic = !requireTls && request.opportunisticTls !== false;
  return {
    pool: options.pool !== false,
    host: request.host,
    port: request.port,
    secure: request.secure === true,
    name: options.name,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 100,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    greetingTimeout: options.greetingTimeoutMs ?? 30_000,
    socketTimeout: options.socketTimeoutMs ?? 300_000,
    auth: request.auth ? { user: request.auth.user, pass: request.auth.pass } : undefined,
    requireTLS: requireTls,
    ignoreTLS: !requireTls && !opportunistic,
    opportunisticTLS: opportunistic,
    tls: {
      // Opportunistic TLS only protects against passive listeners: most MX certificates do not
      // match the MX name, so checking them would send such mail in plaintext or not at all.
      rejectUnauthorized: !!(requireTls || request.secure === true),
      servername: request.servername,
      ca: request.tlsCa,
    },
    // Sekisho delivers to private addresses on purpose (smart hosts, tenant mail servers, tests).
    allowInternalNetworkInterfaces: true,
    logger: false,
    debug: false,
  } as SMTPPool.Options;
}

/** One pool per destination and TLS/credential combination: never share a session across them. */
function poolKey(request: DeliverRequest): string {
  const tls = request.secure ? 'smtps' : request.requireTls ? 'require' : request.opportunisticTls === false ? 'none' : 'may';
  const auth = request.auth ? `${request.auth.user}:${hashOf(request.auth.pass)}` : '';
  const ca = request.tlsCa ? hashOf([request.tlsCa].flat().map(String).join('')) : '';
  return `${request.host}:${request.port}|${tls}|${request.servername ?? ''}|${auth}|${ca}`;
}

function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

function closeIdlePools(pools: Map<string, PoolEntry>, idleCloseMs: number): void {
  const now = Date.now();
  for (const [key, entry] of pools) {
    if (entry.inFlight === 0 && now - entry.lastUsed >= idleCloseMs) {
      entry.transport.close();
      pools.delete(key);
    }
  }
}

function hasEightBitBytes(raw: Buffer): boolean {
  return !isAscii(raw);
}

interface SmtpErrorLike {
  code?: string;
  originalCode?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  message?: string;
  recipient?: string;
  rejectedErrors?: SmtpErrorLike[];
}

interface SentInfo {
  response?: string;
  accepted?: (string | { address: string })[];
  rejected?: (string | { address: string })[];
  rejectedErrors?: SmtpErrorLike[];
}

function resultsFromInfo(request: DeliverRequest, info: SentInfo): RecipientDeliveryResult[] {
  const rejected = byRecipient(info.rejectedErrors);
  const reply = oneLine(info.response ?? '250 OK');
  return request.recipients.map((recipient) => {
    const refusal = rejected.get(recipient.toLowerCase());
    if (refusal) return classifySmtpError(recipient, refusal, remoteMtaOf(request));
    return {
      recipient,
      status: 'delivered',
      code: replyCode(reply) ?? 250,
      enhanced: enhancedCode(reply) ?? '2.0.0',
      response: reply,
      remoteMta: remoteMtaOf(request),
      stage: 'done',
    };
  });
}

function resultsFromError(request: DeliverRequest, err: SmtpErrorLike): RecipientDeliveryResult[] {
  const rejected = byRecipient(err.rejectedErrors);
  return request.recipients.map((recipient) =>
    classifySmtpError(recipient, rejected.get(recipient.toLowerCase()) ?? err, remoteMtaOf(request)),
  );
}

function byRecipient(errors: SmtpErrorLike[] | undefined): Map<string, SmtpErrorLike> {
  const map = new Map<string, SmtpErrorLike>();
  for (const e of errors ?? []) if (e.recipient) map.set(e.recipient.toLowerCase(), e);
  return map;
}

/**
 * Turns a nodemailer error into a recipient result. Only a 5xx reply to MAIL, RCPT or DATA
 * bounces; no reply at all (refused, timed out), 4xx, and any refusal before MAIL FROM
 * (greeting, EHLO, STARTTLS, AUTH) defer. 503 (bad sequence) and a 552 to RCPT
 * (RFC 5321 4.5.3.1.10 says treat as temporary) defer too.
 */
export function classifySmtpError(recipient: string, err: SmtpErrorLike, remoteMta: string): RecipientDeliveryResult {
  const stage = stageOf(err.command);
  const reply = err.response ? oneLine(err.response) : '';
  const code = err.responseCode ?? replyCode(reply);
  if (code) {
    // Before MAIL FROM (greeting, EHLO, STARTTLS, AUTH) a refusal is about the session, not
    // this message: a misconfigured relay or required TLS must not bounce the whole queue.
    const permanent = code >= 500 && stage !== 'connection' && code !== 503 && !(code === 552 && stage === 'rcpt');
    return {
      recipient,
      status: permanent ? 'failed' : 'deferred',
      code,
      // the status class follows our verdict (a deferred 5xx reads 4.x.x in a delay DSN);
      // the server's own code stays in the response text
      enhanced: withClass(enhancedCode(reply) ?? '5.0.0', permanent ? '5' : '4'),
      response: reply || `${code}`,
      remoteMta,
      stage,
    };
  }
  return {
    recipient,
    status: 'deferred',
    code: null,
    enhanced: localEnhancedCode(err, stage),
    response: localReason(err),
    remoteMta,
    stage,
  };
}

function withClass(enhanced: string, cls: '4' | '5'): string {
  return cls + enhanced.slice(1);
}

function stageOf(command: string | undefined): SmtpStage {
  switch ((command ?? '').toUpperCase()) {
    case 'MAIL FROM':
      return 'mail';
    case 'RCPT TO':
      return 'rcpt';
    case 'DATA':
    case 'MESSAGE':
      return 'data';
    default:
      return 'connection';
  }
}

/** RFC 3463 codes for failures without a reply: 4.4.1 no answer, 4.4.2 bad connection, … */
function localEnhancedCode(err: SmtpErrorLike, stage: SmtpStage): string {
  switch (err.code) {
    case 'EDNS':
      return '4.4.3';
    case 'ETLS':
    case 'EREQUIRETLS':
      return '4.7.5';
    case 'EAUTH':
    case 'ENOAUTH':
      return '4.7.8';
    case 'ETIMEDOUT':
      return stage === 'connection' ? '4.4.1' : '4.4.2';
    default:
      return stage === 'connection' ? '4.4.1' : '4.4.2';
  }
}

function localReason(err: SmtpErrorLike): string {
  const code = err.originalCode ?? err.code ?? 'error';
  return oneLine(`${code}: ${err.message ?? 'delivery failed'}`);
}

function remoteMtaOf(request: DeliverRequest): string {
  return request.remoteMta ?? request.servername ?? request.host;
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
}

function replyCode(reply: string): number | null {
  const m = /^([2-5]\d\d)\b/.exec(reply);
  return m ? Number(m[1]) : null;
}

function enhancedCode(reply: string): string | null {
  const m = /^[2-5]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  return m ? m[1]! : null;
}

export interface RelayConfig {
  host: string;
  port: number;
  secure: boolean;
  auth?: SmtpAuth;
  /** smtp://…?requireTls=true (or ?tls=required): STARTTLS with a verified certificate */
  requireTls: boolean;
}

/**
 * Parses SEKISHO_RELAY: smtp://[user:pass@]host[:port] (default port 25, opportunistic
 * STARTTLS) or smtps://… (implicit TLS, default 465). `?requireTls=true` makes STARTTLS
 * mandatory and verified. User and password are percent-decoded.
 */
export function parseRelayUrl(text: string): RelayConfig {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error(`relay: "${text}" is not a URL like smtp://host:25 or smtps://user:pass@host:465`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`relay: "${url.protocol}" is not supported, use smtp:// or smtps://`);
  if (!url.hostname) throw new Error(`relay: "${text}" has no host`);
  const secure = url.protocol === 'smtps:';
  const flag = (url.searchParams.get('requireTls') ?? url.searchParams.get('tls') ?? '').toLowerCase();
  const relay: RelayConfig = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    requireTls: !secure && (flag === 'true' || flag === 'required' || flag === '1'),
  };
  if (url.username) relay.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return relay;
}

/** The fields of a DeliverRequest that a relay decides. */
export function relayRequest(
  relay: RelayConfig,
): Pick<DeliverRequest, 'host' | 'port' | 'secure' | 'requireTls' | 'opportunisticTls' | 'auth'> {
  return {
    host: relay.host,
    port: relay.port,
    secure: relay.secure,
    requireTls: relay.requireTls,
    opportunisticTls: !relay.requireTls,
    auth: relay.auth,
  };
}

export type MessageToSend = Pick<DeliverRequest, 'mailFrom' | 'recipients' | 'raw'>;

/**
 * Direct delivery over a domain's MX targets (from resolveDeliveryTargets): tries each address
 * of each host in order and moves on while the failure came before any recipient was answered
 * (no connection, greeting/EHLO/MAIL refused, TLS trouble). Once a server has answered the
 * recipients, its verdict stands. Returns the last results when every target failed.
 */
export async function deliverToTargets(
  delivery: SmtpDelivery,
  targets: DeliveryTarget[],
  message: MessageToSend,
): Promise<RecipientDeliveryResult[]> {
  let last: RecipientDeliveryResult[] = [];
  for (const target of targets) {
    for (const address of target.addresses) {
      last = await delivery.deliver({
        ...message,
        host: address,
        port: target.port,
        servername: target.host,
        remoteMta: target.host,
        opportunisticTls: true,
      });
      if (!shouldTryNextHost(last)) return last;
    }
  }
  return last;
}

/** True when every result is a temporary failure before the server judged any recipient. */
function shouldTryNextHost(results: RecipientDeliveryResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === 'deferred' && (r.stage === 'connection' || r.stage === 'mail'));
}
