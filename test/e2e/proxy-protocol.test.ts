// Real client addresses behind a load balancer (issue 19 item 5), on SQLite and PostgreSQL over
// real loopback SMTP: a PROXY v1 or v2 header from a trusted proxy (127.0.0.1) makes the client it
// names the one that trusted networks, the Received header and the audit trail see; the same
// header from an address that is not a trusted proxy (127.0.0.2, a distinct source on Linux
// loopback) closes the connection, and so does a trusted proxy's connection without a header.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { V2_SIGNATURE } from '../../src/patches/proxy-protocol.ts';

/** A raw SMTP conversation from `from`: writes each chunk after the previous reply, returns everything read. */
class Raw {
  private text = '';
  closed = false;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.text += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  static async open(port: number, from: string): Promise<Raw> {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Raw(socket);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** waits until what was read matches, or the connection closed; returns everything read */
  async until(pattern: RegExp, ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    while (!pattern.test(this.text) && !this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.text;
  }

  async waitClosed(ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}

function v2Header(address: string, port: number): Buffer {
  const block = Buffer.alloc(12);
  for (const [i, o] of address.split('.').entries()) block.writeUInt8(Number(o), i);
  block.set([10, 0, 0, 1], 4);
  block.writeUInt16BE(port, 8);
  block.writeUInt16BE(25, 10);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0, block.length]), block]);
}

for (const kind of backends()) {
  describe(`PROXY protocol on ${kind}`, () => {
    let inst: TestInstance;

    before(async () => {
      inst = await startInstance(
        kind,
        {
          trustedProxies: ['127.0.0.1/32'],
          inboundProxyProtocol: true,
          submissionProxyProtocol: true,
          // the real client's network, not the proxy's: only the PROXY header can make it trusted
          trustedNetworks: ['198.51.100.0/24'],
        },
        { inboundRoute: 'smtp://127.0.0.1:9' },
      );
    });
    after(() => inst.stop());

    it('v1 from a trusted proxy: the Received header and the audit trail see the real client', async () => {
      const c = await Raw.open(inst.sekisho.ports.inbound, '127.0.0.1');
      c.write('PROXY TCP4 203.0.113.7 10.0.0.1 40000 25\r\n');
      assert.match(await c.until(/^220 /m), /^220 /m);
      c.write('EHLO mx.partner.example\r\n');
      assert.match(await c.until(/^250 /m), /Nice to meet you, \[203\.0\.113\.7\]/);
      c.write('MAIL FROM:<a@partner.example>\r\nRCPT TO:<taro@acme.example>\r\nDATA\r\n');
      await c.until(/^354 /m);
      c.write('From: a@partner.example\r\nSubject: via haproxy\r\n\r\nhi\r\n.\r\n');
      const done = await c.until(/queued as/);
      assert.match(done, /250 .*queued as (\S+)/);
      c.close();
      const id = /queued as (\S+)/.exec(done)![1]!;
      const events = await inst.sekisho.store.events(id);
      const accepted = events.find((e) => e.type === 'accepted')!;
      assert.equal((JSON.parse(String(accepted.data)) as { client: string }).client, '203.0.113.7');
      const body = await inst.sekisho.store.db.selectFrom('bodies').select('data').where('message_id', '=', id).executeTakeFirstOrThrow();
      assert.match(Buffer.from(body.data).toString('latin1'), /^Received: from mx\.partner\.example \(unknown \[203\.0\.113\.7\]\)/);
    });

    it('v2 from a trusted proxy: a client in trustedNetworks submits without AUTH', async () => {
      const c = await Raw.open(inst.sekisho.ports.submission, '127.0.0.1');
      c.write(v2Header('198.51.100.9', 51000));
      await c.until(/^220 /m);
      c.write('EHLO exchange.acme.example\r\n');
      assert.match(await c.until(/^250 /m), /Nice to meet you, \[198\.51\.100\.9\]/);
      c.write('MAIL FROM:<hanako@acme.co.jp>\r\n');
      assert.match(await c.until(/\r\n250 (?!.*Nice)/), /\r\n250 /);
      c.close();
    });

    it('a direct client of the same port is not in trustedNetworks, and a trusted proxy without a header is cut off', async () => {
      const noHeader = await Raw.open(inst.sekisho.ports.submission, '127.0.0.1');
      noHeader.write('EHLO client.example\r\n');
      assert.equal(await noHeader.waitClosed(), true);
      assert.doesNotMatch(await noHeader.until(/never/, 0), /^220 /m, 'no greeting without a header');
    });

    for (const [label, header] of [
      ['v1', 'PROXY TCP4 198.51.100.9 10.0.0.1 40000 25\r\n'],
      ['v2', v2Header('198.51.100.9', 40000)],
    ] as const) {
      it(`${label} from an address that is not a trusted proxy closes the connection`, async () => {
        for (const port of [inst.sekisho.ports.submission, inst.sekisho.ports.inbound]) {
          const c = await Raw.open(port, '127.0.0.2');
          await c.until(/^220 /m);
          c.write(header);
          assert.equal(await c.waitClosed(), true, `${label} on ${port}`);
          const text = await c.until(/never/, 0);
          if (label === 'v1') assert.match(text, /421 .*PROXY header refused/);
          // it never became 198.51.100.9 (a trusted network): nothing was accepted from it
          assert.doesNotMatch(text, /198\.51\.100\.9/);
        }
      });
    }
  });
}
