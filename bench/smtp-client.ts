// A minimal SMTP client on raw sockets for the benches: one command, one reply; with
// BENCH_PIPELINING=yes it sends MAIL, RCPT and DATA in one write, as MTAs do (RFC 2920).
import net from 'node:net';

const PIPELINING = process.env.BENCH_PIPELINING === 'yes';

/** True when a complete reply's last line has a 2xx or 3xx code. */
function positive(reply: string): boolean {
  return /(?:^|\r\n)[23]\d\d [^\r\n]*\r\n$/.test(reply);
}

export class Session {
  private buf = '';
  private waiter: ((line: string) => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      this.buf += d.toString('latin1');
      this.pump();
    });
    socket.on('error', () => {});
  }
  static async open(port: number, helo = 'bench.example'): Promise<Session> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', () => r()).once('error', j));
    const s = new Session(socket);
    await s.reply();
    await s.cmd(`EHLO ${helo}`);
    return s;
  }
  private pump() {
    // a complete reply ends with a line "NNN text" (space after the code)
    const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buf);
    if (m && this.waiter) {
      const end = m.index + m[0].length;
      const reply = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      const w = this.waiter;
      this.waiter = null;
      w(reply);
    }
  }
  reply(): Promise<string> {
    return new Promise((r) => {
      this.waiter = r;
      this.pump();
    });
  }
  async cmd(line: string): Promise<string> {
    this.socket.write(line + '\r\n');
    const reply = await this.reply();
    if (!positive(reply)) throw new Error(`${line.slice(0, 40)} → ${reply}`);
    return reply;
  }
  /** `data`: the message, dot-stuffed, ending with "." CRLF; resolves with the final reply */
  async send(data: string, from = 'admin@demo.example', to = 'rcpt@example.net'): Promise<string> {
    await this.envelope(from, to);
    return this.cmd(data.slice(0, -2)); // the data already ends with "." CRLF
  }
  /** the same with the message as bytes (8-bit mail), dot-stuffed and ending with "." CRLF; a
   * reply that is not positive is returned, not thrown (an inbound gateway may refuse mail) */
  async sendBytes(data: Buffer, from: string, to: string): Promise<string> {
    await this.envelope(from, to);
    this.socket.write(data);
    return this.reply();
  }
  /** MAIL, RCPT and DATA, one at a time or pipelined; throws unless each was accepted */
  private async envelope(from: string, to: string): Promise<void> {
    const commands = [`MAIL FROM:<${from}>`, `RCPT TO:<${to}>`, 'DATA'];
    if (!PIPELINING) {
      for (const c of commands) await this.cmd(c);
      return;
    }
    this.socket.write(commands.map((c) => `${c}\r\n`).join(''));
    const replies: string[] = [];
    for (const _ of commands) replies.push(await this.reply()); // all three, so the session stays in step
    const refused = replies.findIndex((r) => !positive(r));
    if (refused >= 0) throw new Error(`${commands[refused]!.slice(0, 40)} → ${replies[refused]}`);
  }
  async close(): Promise<void> {
    this.socket.write('QUIT\r\n');
    this.socket.end();
  }
}
