// A minimal line-level SMTP client for protocol tests (what nodemailer would never send:
// commands out of order, AUTH before STARTTLS, smuggling sequences). Reads full multi-line replies.
import net from 'node:net';
import tls from 'node:tls';

export interface Reply {
  code: number;
  text: string;
}

export class SmtpTalk {
  private buffer = '';
  private waiters: Array<() => void> = [];
  private constructor(private socket: net.Socket | tls.TLSSocket) {
    this.attach(socket);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<{ talk: SmtpTalk; greeting: Reply }> {
    const talk = await SmtpTalk.open(port, host);
    return { talk, greeting: await talk.reply() };
  }

  /** connected, the greeting not yet read (a client that talks first); `from` = a local source address */
  static async open(port: number, host = '127.0.0.1', from?: string): Promise<SmtpTalk> {
    const socket = net.connect({ port, host, ...(from ? { localAddress: from } : {}) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new SmtpTalk(socket);
  }

  private attach(socket: net.Socket | tls.TLSSocket) {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  }

  async reply(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(\d{3}) .*\r\n/m.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return { code: Number(m[1]), text: block.trim() };
      }
      if (this.socket.destroyed) return { code: 0, text: 'connection closed' };
      if (Date.now() > deadline) throw new Error(`no SMTP reply; buffer: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes and resolves once the data has been handed to the operating system. */
  writeAll(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async cmd(line: string): Promise<Reply> {
    this.write(line + '\r\n');
    return this.reply();
  }

  async starttls(): Promise<void> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) throw new Error(`STARTTLS refused: ${r.text}`);
    const secure = tls.connect({ socket: this.socket as net.Socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    this.socket = secure;
    this.buffer = '';
    this.attach(secure);
  }

  /** the server's certificate, once STARTTLS is done */
  peerCertificate(): tls.PeerCertificate {
    return (this.socket as tls.TLSSocket).getPeerCertificate();
  }

  /** drops the connection with a TCP reset, as a crashing client or a middlebox does */
  reset(): void {
    (this.socket as net.Socket).resetAndDestroy();
  }

  close(): void {
    this.socket.destroy();
  }
}
