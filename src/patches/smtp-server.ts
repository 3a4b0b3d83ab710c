// Six behaviours of smtp-server 3.21 that a mail gateway needs different, patched once per process:
// 1. It waits a fixed 100 ms before every greeting to catch early talkers (spam bots that send
//    before the banner). Useful on the MX port, only latency on submission where clients
//    authenticate: `greetingDelayMs` makes it a per-server option (init() with the constant replaced),
//    and `greetPass` (src/smtp/greet-pass.ts) skips it for a client that already waited once.
// 2. It advertises AUTH in EHLO before STARTTLS even when it will refuse it there. Like Postfix's
//    smtpd_tls_auth_only, `authOnlyAfterTls` hides AUTH from EHLO until the session is encrypted.
// 3. Its only connection limit is maxClients for the whole server: `connectionGate` adds per-client
//    limits (src/smtp/connection-gate.ts), refused with 421 before the greeting like maxClients.
// 4. Its PROXY protocol support reads v1 only and trusts exact addresses: `proxyFrom` (a BlockList
//    of trustedProxies) replaces it with v1 and v2 from those networks (src/patches/proxy-protocol.ts); a
//    PROXY command from anyone else closes the connection.
// 5. It writes every reply at once: the replies to pipelined commands now leave together
//    (src/patches/smtp-reply-batch.ts).
// 6. It reads message data a byte at a time, one event-loop turn per dot-led line: now in one pass
//    with Buffer searches (src/patches/smtp-data-dots.ts).
import type { BlockList, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { inNetworks } from '../util/cidr.ts';
import { newSessionId } from '../util/id.ts';
import { parseProxyHeader } from './proxy-protocol.ts';
import { readDataInOnePass } from './smtp-data-dots.ts';
import { batchPipelinedReplies } from './smtp-reply-batch.ts';

/** The per-client connection limits the listener passes in (ConnectionGate, src/smtp/connection-gate.ts). */
interface ConnectionGate {
  /** null when the client may connect, else why it may not */
  admit(ip: string): string | null;
  release(ip: string): void;
}

/** The clients that already waited out a greeting delay (GreetPass, src/smtp/greet-pass.ts). */
interface GreetPass {
  has(ip: string): boolean;
  remember(ip: string): void;
}

interface PatchableConnection {
  _server: {
    options: {
      maxClients?: number;
      greetingDelayMs?: number;
      greetPass?: GreetPass;
      authOnlyAfterTls?: boolean;
      connectionGate?: ConnectionGate;
    };
    connections: Set<unknown>;
  };
  remoteAddress: string;
  _setListeners(cb: () => void): void;
  send(code: number, text: string, end?: boolean): void;
  connectionReady(): void;
  name: string;
  secure: boolean;
  _closing: boolean;
  _closed: boolean;
  _hidingAuth?: boolean;
  _releaseGate?: () => void;
}

type Proto = {
  init: (this: PatchableConnection) => void;
  handler_EHLO: (this: PatchableConnection, command: unknown, callback: unknown) => unknown;
  _isSupported: (this: PatchableConnection, command: unknown) => boolean;
  _onClose: (this: PatchableConnection) => void;
  handler_PROXY: (this: PatchableConnection, command: unknown, callback: () => void) => void;
};

interface SocketOptions {
  id: string;
  remoteAddress?: string;
  remotePort?: number;
}

interface PatchableServer {
  options: { proxyFrom?: BlockList };
  logger: { info(meta: object, ...args: unknown[]): void };
  _expectsProxyHeader(socket: Socket): boolean;
  _handleProxy(socket: Socket, callback: (err: Error | null, options?: SocketOptions) => void): void;
}

let patched = false;

export function patchSmtpServer(): void {
  if (patched) return;
  patched = true;
  const proto = (SMTPConnection as unknown as { prototype: Proto }).prototype;

  proto.init = function () {
    // Every connection gets this patch's own fields here, in one order, whatever it does later
    // (EHLO or HELO, pipelining or not): connections of one shape keep V8's optimized code for
    // them valid, where a field only some clients added deoptimized it (docs/delivery.md "Cold start").
    this._releaseGate = undefined;
    this._hidingAuth = false;
    this._setListeners(() => {
      const options = this._server.options;
      if (options.maxClients && this._server.connections.size > options.maxClients) {
        return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
      }
      const gate = options.connectionGate;
      if (gate) {
        const ip = this.remoteAddress;
        const refused = gate.admit(ip);
        if (refused) return this.send(421, `${this.name} ${refused}`, false);
        // released in _onClose: STARTTLS strips every listener from the TCP socket
        this._releaseGate = () => gate.release(ip);
      }
      const delay = options.greetingDelayMs ?? 100;
      const pass = options.greetPass;
      if (delay <= 0 || pass?.has(this.remoteAddress)) return this.connectionReady();
      setTimeout(() => {
        // a client that talked during the pause got 421 and is closing: not a pass
        if (this._closing || this._closed) return;
        pass?.remember(this.remoteAddress);
        this.connectionReady();
      }, delay).unref();
    });
  };

  // A PROXY line from a client the listener does not expect one from (not a trusted proxy, or
  // PROXY protocol off): someone trying to pass as another address. 421 closes the connection.
  proto.handler_PROXY = function (_command, callback) {
    this.send(421, `${this.name} PROXY header refused: this address is not a trusted proxy`);
    callback();
  };

  patchProxyProtocol((SMTPServer as unknown as { prototype: PatchableServer }).prototype);
  batchPipelinedReplies((SMTPConnection as unknown as { prototype: Parameters<typeof batchPipelinedReplies>[0] }).prototype);
  readDataInOnePass();

  const onClose = proto._onClose;
  proto._onClose = function () {
    // called once per way the connection ends (socket close, error, timeout): release only once
    const release = this._releaseGate;
    this._releaseGate = undefined;
    release?.();
    return onClose.call(this);
  };

  const ehlo = proto.handler_EHLO;
  const isSupported = proto._isSupported;
  proto.handler_EHLO = function (command, callback) {
    if (this.secure || !this._server.options.authOnlyAfterTls) return ehlo.call(this, command, callback);
    // The feature list is built synchronously inside the handler.
    this._hidingAuth = true;
    try {
      return ehlo.call(this, command, callback);
    } finally {
      this._hidingAuth = false;
    }
  };
  proto._isSupported = function (command) {
    if (this._hidingAuth && String(command).trim().toUpperCase() === 'AUTH') return false;
    return isSupported.call(this, command);
  };
}

function patchProxyProtocol(server: PatchableServer): void {
  server._expectsProxyHeader = function (socket) {
    const from = this.options.proxyFrom;
    return from !== undefined && socket.remoteAddress !== undefined && inNetworks(from, socket.remoteAddress);
  };
  // Replaces smtp-server's: the same contract (callback once, with the socket's options or an
  // error after which the socket is closed), reading v1 and v2.
  server._handleProxy = function (socket, callback) {
    const options: SocketOptions = {
      id: newSessionId(),
    };
    if (!this._expectsProxyHeader(socket)) {
      setImmediate(() => callback(null, options));
      return;
    }
    let received = Buffer.alloc(0);
    let finished = false;
    const finish = (err: Error | null) => {
      if (finished) return;
      finished = true;
      socket.removeListener('readable', read);
      socket.removeListener('close', closed);
      socket.removeListener('end', closed);
      socket.removeListener('error', closed);
      if (err) {
        socket.on('error', () => {});
        socket.destroy();
        this.logger.info({ tnx: 'proxy', peer: socket.remoteAddress, err: err.message }, 'PROXY header refused');
      }
      callback(err, err ? undefined : options);
    };
    const closed = () => finish(new Error('connection closed before its PROXY header'));
    const read = () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        received = Buffer.concat([received, chunk]);
        const parsed = parseProxyHeader(received);
        if (parsed.state === 'more') continue;
        if (parsed.state === 'bad') return finish(new Error(`${parsed.reason} from trusted proxy ${socket.remoteAddress}`));
        const rest = received.subarray(parsed.consumed);
        if (parsed.source) {
          options.remoteAddress = parsed.source.address;
          options.remotePort = parsed.source.port;
        }
        // what the client sent after the header is the SMTP session's: back before it starts
        if (rest.length > 0) socket.unshift(rest);
        return finish(null);
      }
    };
    socket.on('readable', read);
    socket.on('close', closed);
    socket.on('end', closed);
    socket.on('error', closed);
  };
}
