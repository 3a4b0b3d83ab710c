// The ClamAV adapter: streams bytes to clamd with the INSTREAM command (zINSTREAM\0, then
// chunks each prefixed by a 4-byte big-endian length, then a zero length) over TCP or a unix
// socket, and reads "stream: OK" or "stream: NAME FOUND". A VirusScanner is an interface so
// other engines can sit in the same explicit list. Errors and timeouts reject: the caller
// decides (see scorers.ts: a symbol and delivery by default, tempfail when clamd is required).
import net from 'node:net';

export type ScanVerdict = { clean: true } | { clean: false; virus: string };

export interface VirusScanner {
  readonly name: string;
  scan(data: Uint8Array): Promise<ScanVerdict>;
}

export interface ClamdOptions {
  /** tcp://host:port, host:port, or a unix socket path */
  address: string;
  timeoutMs?: number;
}

const CHUNK = 64 * 1024;

export function parseClamdAddress(address: string): net.NetConnectOpts {
  const tcp = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(address.trim());
  if (tcp && !address.startsWith('/')) return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  return { path: address.replace(/^unix:\/\//, '') };
}

export class ClamdScanner implements VirusScanner {
  readonly name = 'clamav';
  constructor(private readonly options: ClamdOptions) {}

  scan(data: Uint8Array): Promise<ScanVerdict> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.connect(parseClamdAddress(this.options.address));
      const replies: Buffer[] = [];
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(err);
      };
      socket.setTimeout(timeoutMs, () => fail(new Error(`clamd did not answer within ${timeoutMs} ms`)));
      socket.on('error', fail);
      socket.on('data', (c: Buffer) => replies.push(c));
      socket.on('end', () => {
        if (settled) return;
        settled = true;
        socket.destroy();
        const text = Buffer.concat(replies).toString('utf8').replace(/\0/g, '').trim();
        const found = /^stream: (.+) FOUND$/m.exec(text);
        if (found) resolve({ clean: false, virus: found[1]! });
        else if (/^stream: OK$/m.test(text)) resolve({ clean: true });
        else reject(new Error(`clamd: ${text || 'no answer'}`));
      });
      socket.on('connect', () => {
        socket.write('zINSTREAM\0');
        for (let off = 0; off < data.byteLength; off += CHUNK) {
          const part = data.subarray(off, Math.min(off + CHUNK, data.byteLength));
          const len = Buffer.alloc(4);
          len.writeUInt32BE(part.byteLength);
          socket.write(len);
          socket.write(part);
        }
        socket.write(Buffer.alloc(4));
      });
    });
  }
}
