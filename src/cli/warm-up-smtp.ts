// The two SMTP ends of the start's warm-up (warm-up.ts) on raw loopback sockets: a pipelining
// sender and a sink that counts and discards. They cost far less CPU than smtp-server and nodemailer
// would, so the warm-up's time goes to the gateway it warms, whose libraries see only its own use.
// The sender fails on a reply it does not expect (never a wait); the sink answers 250 to every
// command but EHLO, DATA and QUIT: its one peer is the private gateway's delivery client.
import net, { type AddressInfo } from 'node:net';

/** One SMTP client session: replies are read in order, a pipelined group at a time. */
export class WarmUpSession {
  private buffered = '';
  private lines: string[] = [];
  private readonly waiting: Array<{ resolve: (code: number) => void; reject: (err: Error) => void }> = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.take(chunk.toString('latin1')));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the warm-up gateway closed the connection')));
  }

  /** Connects, reads the greeting and says EHLO. */
  static async open(port: number, timeoutMs: number): Promise<WarmUpSession> {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply from the warm-up gateway within ${timeoutMs} ms`)));
    const session = new WarmUpSession(socket);
    await session.expect([220]);
    session.socket.write('EHLO warm-up.invalid\r\n');
    await session.expect([250]);
    return session;
  }

  /** One transaction, MAIL, RCPT and DATA pipelined (RFC 2920) as MTAs send them. */
  async send(from: string, to: string, raw: Buffer): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    await this.expect([250, 250, 354]);
    this.socket.write(Buffer.from(`${dotStuffed(raw.toString('latin1'))}.\r\n`, 'latin1'));
    await this.expect([250]);
  }

  quit(): void {
    this.socket.end('QUIT\r\n');
  }

  private async expect(codes: number[]): Promise<void> {
    const got = await Promise.all(codes.map(() => this.nextReply()));
    const wrong = got.findIndex((code, i) => code !== codes[i]);
    if (wrong >= 0) {
      this.socket.destroy();
      throw new Error(`the warm-up gateway replied ${got[wrong]} where ${codes[wrong]} was expected`);
    }
  }

  private nextReply(): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.deliver();
    });
  }

  private take(text: string): void {
    const all = this.buffered + text;
    const end = all.lastIndexOf('\r\n');
    if (end < 0) {
      this.buffered = all;
      return;
    }
    this.buffered = all.slice(end + 2);
    for (const line of all.slice(0, end).split('\r\n')) this.lines.push(line);
    this.deliver();
  }

  /** Hands complete replies (the last line of one has a space after its code) to the waiting. */
  private deliver(): void {
    while (this.waiting.length > 0) {
      const last = this.lines.findIndex((line) => line.charAt(3) !== '-');
      if (last < 0) return;
      const code = Number(this.lines[last]!.slice(0, 3));
      this.lines.splice(0, last + 1);
      this.waiting.shift()!.resolve(code);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }
}

/** The message as DATA carries it: CRLF at the end, a line that starts with a dot gets another. */
function dotStuffed(text: string): string {
  const body = text.endsWith('\r\n') ? text : `${text}\r\n`;
  return body.replace(/(^|\r\n)\./g, '$1..');
}

export interface DiscardingSink {
  port: number;
  received(): number;
  close(): Promise<void>;
}

/** An SMTP server on a loopback port that accepts every message and keeps nothing but the count. */
export async function startDiscardingSink(): Promise<DiscardingSink> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serveSink(socket, () => count++);
  });
  // exclusive: in a process of `processes` > 1, port 0 would otherwise be one port for every process
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const END_OF_DATA = '\r\n.\r\n';

/** One sink session: a reply per command line, the message body skipped up to its final dot. */
function serveSink(socket: net.Socket, received: () => void): void {
  let pending = '';
  let inData = false;
  socket.write('220 warm-up sink\r\n');
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let replies = '';
    for (;;) {
      if (inData) {
        const end = pending.indexOf(END_OF_DATA);
        if (end < 0) {
          // keep only what could still begin the end-of-data line
          pending = pending.slice(-(END_OF_DATA.length - 1));
          break;
        }
        pending = pending.slice(end + END_OF_DATA.length);
        inData = false;
        received();
        replies += '250 2.0.0 discarded\r\n';
        continue;
      }
      const eol = pending.indexOf('\r\n');
      if (eol < 0) break;
      const verb = pending.slice(0, Math.min(eol, 4)).toUpperCase();
      pending = pending.slice(eol + 2);
      if (verb === 'DATA') {
        // the body's first line may follow at once: "\r\n" before it makes a leading dot line findable
        inData = true;
        pending = `\r\n${pending}`;
        replies += '354 go on\r\n';
      } else if (verb === 'EHLO') replies += '250-warm-up sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n';
      else if (verb === 'QUIT') {
        socket.end(`${replies}221 bye\r\n`);
        return;
      } else replies += '250 ok\r\n';
    }
    if (replies) socket.write(replies);
  });
}
