// What one message may cost DKIM verification (src/util/in-slices.ts and the DkimVerifier
// patch in src/patches/mailauth.ts), over the real test DNS server: only the topmost 20
// DKIM-Signature fields are verified (keys looked up, bodies hashed), the rest are one neutral
// result; h= tags that would ask more than MAX_SIGNED_FIELD_LOOKUPS field look-ups are not verified
// at all (permerror); and a large body is hashed a slice per turn of the event loop, not in one turn
// (and still verifies, and an ARC set made that way validates).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { turnsDuring } from '../helpers/loop-turns.ts';
import { unverifiableDkimSignature } from '../helpers/hostile-mail.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { MAX_SIGNED_FIELD_LOOKUPS, signedFieldLookups, verifyAuthentication } from '../../src/inbound/auth.ts';
import { sealWithArc } from '../../src/inbound/arc-seal.ts';
import { applyPatches } from '../../src/patches/index.ts';
import { MAX_DKIM_SIGNATURES } from '../../src/patches/mailauth.ts';
import { SLICE_BYTES } from '../../src/util/in-slices.ts';

applyPatches();
const require = createRequire(import.meta.url);
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as { dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string }> };

const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUB = key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const DOMAINS = Array.from({ length: 25 }, (_, i) => `signer${i}.test`);

function message(bodyBytes = 0): Buffer {
  const line = 'ご確認のほどよろしくお願いいたします。 0123456789\r\n';
  const body = bodyBytes ? line.repeat(Math.ceil(bodyBytes / Buffer.byteLength(line))) : 'hello\r\n';
  return Buffer.from(`From: a@signer0.test\r\nTo: b@acme.example\r\nSubject: limits\r\n\r\n${body}`, 'utf8');
}

/** `raw` with a valid signature by each of `domains`, in that order from the top. */
async function signed(raw: Buffer, domains: string[]): Promise<Buffer> {
  const { signatures } = await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    signatureData: domains.map((d) => ({ signingDomain: d, selector: 's1', privateKey: PEM })),
  });
  return Buffer.concat([Buffer.from(signatures, 'latin1'), raw]);
}

describe('DKIM verification limits', () => {
  let dns: DnsServer;
  let resolver: ReturnType<typeof mailauthResolver>;
  before(async () => {
    dns = await startDnsServer(
      DOMAINS.map((d) => ({ name: `s1._domainkey.${d}`, type: 'TXT' as const, value: `v=DKIM1; k=rsa; p=${PUB}` })),
    );
    resolver = mailauthResolver(createResolver([dns.address], { timeoutMs: 1000, tries: 2 }));
  });
  after(() => dns.close());

  const verify = (raw: Buffer) =>
    verifyAuthentication({ raw, ip: '192.0.2.1', helo: 'mx.example', mailFrom: '', authservId: 'sekisho.test', resolver });
  const keyLookups = () => dns.queries.filter((q) => q.name.includes('._domainkey.')).length;

  it('verifies the topmost 20 of 25 signatures and reports the other 5 as one neutral result', async () => {
    const before = keyLookups();
    const v = await verify(await signed(message(), DOMAINS));
    assert.equal(MAX_DKIM_SIGNATURES, 20);
    assert.equal(v.results.dkim, 'pass');
    const dkimLines = v.details.filter((l) => l.startsWith('dkim='));
    assert.equal(dkimLines.filter((l) => l.startsWith('dkim=pass')).length, 20);
    assert.ok(dkimLines.includes('dkim=neutral (too many signatures, 5 not verified)'), dkimLines.join('\n'));
    assert.ok(keyLookups() - before <= 20, `${keyLookups() - before} key lookups`);
    assert.match(v.header, /dkim=neutral \(too many signatures, 5 not verified\)/);
  });

  it('a valid signature below 20 others is not verified; at the 20th place it is', async () => {
    const raw = await signed(message(), [DOMAINS[0]!]);
    const under = (n: number) =>
      Buffer.concat([Buffer.from(Array.from({ length: n }, (_, i) => unverifiableDkimSignature(i)).join(''), 'latin1'), raw]);
    const twentieth = await verify(under(19));
    assert.equal(twentieth.results.dkim, 'pass');
    assert.ok(!twentieth.details.some((l) => l.includes('too many signatures')));
    const twentyFirst = await verify(under(20));
    assert.notEqual(twentyFirst.results.dkim, 'pass');
    assert.ok(twentyFirst.details.includes('dkim=neutral (too many signatures, 1 not verified)'), twentyFirst.details.join('\n'));
  });

  it('counts the field look-ups h= tags ask for: names listed in DKIM and ARC message signatures × fields', () => {
    const header =
      'DKIM-Signature: v=1; d=a.test; s=s1;\r\n h=from:to:\r\n  subject; bh=x; b=y\r\n' +
      'ARC-Message-Signature: i=1; h=From:Date; d=a.test\r\n' +
      'X-Other: h=a:b:c:d\r\nFrom: a@a.test\r\nTo: b@b.test\r\n';
    assert.equal(signedFieldLookups(header), (3 + 2) * 5);
    assert.equal(signedFieldLookups('From: a@a.test\r\n'), 0);
  });

  it('a signature listing more names than are verified is not handed to the verifier; an ordinary one is', async () => {
    const raw = await signed(message(), [DOMAINS[3]!]);
    const ordinary = await verify(raw);
    assert.equal(ordinary.results.dkim, 'pass');
    assert.equal(ordinary.signedFieldLookups, null);
    const ordinaryLookups = signedFieldLookups(raw.toString('latin1', 0, raw.indexOf('\r\n\r\n') + 2));
    assert.ok(ordinaryLookups > 0 && ordinaryLookups < 1000, String(ordinaryLookups));

    const names = Array.from({ length: 8000 }, (_, i) => (i % 2 ? 'x' : 'from')).join(':');
    const fields = 'X: a\r\n'.repeat(10_000);
    const hostile = Buffer.concat([
      Buffer.from(`DKIM-Signature: v=1; a=rsa-sha256; d=${DOMAINS[3]}; s=s1; h=${names}; bh=x; b=y\r\n${fields}`),
      raw,
    ]);
    const before = keyLookups();
    const v = await verify(hostile);
    assert.ok(v.signedFieldLookups! > MAX_SIGNED_FIELD_LOOKUPS, String(v.signedFieldLookups));
    assert.deepEqual([v.results.dkim, v.results.arc, v.results.dmarc], ['permerror', 'permerror', 'permerror']);
    assert.match(v.header, /dkim=permerror \(signatures' h= tags ask \d+ field look-ups, over the 1000000 verified\)/);
    assert.equal(keyLookups(), before, 'no key looked up');
  });

  it('hashes a large body a slice per turn of the event loop, and still verifies it', async () => {
    const raw = await signed(message(40 * SLICE_BYTES), [DOMAINS[1]!]);
    const { value: v, turns } = await turnsDuring(() => verify(raw));
    assert.equal(v.results.dkim, 'pass');
    // one turn at least between each two of the 40 slices (DNS and signature checks add more)
    assert.ok(turns >= 40, `${turns} turns of the event loop while verifying`);
  });

  it('an ARC set made over a large message, fed a slice per turn, validates', async () => {
    const raw = message(40 * SLICE_BYTES);
    const sealed = await sealWithArc(raw, { domain: DOMAINS[2]!, selector: 's1', privateKeyPem: PEM }, 'mx.acme.example; spf=pass', 'none');
    assert.ok('raw' in sealed, JSON.stringify(sealed));
    const v = await verify(sealed.raw);
    assert.equal(v.results.arc, 'pass', v.details.join('\n'));
  });
});
