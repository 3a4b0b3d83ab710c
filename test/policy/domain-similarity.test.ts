// Look-alike domains: typos, homoglyphs and IDN confusables of trusted domains are caught,
// comparing registrable domains under the Public Suffix List (tokyo.jp, co.jp) and the shared
// tenant suffixes it lacks (onmicrosoft.com); the trusted domains themselves, their subdomains,
// unrelated short names and names that cannot exist in DNS are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import {
  boundedDistance,
  damerauLevenshtein,
  LookalikeIndex,
  lookalikeOf,
  registrableDomain,
  skeletonOf,
} from '../../src/util/domain-similarity.ts';
import { dnsNameProblem } from '../../src/util/dns-name.ts';

const trusted = ['example.co.jp', 'acme-trading.com', 'microsoft.com', 'abc.co.jp'];

test('damerauLevenshtein counts an adjacent swap as one edit', () => {
  assert.equal(damerauLevenshtein('example', 'exampel'), 1);
  assert.equal(damerauLevenshtein('example', 'example'), 0);
  assert.equal(damerauLevenshtein('', 'abc'), 3);
  assert.equal(damerauLevenshtein('kitten', 'sitting'), 3);
  assert.equal(damerauLevenshtein('日本語', '日本後'), 1);
});

const cases: Array<[string, string | null, string | null]> = [
  // [domain, expected candidate, expected reason]
  ['exampel.co.jp', 'example.co.jp', 'edit-distance'],
  ['examle.co.jp', 'example.co.jp', 'edit-distance'],
  ['examp1e.co.jp', 'example.co.jp', 'homoglyph'],
  ['exarnple.co.jp', 'example.co.jp', 'homoglyph'],
  ['rnicrosoft.com', 'microsoft.com', 'homoglyph'],
  ['micr0s0ft.com', 'microsoft.com', 'homoglyph'],
  ['acme-tradnig.com', 'acme-trading.com', 'edit-distance'],
  ['acrne-tradimg.com', 'acme-trading.com', 'edit-distance'],
  ['example.co', null, null], // suffix change of a different shape: not compared by label
  [domainToASCII('ехample.co.jp'), 'example.co.jp', 'punycode'], // Cyrillic е and х
  ['ехample.co.jp', 'example.co.jp', 'punycode'],
  ['ｅｘａｍｐｌｅ.co.jp', null, null], // full width folds to the trusted domain itself
  ['example.co.jp', null, null],
  ['EXAMPLE.CO.JP', null, null],
  ['mail.example.co.jp', null, null],
  ['user@example.co.jp', null, null],
  ['abd.co.jp', null, null], // short names differ by one letter from many real companies
  ['other-company.jp', null, null],
  ['gmail.com', null, null],
];

for (const [domain, candidate, reason] of cases) {
  test(`lookalikeOf(${domain})`, () => {
    const got = lookalikeOf(domain, trusted);
    if (candidate === null) assert.equal(got, null);
    else {
      assert.equal(got?.candidate, candidate);
      assert.equal(got?.reason, reason);
    }
  });
}

test('a domain that is itself trusted is never a look-alike of another trusted one', () => {
  assert.equal(lookalikeOf('exampel.co.jp', ['example.co.jp', 'exampel.co.jp']), null);
});

test('subdomains of a look-alike compare by their registrable domain', () => {
  assert.equal(lookalikeOf('mail.exampel.co.jp', trusted)?.candidate, 'example.co.jp');
  assert.equal(registrableDomain('a.b.example.co.jp'), 'example.co.jp');
  assert.equal(registrableDomain('a.example.com'), 'example.com');
});

test('skeleton folds confusables', () => {
  assert.equal(skeletonOf('paypa1.com'), skeletonOf('paypal.com'));
  assert.equal(skeletonOf('аррle.com'), skeletonOf('apple.com'));
});

test('registrable domains follow the Public Suffix List', () => {
  assert.equal(registrableDomain('www.examp1e.tokyo.jp'), 'examp1e.tokyo.jp');
  assert.equal(registrableDomain('acme-co.jp'), 'acme-co.jp');
  assert.equal(registrableDomain('evil.github.io'), 'evil.github.io');
  assert.equal(registrableDomain('acme.mail.onmicrosoft.com'), 'acme.mail.onmicrosoft.com');
  assert.equal(registrableDomain('x.acme.onmicrosoft.com'), 'acme.onmicrosoft.com');
});

// The cases of issue 22: each caught against the trusted domain it imitates.
const psl: Array<[string, string[], string, string]> = [
  ['acrne.onmicrosoft.com', ['acme.onmicrosoft.com'], 'acme.onmicrosoft.com', 'homoglyph'],
  ['acmee.onmicrosoft.com', ['acme.onmicrosoft.com'], 'acme.onmicrosoft.com', 'edit-distance'],
  ['examp1e.tokyo.jp', ['example.tokyo.jp'], 'example.tokyo.jp', 'homoglyph'],
  ['exampel.tokyo.jp', ['example.tokyo.jp'], 'example.tokyo.jp', 'edit-distance'],
  ['acme-co.jp', ['acme.co.jp'], 'acme.co.jp', 'edit-distance'],
  ['аcme.co.jp', ['acme.co.jp'], 'acme.co.jp', 'punycode'], // Cyrillic а
  [domainToASCII('аcme.co.jp'), ['acme.co.jp'], 'acme.co.jp', 'punycode'],
];
for (const [domain, list, candidate, reason] of psl) {
  test(`lookalikeOf(${domain}) under the PSL`, () => {
    const got = lookalikeOf(domain, list);
    assert.equal(got?.candidate, candidate);
    assert.equal(got?.reason, reason);
  });
}

test('tenants of one shared platform are different organisations, subdomains of one are not', () => {
  assert.equal(lookalikeOf('acme.onmicrosoft.com', ['acme.onmicrosoft.com']), null);
  assert.equal(lookalikeOf('acme.mail.onmicrosoft.com', ['acme.onmicrosoft.com']), null, 'a different suffix, not a typo');
  assert.equal(lookalikeOf('other.tokyo.jp', ['example.tokyo.jp']), null);
});

test('names that cannot exist in DNS are a fact, never compared', () => {
  const long = `${'a'.repeat(100 * 1024)}.co.jp`;
  assert.match(dnsNameProblem(long) ?? '', /octets long/);
  assert.match(dnsNameProblem(`${'a'.repeat(64)}.co.jp`) ?? '', /label of 64 octets/);
  assert.equal(dnsNameProblem(`${'a'.repeat(63)}.co.jp`), null);
  assert.equal(dnsNameProblem('a..b'), 'has an empty label');
  assert.equal(lookalikeOf(long, ['example.co.jp']), null);
  assert.equal(lookalikeOf(`${'e'.repeat(64)}.co.jp`, ['example.co.jp']), null);
});

test('the bounded distance gives up beyond k and agrees with the full one within it', () => {
  const cp = (s: string) => [...s];
  assert.equal(boundedDistance(cp('example'), cp('exampel'), 2), 1);
  assert.equal(boundedDistance(cp('example'), cp('elpmaxe'), 2), 3, 'k + 1 when further');
  assert.equal(boundedDistance(cp('a'.repeat(200)), cp('b'.repeat(201)), 2), 3);
  for (const [a, b] of [
    ['kitten', 'sitting'],
    ['acme-co.jp', 'acme.co.jp'],
    ['examp1e', 'example'],
    ['ab', 'ba'],
  ] as const) {
    assert.equal(boundedDistance(cp(a), cp(b), 10), damerauLevenshtein(a, b));
  }
});

/** Optimal string alignment distance, the plain O(n·m) way, to check the banded one against. */
function referenceDistance(a: string[], b: string[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

test('the banded distance equals min(true distance, k + 1) on 5,000 random pairs', () => {
  let seed = 17;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const word = () => Array.from({ length: rnd(12) }, () => 'abcd'[rnd(4)]!);
  for (let i = 0; i < 5000; i++) {
    const a = word();
    const b = rnd(2) ? word() : a.map((c) => (rnd(4) === 0 ? 'abcd'[rnd(4)]! : c));
    const k = rnd(4);
    assert.equal(boundedDistance(a, b, k), Math.min(referenceDistance(a, b), k + 1), `${a.join('')} ${b.join('')} k=${k}`);
  }
});

test('an index answers for the list it was built from', () => {
  const index = new LookalikeIndex(['example.co.jp', 'acme.onmicrosoft.com']);
  assert.equal(index.match('exampel.co.jp')?.candidate, 'example.co.jp');
  assert.equal(index.match('acrne.onmicrosoft.com')?.candidate, 'acme.onmicrosoft.com');
  assert.equal(index.match('mail.example.co.jp'), null);
});
