// The two SMTP listeners, protocol only: submission (STARTTLS, then AUTH PLAIN/LOGIN, or a trusted
// network) and inbound (MX traffic for tenant domains, no AUTH). Every decision about senders,
// recipients and storage is the acceptor's (MessageAcceptor, acceptance.ts); every refusal carries a real SMTP code.
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { AuthedUser, ClientInfo, MessageAcceptor } from './acceptance.ts';
import type { Arrival } from '../store/store.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { TlsMaterial } from './tls.ts';
import type { LoginThrottle } from '../throttle/login-throttle.ts';
import { inNetworks } from '../util/cidr.ts';
import { readMessage } from './read-message.ts';
import { SmtpError } from './smtp-error.ts';
import { applyPatches } from '../patches/index.ts';
import type { ConnectionGate } from './connection-gate.ts';
import type { GreetPass } from './greet-pass.ts';

export interface ListenerDeps {
  acceptor: MessageAcceptor;
  logger: Logger;
  metrics: Metrics;
  tls: TlsMaterial;
  hostname: string;
  maxMessageSize: number;
  maxRecipients: number;
  /** per-client connection limits on this port (connection-gate.ts); none = only maxClients */
  connectionGate?: ConnectionGate;
  /** expect a PROXY header from these networks (trustedProxies, when the port's proxyProtocol is on) */
  proxyFrom?: BlockList;
}

interface SessionState {
  user?: AuthedUser;
  /** the client is in trustedNetworks (submission) */
  trusted?: boolean;
  tenantId?: string;
  /** inbound: recipient → tenant */
  rcptTenants?: Map<string, string>;
  /** the open transaction's message, expected at the store (lets a group commit stop waiting) */
  arrival?: Arrival;
}

type Session = SMTPServerSession & { sekisho?: SessionState };

function state(session: Session): SessionState {
  session.sekisho ??= {};
  return session.sekisho;
}

/** A transaction has begun (MAIL FROM, or the first RCPT TO accepted on the MX port). */
function expectMessage(deps: ListenerDeps, session: Session): void {
  const s = state(session);
  s.arrival?.arrived(); // a transaction before it ended without DATA (RSET, a new MAIL FROM)
  s.arrival = deps.acceptor.expectMessage();
}

/** The transaction ended, or the client left: nothing more will come from it. */
function transactionOver(session: Session): void {
  const s = state(session);
  s.arrival?.arrived();
  s.arrival = undefined;
}

function clientInfo(session: Session, trusted: boolean): ClientInfo {
  return {
    remoteAddress: session.remoteAddress,
    clientHostname: session.clientHostname,
    helo: session.hostNameAppearsAs,
    protocol: session.transmissionType,
    user: state(session).user ?? null,
    trusted,
  };
}

function baseOptions(deps: ListenerDeps, greetingDelayMs: number, greetPass?: GreetPass) {
  applyPatches(); // greetingDelayMs and authOnlyAfterTls below are options the patch adds
  return {
    name: deps.hostname,
    banner: 'Sekisho ESMTP',
    key: deps.tls.key,
    cert: deps.tls.cert,
    size: deps.maxMessageSize,
    logger: false,
    disableReverseLookup: true,
    hideDSN: true,
    maxClients: 1000,
    connectionGate: deps.connectionGate,
    proxyFrom: deps.proxyFrom,
    greetingDelayMs,
    greetPass,
  } as const;
}

function refuse(err: unknown, deps: ListenerDeps, port: string, stage: string, session: Session, detail: object): Error {
  const e = err instanceof SmtpError ? err : new SmtpError(451, '4.3.0', 'Temporary local problem, please try again');
  if (!(err instanceof SmtpError))
    deps.logger.error({ err, port, stage, client: session.remoteAddress }, 'internal error during SMTP transaction');
  deps.metrics.rejected.inc({ port, stage, code: String(e.code) });
  deps.logger.info(
    { port, stage, client: session.remoteAddress, user: state(session).user?.email, code: e.code, reply: e.message, ...detail },
    'smtp refused',
  );
  return e;
}

export function createSubmissionServer(deps: ListenerDeps & { trustedNetworks: BlockList; authThrottle: LoginThrottle }): SMTPServer {
  const throttle = deps.authThrottle;
  // the client's address does not change within a connection: checked once per session
  const trusted = (s: Session) => (state(s).trusted ??= inNetworks(deps.trustedNetworks, s.remoteAddress));
  const port = 'submission';
  const options: SMTPServerOptions & { authOnlyAfterTls: boolean } = {
    ...baseOptions(deps, 0),
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false, // AUTH is refused before STARTTLS (538)…
    authOnlyAfterTls: true, // …and not even offered in EHLO (see src/patches/smtp-server.ts)
    authOptional: true, // trusted networks submit without AUTH; others get 530 at MAIL FROM
    async onAuth(auth: SMTPServerAuthentication, session: Session, callback) {
      try {
        const gate = await throttle.begin(auth.username ?? '', session.remoteAddress);
        if (!gate.ok) {
          const e = new SmtpError(454, '4.7.0', `Too many failed authentication attempts; try again in ${gate.retryAfterSeconds} seconds`);
          return callback(refuse(e, deps, port, 'auth', session, { username: auth.username, throttled: gate.why }));
        }
        const user = await deps.acceptor.authenticate(auth.username ?? '', auth.password ?? '').catch(async (err) => {
          await gate.attempt.withdraw(); // the password was right; the account's tenant is disabled
          throw err;
        });
        if (!user) {
          await gate.attempt.failed();
          return callback(
            refuse(new SmtpError(535, '5.7.8', 'Authentication credentials invalid'), deps, port, 'auth', session, {
              username: auth.username,
            }),
          );
        }
        // forgets nothing but this account's own failures from this client (see login-throttle.ts)
        await gate.attempt.succeeded();
        state(session).user = user;
        callback(null, { user: user.email });
      } catch (err) {
        callback(refuse(err, deps, port, 'auth', session, {}));
      }
    },
    async onMailFrom(address, session: Session, callback) {
      try {
        state(session).tenantId = await deps.acceptor.submissionSenderTenant(clientInfo(session, trusted(session)), address.address);
        expectMessage(deps, session);
        callback();
      } catch (err) {
        callback(refuse(err, deps, port, 'mail', session, { from: address.address }));
      }
    },
    onRcptTo(address, session: Session, callback) {
      if (session.envelope.rcptTo.length >= deps.maxRecipients) {
        return callback(refuse(new SmtpError(452, '4.5.3', 'Too many recipients'), deps, port, 'rcpt', session, {}));
      }
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address.address)) {
        return callback(
          refuse(new SmtpError(553, '5.1.3', `Bad recipient address syntax: <${address.address}>`), deps, port, 'rcpt', session, {}),
        );
      }
      callback();
    },
    async onData(stream, session: Session, callback) {
      const envelope = envelopeOf(session);
      try {
        const raw = await readMessage(stream, deps.maxMessageSize);
        const id = await deps.acceptor.acceptSubmission(
          clientInfo(session, trusted(session)),
          envelope,
          raw,
          state(session).tenantId!,
          state(session).arrival,
        );
        transactionOver(session);
        deps.logger.info(
          {
            port,
            id,
            client: session.remoteAddress,
            user: state(session).user?.email,
            from: envelope.mailFrom,
            rcpts: envelope.recipients.length,
            size: raw.length,
          },
          'smtp accepted',
        );
        callback(null, `Ok: queued as ${id}`);
      } catch (err) {
        transactionOver(session);
        stream.resume();
        callback(refuse(err, deps, port, 'data', session, { from: envelope.mailFrom, rcpts: envelope.recipients.length }));
      }
    },
    onClose: transactionOver,
  };
  return withErrorLog(new SMTPServer(options), deps, port);
}

export function createInboundServer(deps: ListenerDeps & { greetingDelayMs: number; greetPass?: GreetPass }): SMTPServer {
  const port = 'inbound';
  const server = new SMTPServer({
    ...baseOptions(deps, deps.greetingDelayMs, deps.greetPass),
    disabledCommands: ['AUTH'],
    async onRcptTo(address, session: Session, callback) {
      if (session.envelope.rcptTo.length >= deps.maxRecipients) {
        return callback(refuse(new SmtpError(452, '4.5.3', 'Too many recipients'), deps, port, 'rcpt', session, {}));
      }
      try {
        const tenantId = await deps.acceptor.inboundRecipientTenant(address.address);
        const s = state(session);
        s.rcptTenants ??= new Map();
        s.rcptTenants.set(address.address.toLowerCase(), tenantId);
        if (session.envelope.rcptTo.length === 0) expectMessage(deps, session);
        callback();
      } catch (err) {
        callback(refuse(err, deps, port, 'rcpt', session, { to: address.address }));
      }
    },
    async onData(stream, session: Session, callback) {
      const envelope = envelopeOf(session);
      try {
        const raw = await readMessage(stream, deps.maxMessageSize);
        const ids = await deps.acceptor.acceptInbound(
          clientInfo(session, false),
          envelope,
          raw,
          state(session).rcptTenants ?? new Map(),
          state(session).arrival,
        );
        transactionOver(session);
        deps.logger.info(
          {
            port,
            id: ids.join(','),
            client: session.remoteAddress,
            from: envelope.mailFrom,
            rcpts: envelope.recipients.length,
            size: raw.length,
          },
          'smtp accepted',
        );
        callback(null, `Ok: queued as ${ids.join(' ')}`);
      } catch (err) {
        transactionOver(session);
        stream.resume();
        callback(refuse(err, deps, port, 'data', session, { from: envelope.mailFrom, rcpts: envelope.recipients.length }));
      }
    },
    onClose: transactionOver,
  });
  return withErrorLog(server, deps, port);
}

/**
 * smtp-server re-emits a client's socket error in mid-transaction (a reset after MAIL FROM, a
 * TLS failure) as an 'error' event of the server; unheard, that event would end the process, so
 * one client could stop the gateway. It is the client's problem: logged, and the session is gone.
 */
function withErrorLog(server: SMTPServer, deps: ListenerDeps, port: string): SMTPServer {
  server.on('error', (err: NodeJS.ErrnoException & { remoteAddress?: string }) => {
    deps.logger.info({ port, client: err.remoteAddress, code: err.code, err: err.message }, 'smtp connection error');
  });
  return server;
}

function envelopeOf(session: Session) {
  return {
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((r) => r.address),
  };
}
