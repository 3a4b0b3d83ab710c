// SPF, DKIM and ARC verification (src/inbound/auth.ts, mailauth submodules) against the
// stalwart mail-auth vectors (test/fixtures/inbound/auth, SOURCE.txt), their DNS records served
// by the real test DNS server: every DKIM and ARC vector passes, the SPF suites give their
// expected results, and the Authentication-Results header is inserted after our trace header
// with forged results for our authserv-id removed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startDnsServer, type DnsRecord, type DnsServer } from '../helpers/dns-server.ts';
import { createResolver, mailauthResolver } from '../../src/delivery/mx.ts';
import { createRequire } from 'node:module';
import { turnsDuring } from '../helpers/loop-turns.ts';
import { addAuthResults, dkimInput, headerSectionLength, verifyAuthentication } from '../../src/inbound/auth.ts';

const DIR = new URL('../fixtures/inbound/auth/', import.meta.url);

function vector(name: string): { records: DnsRecord[]; raw: Buffer } {
  const text = readFileSync(new URL(name, DIR), 'utf8');
  const split = text.indexOf('\n\n');
  const records = text
    .slice(0, split)
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ name: l.slice(0, l.indexOf(' ')), type: 'TXT' as const, value: l.slice(l.indexOf(' ') + 1).trim() }));
  return { records, raw: Buffer.from(text.slice(split + 2).replace(/\r?\n/g, '\r\n'), 'utf8') };
}

interface SpfCase {
  suite: string;
  domain: string;
  sender: string;
  ip: string;
  helo?: string;
  expect: string;
}

/** The suites' "kind: name value[, value…]" record lines that need no MX/PTR/exp emulation. */
function spfSuites(): Array<{ records: DnsRecord[]; cases: SpfCase[] }> {
  const out: Array<{ records: DnsRecord[]; cases: SpfCase[] }> = [];
  for (const file of readdirSync(new URL('spf/', DIR))) {
    for (const doc of readFileSync(new URL(`spf/${file}`, DIR), 'utf8').split(/^---$/m)) {
      const name = /^name: (.*)$/m.exec(doc)?.[1] ?? file;
      const recordLines = [...doc.matchAll(/^ {2}(a|aaaa|spf|mx|ptr|exp|txt): (\S+) (.*)$/gm)];
      if (recordLines.some((m) => !['a', 'aaaa', 'spf'].includes(m[1]!))) continue;
      const records: DnsRecord[] = recordLines.flatMap((m): DnsRecord[] => {
        if (m[1] === 'spf') return [{ name: m[2]!, type: 'TXT' as const, value: m[3]!.trim() }];
        return m[3]!.split(',').map((ip) => ({ name: m[2]!, type: (m[1] === 'a' ? 'A' : 'AAAA') as 'A' | 'AAAA', value: ip.trim() }));
      });
      const cases = [...doc.matchAll(/^ {2}- domain: (.*)\n((?: {4}.*\n?)*)/gm)].map((m) => {
        const field = (k: string) => new RegExp(`^    ${k}: (.*)$`, 'm').exec(m[2]!)?.[1]?.trim();
        return {
          suite: `${file}: ${name}`,
          domain: m[1]!.trim(),
          sender: field('sender') ?? '',
          ip: field('ip') ?? '',
          helo: field('helo'),
          expect: (field('expect') ?? '').split(' ')[0]!,
        };
      });
      out.push({ records, cases });
    }
  }
  return out;
}

describe('authentication vectors', () => {
  let dns: DnsServer;
  let resolve: ReturnType<typeof mailauthResolver>;
  before(async () => {
    dns = await startDnsServer([]);
    resolve = mailauthResolver(createResolver([dns.address], { timeoutMs: 1000, tries: 1 }));
  });
  after(() => dns.close());

  const check = async (raw: Buffer, mailFrom = '', ip = '192.0.2.1', helo = 'mx.example') =>
    verifyAuthentication({ raw, ip, helo, mailFrom, authservId: 'sekisho.test', resolver: resolve });

  for (const f of ['dkim-001.txt', 'dkim-002.txt', 'dkim-003.txt', 'dkim-004.txt', 'dkim-006.txt']) {
    it(`DKIM ${f} verifies (dkim=pass)`, async () => {
      const v = vector(f);
      dns.set(v.records);
      const r = await check(v.raw);
      assert.equal(r.results.dkim, 'pass', r.details.join('\n'));
    });
  }

  for (const f of ['arc-001.txt', 'arc-002.txt']) {
    it(`ARC ${f} chain validates (arc=pass)`, async () => {
      const v = vector(f);
      dns.set(v.records);
      const r = await check(v.raw);
      assert.equal(r.results.arc, 'pass', r.details.join('\n'));
      assert.match(r.header, /\r\n arc=pass/);
    });
  }

  it('DKIM dkim-005.txt is past its x= expiry (dkim=neutral, expired)', async () => {
    const v = vector('dkim-005.txt');
    dns.set(v.records);
    const r = await check(v.raw);
    assert.equal(r.results.dkim, 'neutral');
    assert.match(r.header, /dkim=neutral \(expired\)/);
  });

  it('a DKIM signature over a changed body fails (dkim=fail)', async () => {
    const v = vector('dkim-002.txt');
    dns.set(v.records);
    const tampered = Buffer.from(v.raw.toString('utf8').replace(/\r\n\r\n([\s\S])/, '\r\n\r\nX$1'), 'utf8');
    assert.equal((await check(tampered)).results.dkim, 'fail');
  });

  it('an unsigned message is verified on its header section alone, with the results mailauth gives for the whole message', async () => {
    const { dkimVerify } = createRequire(import.meta.url)('mailauth/lib/dkim/verify.js');
    const files = [
      new URL('../fixtures/mime/mail-iso-2022-jp/sample0.eml', import.meta.url),
      new URL('../fixtures/inbound/ham/jpmobile/au-decomail.eml', import.meta.url),
      new URL('../fixtures/inbound/ham/spamassassin/001', import.meta.url),
    ];
    for (const file of files) {
      const raw = Buffer.from(readFileSync(file, 'latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      const head = await headerSectionLength(raw);
      const input = dkimInput(raw, head);
      assert.ok(input.length < raw.length, `${file.pathname}: the body is left out`);
      assert.equal(input.toString('latin1', input.length - 4), '\r\n\r\n');
      const whole = await dkimVerify(raw, { resolver: resolve, sender: 'a@example.jp' });
      const headers = await dkimVerify(input, { resolver: resolve, sender: 'a@example.jp' });
      assert.deepEqual(headers, whole, file.pathname);
    }
  });

  it('a message with a DKIM or ARC message signature, or without an empty line after its header, is verified whole', async () => {
    for (const f of ['dkim-001.txt', 'arc-001.txt']) {
      const { raw } = vector(f);
      assert.equal(dkimInput(raw, await headerSectionLength(raw)), raw, f);
    }
    const folded = Buffer.from('From: a@example.jp\r\nX-Note: text\r\nArc-Message-Signature : i=1; a=rsa-sha256\r\n\r\nbody\r\n');
    assert.equal(dkimInput(folded, await headerSectionLength(folded)), folded);
    const headerOnly = Buffer.from('From: a@example.jp\r\nSubject: no body');
    assert.equal(dkimInput(headerOnly, await headerSectionLength(headerOnly)), headerOnly);
  });

  it('SPF suites give their expected results', async (t) => {
    let ran = 0;
    const wrong: string[] = [];
    for (const suite of spfSuites()) {
      dns.set(suite.records);
      for (const c of suite.cases) {
        if (!c.ip || !c.expect) continue;
        const mailFrom = c.sender.includes('@') ? c.sender : c.sender ? `postmaster@${c.sender}` : `postmaster@${c.domain}`;
        const r = await check(Buffer.from('From: a@b.example\r\nSubject: x\r\n\r\nx\r\n'), mailFrom, c.ip, c.helo ?? 'mx.example');
        ran++;
        if (r.results.spf !== c.expect) wrong.push(`${c.suite} ${c.domain} ${c.ip}: want ${c.expect}, got ${r.results.spf}`);
      }
    }
    t.diagnostic(`${ran} SPF cases, ${wrong.length} differ${wrong.length ? `: ${wrong.join('; ')}` : ''}`);
    assert.ok(ran >= 40, `ran ${ran} SPF cases`);
    // mailauth and stalwart differ on a few corner cases (void-lookup limits, macro edge cases);
    // those are listed here when they occur, and must stay a small minority.
    assert.ok(wrong.length <= Math.floor(ran * 0.1), `${wrong.length}/${ran} differ:\n${wrong.join('\n')}`);
  });

  it('finds the end of a header section in 1 MiB windows, across a window edge too', async () => {
    for (const at of [0, 5, (1 << 20) - 5, (1 << 20) - 3, (1 << 20) - 2, (1 << 20) - 1, 1 << 20, (3 << 20) + 7]) {
      const raw = Buffer.alloc(at + 4 + 100, 'a');
      raw.write('\r\n\r\n', at, 'latin1');
      assert.equal(await headerSectionLength(raw), at === 0 ? 0 : at + 2, `blank line at ${at}`);
    }
    assert.equal(await headerSectionLength(Buffer.from('a\r\n'.repeat(1 << 20))), 3 << 20, 'none: the whole message');
  });

  it('inserts the header after our Received and removes forged results for our authserv-id', async () => {
    const raw = Buffer.from(
      'Received: from helo.example (unknown [192.0.2.1])\r\n\tby sekisho.test (Sekisho) with ESMTP id X;\r\n\tMon, 1 ' +
        'Jun 2026 00:00:00 +0000\r\n' +
        'Authentication-Results: sekisho.test;\r\n dkim=pass header.d=bank.example\r\n' +
        'Authentication-Results: other.example; spf=pass\r\n' +
        'From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n',
    );
    const { body, removedForged } = await addAuthResults(raw, 'Authentication-Results: sekisho.test; spf=none\r\n', 'sekisho.test');
    assert.equal(removedForged, 1);
    assert.equal(
      body.toString(),
      'Received: from helo.example (unknown [192.0.2.1])\r\n\tby sekisho.test (Sekisho) with ESMTP id X;\r\n\tMon, 1 ' +
        'Jun 2026 00:00:00 +0000\r\n' +
        'Authentication-Results: sekisho.test; spf=none\r\n' +
        'Authentication-Results: other.example; spf=pass\r\n' +
        'From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n',
    );
  });
  it('walks a 20 MB header section (no blank line) in many turns, removing a forged result near its end', async () => {
    const line = 'X-Repeat: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n';
    const filler = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length));
    const forged = 'authentication-results:\r\n\t"sekisho.test"; dkim=pass\r\n';
    const raw = Buffer.from(`Received: by sekisho.test; x\r\n${filler}${forged}Subject: end`, 'latin1');
    const { value, turns } = await turnsDuring(() =>
      addAuthResults(raw, 'Authentication-Results: sekisho.test; spf=none\r\n', 'sekisho.test'),
    );
    const { body, removedForged } = value;
    assert.equal(removedForged, 1);
    assert.ok(turns >= 20, `the event loop turned ${turns} times meanwhile (a MiB per turn)`);
    assert.ok(
      body.equals(
        Buffer.from(`Received: by sekisho.test; x\r\nAuthentication-Results: sekisho.test; spf=none\r\n${filler}Subject: end`, 'latin1'),
      ),
      'every other byte as it was',
    );
  });

  it('walks one field folded over two million lines in many turns, every byte kept', async () => {
    const folded = `X-Folded: a${' b\r\n'.repeat(2_000_000)}`;
    const raw = Buffer.from(`Received: by sekisho.test; x\r\n${folded}Subject: end\r\n\r\nbody`, 'latin1');
    const { value, turns } = await turnsDuring(() => addAuthResults(raw, 'Authentication-Results: sekisho.test; none\r\n', 'sekisho.test'));
    const { body } = value;
    assert.ok(turns >= 20, `the event loop turned ${turns} times meanwhile (65,536 lines per turn)`);
    assert.ok(
      body.equals(
        Buffer.from(
          `Received: by sekisho.test; x\r\nAuthentication-Results: sekisho.test; none\r\n${folded}Subject: end\r\n\r\nbody`,
          'latin1',
        ),
      ),
    );
  });

  it('removes a result whose authserv-id lies beyond its first 4 KiB; keeps a long one for another id', async () => {
    const hidden = `Authentication-Results:${'\r\n '.repeat(3000)}sekisho.test; dkim=pass\r\n`;
    const other = `Authentication-Results: other.example;${' dkim=pass\r\n'.repeat(500_000)}`;
    const raw = Buffer.from(`Received: by sekisho.test; x\r\n${hidden}${other}Subject: end\r\n\r\nbody`, 'latin1');
    const { body, removedForged } = await addAuthResults(raw, 'Authentication-Results: sekisho.test; none\r\n', 'sekisho.test');
    assert.equal(removedForged, 1);
    const expected = `Received: by sekisho.test; x\r\nAuthentication-Results: sekisho.test; none\r\n${other}Subject: end\r\n\r\nbody`;
    assert.ok(body.equals(Buffer.from(expected, 'latin1')), 'the hidden one removed, every other byte as it was');
  });

  it('keeps a message without a blank line whole, our result after its first field', async () => {
    const raw = Buffer.from('Received: by sekisho.test; x\r\nSubject: no body');
    const { body } = await addAuthResults(raw, 'Authentication-Results: sekisho.test; none\r\n', 'sekisho.test');
    assert.equal(body.toString(), 'Received: by sekisho.test; x\r\nAuthentication-Results: sekisho.test; none\r\nSubject: no body');
  });

  it('puts our result first in a message that begins with a blank line (no header field)', async () => {
    const raw = Buffer.from('\r\nAuthentication-Results: sekisho.test; dkim=pass\r\n');
    const { body, removedForged } = await addAuthResults(raw, 'Authentication-Results: sekisho.test; none\r\n', 'sekisho.test');
    assert.equal(removedForged, 0, 'body text is not a header field');
    assert.equal(body.toString(), `Authentication-Results: sekisho.test; none\r\n${raw}`);
  });
});
