// DKIM signing verified end to end: keys made here, the TXT record published on a real DNS
// server on loopback, and mailauth's dkimVerify/authenticate resolving it through node:dns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// submodules: the package root imports undici 8, which throws on Node 20 (see dkim.ts)
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { dmarc } from 'mailauth/lib/dmarc/index.js';
import {
  generateDkimKey,
  dkimTxtRecord,
  signMessage,
  publicKeyFromPrivate,
  defaultSelector,
  type DkimKey,
} from '../../src/delivery/dkim.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { SLICE_BYTES } from '../../src/util/in-slices.ts';
import { turnsDuring } from '../helpers/loop-turns.ts';

const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const jis = crlf(readFileSync(new URL('../fixtures/delivery/iso-2022-jp-thunderbird.eml', import.meta.url)));
const DOMAIN = 'jpmobile.jp'; // the fixture's From domain

let key: DkimKey;
let dns: DnsServer;
let resolve: ReturnType<typeof mailauthResolver>;

before(async () => {
  key = await generateDkimKey({ now: new Date('2026-04-15T12:00:00Z') });
  const txt = dkimTxtRecord(DOMAIN, key.selector, key.publicKeyBase64);
  dns = await startDnsServer([
    { name: txt.name, type: 'TXT', value: txt.value },
    { name: `_dmarc.${DOMAIN}`, type: 'TXT', value: 'v=DMARC1; p=reject' },
    { name: DOMAIN, type: 'TXT', value: 'v=spf1 ip4:192.0.2.25 -all' },
    { name: DOMAIN, type: 'A', value: '192.0.2.25' },
  ]);
  resolve = mailauthResolver(createResolver([dns.address], { timeoutMs: 500, tries: 1 }));
});
after(() => dns.close());

test('generateDkimKey: RSA 2048, monthly selector, public key matches the private one', () => {
  assert.equal(key.selector, 'sekisho202604');
  assert.equal(defaultSelector(new Date('2026-12-31T23:59:59Z')), 'sekisho202612');
  assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(publicKeyFromPrivate(key.privateKeyPem), key.publicKeyBase64);
  assert.ok(Buffer.from(key.publicKeyBase64, 'base64').length > 290, 'a 2048-bit SPKI is 294 bytes');
});

test('dkimTxtRecord: owner name, value and a zone-file line with ≤255-byte strings', () => {
  const r = dkimTxtRecord('Acme.Example.', 'sel1', key.publicKeyBase64);
  assert.equal(r.name, 'sel1._domainkey.acme.example');
  assert.equal(r.value, `v=DKIM1; k=rsa; p=${key.publicKeyBase64}`);
  const strings = [...r.zoneLine.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(strings.length >= 2 && strings.every((s) => s.length <= 255), 'TXT strings are at most 255 bytes');
  assert.equal(strings.join(''), r.value);
  assert.ok(r.zoneLine.startsWith('sel1._domainkey.acme.example. IN TXT ( "'), 'zone line format');
});

test('an ISO-2022-JP message signs, stays byte-identical after the header, and verifies via DNS', async () => {
  const signed = await signMessage(jis, { domain: DOMAIN, selector: key.selector, privateKeyPem: key.privateKeyPem });
  const header = signed.subarray(0, signed.length - jis.length).toString('latin1');
  assert.match(header, /^DKIM-Signature: /);
  assert.match(header, /\bd=jpmobile\.jp;/);
  assert.match(header, /\bc=relaxed\/relaxed;/);
  assert.match(header, /\ba=rsa-sha256;/);
  const signedFields = /\bh=([^;]*);/
    .exec(header.replace(/\r\n[ \t]+/g, ''))![1]!
    .split(':')
    .map((f) => f.trim().toLowerCase());
  for (const f of ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type'])
    assert.ok(signedFields.includes(f), `${f} is signed`);
  assert.ok(!signedFields.includes('received'), 'trace headers are not signed');
  assert.ok(signed.subarray(header.length).equals(jis), 'the message after the signature is untouched');

  const queriesBefore = dns.queries.length;
  const result = await dkimVerify(signed, { resolver: resolve });
  const sig = result.results[0]!;
  assert.equal(sig.status.result, 'pass', JSON.stringify(sig.status));
  assert.equal(sig.signingDomain, DOMAIN);
  assert.ok(
    dns.queries.slice(queriesBefore).some((q) => q.name === `${key.selector}._domainkey.${DOMAIN}` && q.type === 'TXT'),
    'the public key came from the DNS server',
  );
});

test('DMARC: the DKIM pass is aligned with From, and the published p=reject policy passes', async () => {
  const signed = await signMessage(jis, { domain: DOMAIN, selector: key.selector, privateKeyPem: key.privateKeyPem });
  const verified = await dkimVerify(signed, { resolver: resolve });
  const passing = verified.results.filter((r) => r.status.result === 'pass');
  assert.equal(passing.length, 1);
  const result = await dmarc({
    headerFrom: verified.headerFrom,
    spfDomains: [], // SPF not considered: DMARC must pass on DKIM alone
    dkimDomains: passing.map((r) => ({ domain: r.signingDomain!, aligned: r.status.aligned ?? false })),
    resolver: resolve,
  });
  assert.ok(result, 'DMARC was evaluated');
  assert.equal(result.status.result, 'pass', JSON.stringify(result.status));
  assert.equal(result.p, 'reject');
});

test('tampering, or a different key in DNS, fails verification', async () => {
  const signed = await signMessage(jis, { domain: DOMAIN, selector: key.selector, privateKeyPem: key.privateKeyPem });
  const tampered = Buffer.from(
    signed.toString('latin1').replace('Date: Mon, 17 Jan 2011 15:56:25', 'Date: Tue, 18 Jan 2011 15:56:25'),
    'latin1',
  );
  assert.equal((await dkimVerify(tampered, { resolver: resolve })).results[0]!.status.result, 'fail');

  const other = await generateDkimKey({ selector: 'rotated' });
  const signedOther = await signMessage(jis, { domain: DOMAIN, selector: 'rotated', privateKeyPem: other.privateKeyPem });
  dns.add([{ name: `rotated._domainkey.${DOMAIN}`, type: 'TXT', value: dkimTxtRecord(DOMAIN, 'rotated', key.publicKeyBase64).value }]);
  assert.equal((await dkimVerify(signedOther, { resolver: resolve })).results[0]!.status.result, 'fail');
});

test('signing with an unusable key throws instead of sending unsigned mail', async () => {
  await assert.rejects(signMessage(jis, { domain: DOMAIN, selector: 's', privateKeyPem: 'not a key' }), /DKIM signing for jpmobile\.jp/);
});

test('a large message is signed a slice per turn of the event loop, and verifies', async () => {
  const line = 'ご確認のほどよろしくお願いいたします。 0123456789\r\n';
  const body = line.repeat(Math.ceil((40 * SLICE_BYTES) / Buffer.byteLength(line)));
  const raw = Buffer.from(`From: a@${DOMAIN}\r\nTo: b@example.net\r\nSubject: large\r\n\r\n${body}`, 'utf8');
  const { value: signed, turns } = await turnsDuring(() =>
    signMessage(raw, { domain: DOMAIN, selector: key.selector, privateKeyPem: key.privateKeyPem }),
  );
  // one turn at least between each two of the 40 slices
  assert.ok(turns >= 40, `${turns} turns of the event loop while signing`);
  assert.ok(signed.subarray(signed.length - raw.length).equals(raw));
  const result = await dkimVerify(signed, { resolver: resolve });
  assert.equal(result.results[0]?.status.result, 'pass');
});
