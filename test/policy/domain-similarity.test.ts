// Look-alike domains: typos, homoglyphs and IDN confusables of trusted domains are caught;
// the trusted domains themselves, their subdomains and unrelated short names are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainToASCII } from 'node:url';
import { damerauLevenshtein, lookalikeOf, registrableDomain, skeletonOf } from '../../src/util/domain-similarity.ts';

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
