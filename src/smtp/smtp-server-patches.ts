// Two behaviours of smtp-server 3.21 that a mail gateway needs different, patched once per process:
// 1. It waits a fixed 100 ms before every greeting to catch early talkers (spam bots that send
//    before the banner). Useful on the MX port, only latency on submission where clients
//    authenticate: `greetingDelayMs` makes it a per-server option (init() with the constant replaced).
// 2. It advertises AUTH in EHLO before STARTTLS even when it will refuse it there. Like Postfix's
//    smtpd_tls_auth_only, `authOnlyAfterTls` hides AUTH from EHLO until the session is encrypted.
// 3. Its only connection limit is maxClients for the whole server: `connectionGate` adds per-client
//    limits (connection-gate.ts), refused with 421 before the greeting like maxClients.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { ConnectionGate } from './connection-gate.ts';

interface PatchableConnection {
  _server: {
    options: { maxClients?: number; greetingDelayMs?: number; authOnlyAfterTls?: boolean; connectionGate?: ConnectionGate };
    connections: Set<unknown>;
  };
  remoteAddress: string;
  _setListeners(cb: () => void): void;
  send(code: number, text: string, end?: boolean): void;
  connectionReady(): void;
  name: string;
  secure: boolean;
  _hidingAuth?: boolean;
  _releaseGate?: () => void;
}

type Proto = {
  init: (this: PatchableConnection) => void;
  handler_EHLO: (this: PatchableConnection, command: unknown, callback: unknown) => unknown;
  _isSupported: (this: PatchableConnection, command: unknown) => boolean;
  _onClose: (this: PatchableConnection) => void;
};

let patched = false;

export function patchSmtpServer(): void {
  if (patched) return;
  patched = true;
  const proto = (SMTPConnection as unknown as { prototype: Proto }).prototype;

  proto.init = function () {
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
      if (delay <= 0) return this.connectionReady();
      setTimeout(() => this.connectionReady(), delay).unref();
    });
  };

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
