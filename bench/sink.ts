// The benches' SMTP sink: counts messages, notes when the last one arrived. Raw sockets rather than
// smtp-server: it shares the two cores with what is measured, so it does as little as possible.
import net, { type AddressInfo } from 'node:net';

// ── the sink: counts messages, notes when the last one arrived ───────────────────────────────
// Raw sockets rather than smtp-server: it shares the two cores with what is measured, so it does
// as little as possible per message. Commands are short and parsed as text; message bodies are only
// scanned for the end-of-data marker, never converted to strings. It offers PIPELINING, as every
// real MTA does (Postfix, Exchange, Gmail), and answers all commands of a chunk in one write: both
// relays under test may then send MAIL, RCPT and DATA in one go (RFC 2920).
const END_OF_DATA = Buffer.from('\r\n.\r\n');
const CRLF = Buffer.from('\r\n');

export async function startCountingSink() {
  const state = { count: 0, last: 0, target: Infinity, done: () => {} };
  const arrived = () => {
    state.count++;
    state.last = performance.now();
    if (state.count >= state.target) state.done();
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // a client that closes right after QUIT resets the connection
    socket.setNoDelay(true);
    let inData = false;
    let line = ''; // a command line not yet complete
    // in DATA: the last ≤ 4 bytes received, since the end-of-data marker may straddle two chunks;
    // it starts as the CRLF that ended the DATA command, which the marker's own CRLF may be
    let tail: Buffer = CRLF;
    socket.write('220 sink.localhost ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      let out = ''; // replies to every command in this chunk, written once
      let pos = 0;
      while (pos < chunk.length) {
        if (inData) {
          // the marker starting in the tail: look at the tail and the chunk's first 4 bytes
          let end = Buffer.concat([tail, chunk.subarray(pos, pos + 4)]).indexOf(END_OF_DATA);
          if (end >= 0) end = pos + end + END_OF_DATA.length - tail.length;
          else {
            end = chunk.indexOf(END_OF_DATA, pos);
            if (end >= 0) end += END_OF_DATA.length;
          }
          if (end < 0) {
            tail =
              chunk.length - pos >= 4
                ? Buffer.from(chunk.subarray(chunk.length - 4))
                : Buffer.concat([tail, chunk.subarray(pos)]).subarray(-4);
            break;
          }
          inData = false;
          pos = end;
          out += '250 2.0.0 queued\r\n';
          arrived();
          continue;
        }
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) {
          line += chunk.toString('latin1', pos);
          break;
        }
        const cmd = (line + chunk.toString('latin1', pos, nl)).trimEnd();
        line = '';
        pos = nl + 1;
        const verb = cmd.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') out += '250-sink.localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n';
        else if (verb === 'DATA') {
          out += '354 end with <CRLF>.<CRLF>\r\n';
          inData = true;
          tail = CRLF;
        } else if (verb === 'QUIT') {
          socket.end(out + '221 2.0.0 bye\r\n');
          return;
        } else out += '250 2.0.0 ok\r\n'; // HELO, MAIL, RCPT, RSET, NOOP and anything else
      }
      if (out) socket.write(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    /** counts from now; resolves once n messages arrived. n may be known only later: the
     * smtp-source generator learns its total (its count + the probe's) when it has finished */
    expect(n: number | Promise<number>): Promise<void> {
      state.count = 0;
      state.target = Infinity;
      return new Promise((resolve) => {
        state.done = resolve;
        void Promise.resolve(n).then((total) => {
          state.target = total;
          if (state.count >= total) resolve();
        });
      });
    },
    count: () => state.count,
    lastAt: () => state.last,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
export type Sink = Awaited<ReturnType<typeof startCountingSink>>;
