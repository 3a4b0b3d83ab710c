// The punycode.js patch (src/patches/punycode.ts) and the DNS guard beside it (src/util/dns-query.ts):
// every label DNS can carry converts as before, in both directions and through mailauth; a label
// that cannot become a DNS label is refused, so mailauth keeps it as written instead of encoding
// it for half a second; and such a name is answered "no such name" without a packet being sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { applyPatches } from '../../src/patches/index.ts';
import { hasLabelDnsCannotCarry, LabelTooLong } from '../../src/patches/punycode.ts';
import { DnsQueryError, queryDns } from '../../src/util/dns-query.ts';

applyPatches();
const require = createRequire(import.meta.url);
const punycode = require('punycode.js') as { toASCII(s: string): string; toUnicode(s: string): string };
const { toALabel } = require('mailauth/lib/tools.js') as { toALabel(domain: string): string };

/** A label of `units` UTF-16 units, every tenth a kanji. */
const idnLabel = (units: number) => Array.from({ length: units }, (_, i) => (i % 10 === 0 ? '漢' : 'b')).join('');

describe('punycode.js patched', () => {
  it('converts Japanese and other IDN names as before, both ways', () => {
    assert.equal(punycode.toASCII('例え.jp'), 'xn--r8jz45g.jp');
    assert.equal(punycode.toASCII('münchen.example.com'), 'xn--mnchen-3ya.example.com');
    assert.equal(punycode.toUnicode('xn--r8jz45g.jp'), '例え.jp');
    assert.equal(punycode.toASCII('plain-ascii.example'), 'plain-ascii.example');
    assert.equal(toALabel('日本語.例え.jp'), 'xn--wgv71a119e.xn--r8jz45g.jp');
  });

  it('converts a label up to 126 UTF-16 units (63 code points or more) and refuses a longer one', () => {
    assert.match(punycode.toASCII(`${idnLabel(126)}.com`), /^xn--/);
    assert.throws(() => punycode.toASCII(`${idnLabel(127)}.com`), LabelTooLong);
    assert.throws(() => punycode.toASCII(idnLabel(60_000)), LabelTooLong);
    assert.equal(hasLabelDnsCannotCarry(`a.${'b'.repeat(126)}.c`, 126), false);
    assert.equal(hasLabelDnsCannotCarry(`a.${'b'.repeat(127)}.c`, 126), true);
    assert.equal(hasLabelDnsCannotCarry(`a。${'b'.repeat(127)}`, 126), true, 'ideographic full stop separates labels too');
  });

  it('refuses to decode an A-label over 63 octets', () => {
    const aLabel = `xn--${'b'.repeat(60)}-${'a'.repeat(10)}`;
    assert.throws(() => punycode.toUnicode(`${aLabel}.com`), LabelTooLong);
  });

  it("leaves mailauth's toALabel with the over-long label as written", () => {
    const label = idnLabel(60_000);
    assert.equal(toALabel(`${label}.com`), `${label}.com`);
  });
});

describe('a name DNS cannot carry is not asked', () => {
  it('answers ENOTFOUND for over-long, over-long-label and non-ASCII names without sending a packet', async () => {
    const server = dgram.createSocket('udp4');
    let packets = 0;
    server.on('message', () => packets++);
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const servers = [{ host: '127.0.0.1', port: (server.address() as AddressInfo).port }];
    try {
      for (const name of [`_dmarc.${'b'.repeat(300)}.com`, `_dmarc.${'b'.repeat(64)}.com`, `_dmarc.${idnLabel(30)}.com`]) {
        await assert.rejects(
          queryDns(name, 'TXT', servers, { timeoutMs: 200, tries: 1, negativeTtl: 60 }),
          (e: unknown) => e instanceof DnsQueryError && e.code === 'ENOTFOUND' && e.ttl === undefined && e.hostname.length <= 254,
        );
      }
      assert.equal(packets, 0);
    } finally {
      server.close();
    }
  });
});
