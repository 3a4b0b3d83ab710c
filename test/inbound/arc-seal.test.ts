// ARC sealing of inbound mail Sekisho changes (issue 22 item 7), on SQLite and PostgreSQL: a
// DKIM-signed ISO-2022-JP mail gets a subject tag, another loses its .zip; both arrive at the
// sink with one ARC set sealed by the tenant's DKIM key (d=acme.example, the record in the test's
// loopback DNS). mailauth, resolving through that DNS, finds the original DKIM signature broken
// by our change but the ARC chain passing, and the sealed ARC-Authentication-Results saying what
// we saw on arrival (dkim=pass). Mail we did not change, and mail for a tenant without a key,
// goes out unsealed; a message that arrives with a chain gets i=2 with cv=pass.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { backends } from '../helpers/databases.ts';
import { startInstance, type TestInstance } from '../helpers/instance.ts';
import { startSink, type Sink } from '../helpers/sink.ts';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.ts';
import { applyPolicy } from '../../src/outbound/policy-service.ts';
import { ensureDkimKey } from '../../src/delivery/dkim-keys.ts';
import { dkimTxtRecord } from '../../src/delivery/dkim.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { ownAuthResults, sealWithArc } from '../../src/inbound/arc-seal.ts';
import { crlf, headerBlock, sendRaw, waitUntil } from './shield-helpers.ts';

const require = createRequire(import.meta.url);
// submodules: the package root imports undici 8, which throws on Node 20
/* eslint-disable @typescript-eslint/no-explicit-any */
const { dkimSign } = require('mailauth/lib/dkim/sign.js') as { dkimSign: (raw: Buffer, o: unknown) => Promise<{ signatures: string }> };
const { dkimVerify } = require('mailauth/lib/dkim/verify.js') as { dkimVerify: (raw: Buffer, o: unknown) => Promise<any> };
const { arc } = require('mailauth/lib/arc/index.js') as { arc: (chain: unknown, o: unknown) => Promise<any> };

const POLICY = `version: 1
inbound:
  stripExtensions: [".zip"]
  rules:
    - name: Tag outside mail
      when: { sender: "*@sender.test" }
      then: [ { subjectTag: { tag: "[社外]" } } ]
`;

const TAGGED = crlf(`From: =?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEIyVjtSGyhC?= <hanako@sender.test>
To: taro@acme.example
Subject: =?ISO-2022-JP?B?GyRCOCtAUT1xJE43bxsoQg==?=
Date: Thu, 03 Dec 2026 10:00:00 +0900
Message-ID: <arc-tagged-1@sender.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

\x1b$B$*@$OC$K$J$C$F$*$j$^$9!#\x1b(B
`);

function withZip(id: string): Buffer {
  const zip = Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1').toString('base64');
  return crlf(`From: someone@other.test
To: taro@acme.example
Subject: documents
Date: Thu, 03 Dec 2026 10:00:00 +0900
Message-ID: <${id}@other.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

see attached
--b1
Content-Type: application/zip; name="docs.zip"
Content-Disposition: attachment; filename="docs.zip"
Content-Transfer-Encoding: base64

${zip}
--b1--
`);
}

const PLAIN = (id: string) =>
  crlf(`From: someone@other.test
To: taro@acme.example
Subject: hello
Date: Thu, 03 Dec 2026 10:00:00 +0900
Message-ID: <${id}@other.test>

nothing changed here
`);

function idOf(text: string): string {
  const m = /queued as (\S+)/.exec(text);
  assert.ok(m, `no id in ${text}`);
  return m[1]!;
}

for (const kind of backends()) {
  describe(`ARC sealing of changed inbound mail on ${kind}`, () => {
    let sink: Sink;
    let dns: DnsServer;
    let inst: TestInstance;
    let resolver: (name: string, type: string) => Promise<any>;
    const sender = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const senderPem = sender.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const senderPub = sender.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    let signTagged: Buffer;

    before(async () => {
      dns = await startDnsServer([
        { name: 'sender.test', type: 'TXT', value: 'v=spf1 ip4:127.0.0.1 -all' },
        { name: '_dmarc.sender.test', type: 'TXT', value: 'v=DMARC1; p=reject' },
        { name: 's1._domainkey.sender.test', type: 'TXT', value: `v=DKIM1; k=rsa; p=${senderPub}` },
      ]);
      resolver = mailauthResolver(createResolver([dns.address], { timeoutMs: 1000, tries: 2 })) as typeof resolver;
      sink = await startSink();
      inst = await startInstance(kind, { dnsServers: [dns.address], pollIntervalMs: 50 }, { inboundRoute: sink.url });
      const applied = await applyPolicy(inst.sekisho.store, inst.tenantId, POLICY, 'test');
      assert.ok(applied.ok, JSON.stringify(applied.errors));
      // The tenant's outbound DKIM key is its ARC key: published as `sekisho dkim show` prints it.
      const key = await ensureDkimKey(inst.sekisho.store, inst.tenantId, 'acme.example', 'test');
      const txt = dkimTxtRecord('acme.example', key.selector, key.publicKeyBase64);
      dns.add([{ name: txt.name, type: 'TXT', value: txt.value }]);
      const { signatures } = await dkimSign(TAGGED, {
        canonicalization: 'relaxed/relaxed',
        signatureData: [{ signingDomain: 'sender.test', selector: 's1', privateKey: senderPem }],
      });
      signTagged = Buffer.concat([Buffer.from(signatures, 'latin1'), TAGGED]);
    });
    after(async () => {
      await inst.stop();
      await sink.close();
      await dns.close();
    });

    const deliver = async (raw: Buffer, mailFrom: string, to = 'taro@acme.example') => {
      const reply = await sendRaw(inst.sekisho.ports.inbound, raw, { mailFrom, to: [to] });
      assert.equal(reply.code, 250, reply.text);
      const id = idOf(reply.text);
      return (await waitUntil(async () => sink.messages.find((m) => m.raw.includes(id)), `delivery of ${id}`)).raw;
    };
    const verify = async (raw: Buffer) => {
      const dkim = await dkimVerify(raw, { resolver });
      const chain = await arc(dkim.arc, { resolver });
      return { dkim, chain };
    };

    it('seals a tagged, DKIM-signed ISO-2022-JP mail; the chain verifies where the DKIM signature no longer does', async () => {
      const got = await deliver(signTagged, 'hanako@sender.test');
      const head = headerBlock(got);
      assert.match(head, /^ARC-Seal: i=1; a=rsa-sha256; /);
      assert.match(head, /^ARC-Seal: [\s\S]*cv=none; d=acme\.example;\r\n s=sekisho\d{6};/);
      assert.match(head, /\r\nARC-Message-Signature: i=1; /);
      assert.match(head, /\r\nARC-Authentication-Results: i=1; sekisho\.localhost;\r\n dkim=pass [\s\S]*header\.d=sender\.test/);
      assert.match(head, /\r\nSubject: =\?ISO-2022-JP\?B\?/i, 'the tag kept the subject ISO-2022-JP');
      const { dkim, chain } = await verify(got);
      assert.notEqual(dkim.results[0].status.result, 'pass', 'our subject tag broke the original signature');
      assert.equal(chain.status.result, 'pass', JSON.stringify(chain.status));
      assert.equal(chain.i, 1);
      assert.equal(chain.signature.signingDomain, 'acme.example');
      assert.equal(chain.signature.status.result, 'pass', 'the ARC-Message-Signature covers the tagged message');
      assert.equal(chain.authenticationResults.mta, 'sekisho.localhost');
      assert.equal(chain.authenticationResults.dkim?.[0]?.result, 'pass', 'what we saw on arrival travels with the mail');
      assert.equal(chain.authenticationResults.dkim[0].header.i, '@sender.test');
      assert.equal(chain.authenticationResults.dmarc?.result, 'pass');
    });

    it('seals mail whose .zip was removed; the chain verifies', async () => {
      const got = await deliver(withZip('arc-zip-1'), 'other@other.test');
      assert.ok(!got.toString('latin1').includes('PK\x05\x06'), 'the zip is gone');
      assert.match(headerBlock(got), /^ARC-Seal: i=1; /);
      assert.equal((await verify(got)).chain.status.result, 'pass');
    });

    it('leaves mail it did not change unsealed', async () => {
      const got = await deliver(PLAIN('arc-plain-1'), 'someone@other.test');
      assert.doesNotMatch(headerBlock(got), /ARC-Seal/i);
    });

    it('adds i=2 with cv=pass to a chain that arrived valid', async () => {
      // an upstream forwarder's seal (sender.test's key), then our change and our seal
      const upstream = await sealWithArc(
        withZip('arc-chain-1'),
        { domain: 'sender.test', selector: 's1', privateKeyPem: senderPem },
        'mx.sender.test; spf=pass smtp.mailfrom=sender.test',
        'none',
      );
      assert.ok('raw' in upstream, JSON.stringify(upstream));
      const got = await deliver(upstream.raw, 'fwd@other.test');
      const head = headerBlock(got);
      assert.match(head, /^ARC-Seal: i=2; [\s\S]*cv=pass; d=acme\.example;/);
      const { chain } = await verify(got);
      assert.equal(chain.status.result, 'pass', JSON.stringify(chain.status));
      assert.equal(chain.i, 2);
    });

    it('does not seal for a tenant without a DKIM key', async () => {
      const got = await deliver(withZip('arc-nokey-1'), 'other@other.test', 'eve@globex.example');
      assert.doesNotMatch(headerBlock(got), /ARC-Seal/i);
    });
  });
}

describe('ownAuthResults', () => {
  it('finds ours after our Received field, folding kept, in a header section of megabytes', () => {
    const raw = Buffer.from(
      'Received: by sekisho.test; x\r\nAuthentication-Results: sekisho.test;\r\n dkim=pass header.d=a.example\r\n' +
        `X-Folded: a${' b\r\n'.repeat(1 << 20)}Authentication-Results: other.example; spf=pass\r\n\r\nbody\r\n`,
      'latin1',
    );
    assert.equal(ownAuthResults(raw, 'sekisho.test'), 'sekisho.test;\r\n dkim=pass header.d=a.example');
    assert.equal(ownAuthResults(raw, 'other.example'), null, 'only the first 64 KiB are read');
  });
});
