// Replies to pipelined commands leave in one write (part of the smtp-server patch, ./smtp-server.ts).
// smtp-server writes every reply at once, so a client that pipelines MAIL, RCPT and DATA (RFC 2920:
// Postfix, Exchange and nodemailer all do) costs a system call and a TCP segment per reply. Like
// Postfix's smtpd, which flushes only when the client's input is used up, a chunk that holds
// several command lines corks the socket until the event loop's check phase; 220, 221 and 421
// flush at once (STARTTLS's go-ahead must be on the wire before the handshake, the others close).
import type { Socket } from 'node:net';

/** The parts of smtp-server's SMTPConnection this patch reads or replaces. */
interface Connection {
  _socket: Socket;
  _createParser(): Parser;
  send(code: number, ...rest: unknown[]): unknown;
  /** the socket corked for the replies of the chunk being read, until the check phase */
  _repliesCorked?: Socket | null;
}

interface Parser {
  _dataMode: boolean;
  _write(chunk: Buffer, encoding: BufferEncoding, next: (err?: Error) => void): void;
}

const LF = 0x0a;
/** Replies after which nothing may wait in the socket's buffer. */
const FLUSH_AFTER = new Set([220, 221, 421]);

/** True when `chunk` holds more than one line: commands the client sent without waiting for replies. */
export function holdsSeveralLines(chunk: Buffer): boolean {
  const first = chunk.indexOf(LF);
  return first !== -1 && first !== chunk.lastIndexOf(LF);
}

/** Patches SMTPConnection's prototype (once per process, from patchSmtpServer). */
export function batchPipelinedReplies(proto: Connection): void {
  const createParser = proto._createParser;
  proto._createParser = function (this: Connection) {
    // set on every connection as it is built (the constructor makes its parser), not only on those
    // that pipeline: connections of one shape keep V8's optimized code for them (docs/delivery.md
    // "Cold start"); a parser made again after STARTTLS keeps the value
    this._repliesCorked ??= null;
    const parser = createParser.call(this);
    const write = parser._write;
    parser._write = (chunk, encoding, next) => {
      // message data is not commands: its only reply comes after the commit, alone
      if (!parser._dataMode && Buffer.isBuffer(chunk) && holdsSeveralLines(chunk)) corkUntilCheckPhase(this);
      write.call(parser, chunk, encoding, next);
    };
    return parser;
  };

  const send = proto.send;
  proto.send = function (this: Connection, code: number, ...rest: unknown[]) {
    const result = send.call(this, code, ...rest);
    if (FLUSH_AFTER.has(code)) flush(this);
    return result;
  };
}

function corkUntilCheckPhase(conn: Connection): void {
  if (conn._repliesCorked || !conn._socket || conn._socket.destroyed) return;
  conn._repliesCorked = conn._socket;
  conn._socket.cork();
  setImmediate(() => flush(conn));
}

function flush(conn: Connection): void {
  const socket = conn._repliesCorked;
  if (!socket) return;
  conn._repliesCorked = null;
  socket.uncork();
}
