// Address and file-name patterns: '*' runs, domain-only patterns, `*.domain` covering the bare
// domain, case-insensitivity, IDN, and no exponential blow-up on many stars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressPatternError, globMatch, isSameOrSubdomain, matchAddress, matchFileName } from '../../src/util/wildcard.ts';

const addressCases: Array<[string, string, boolean]> = [
  ['*@gmail.com', 'someone@gmail.com', true],
  ['*@gmail.com', 'SOMEONE@GMAIL.COM', true],
  ['*@gmail.com', 'someone@mail.gmail.com', false],
  ['*@gmail.com', 'someone@gmail.com.evil.example', false],
  ['*@*.gmail.com', 'someone@mail.gmail.com', true],
  ['*@*.gmail.com', 'someone@gmail.com', true],
  ['bob@partner.example', 'bob@partner.example', true],
  ['bob@partner.example', 'bob2@partner.example', false],
  ['Bob@Partner.Example', 'bob@partner.example', true],
  ['partner.example', 'anyone@partner.example', true],
  ['partner.example', 'anyone@sub.partner.example', false],
  ['*.example.co.jp', 'user@example.co.jp', true],
  ['*.example.co.jp', 'user@a.example.co.jp', true],
  ['*.example.co.jp', 'user@a.b.example.co.jp', true],
  ['*.example.co.jp', 'user@badexample.co.jp', false],
  ['*.example.co.jp', 'a.example.co.jp', true],
  ['sales-*@acme.example', 'sales-east@acme.example', true],
  ['sales-*@acme.example', 'support@acme.example', false],
  ['*', 'anyone@anywhere.example', true],
  ['*@*', 'anyone@anywhere.example', true],
  ['tanaka@*', 'tanaka@home.example', true],
  ['*@例え.jp', 'user@xn--r8jz45g.jp', true],
  ['*@xn--r8jz45g.jp', 'user@例え.jp', true],
  ['*@yahoo.co.jp', 'user@yahoo.co.jp.', true],
];

for (const [pattern, address, expected] of addressCases) {
  test(`matchAddress(${pattern}, ${address}) = ${expected}`, () => {
    assert.equal(matchAddress(pattern, address), expected);
  });
}

test('bad address patterns are named', () => {
  assert.match(addressPatternError('')!, /empty/);
  assert.match(addressPatternError('a@b@c')!, /more than one/);
  assert.match(addressPatternError('@gmail.com')!, /empty local/);
  assert.match(addressPatternError('a b@c.d')!, /white space/);
  assert.equal(addressPatternError('*@gmail.com'), null);
});

test('file name globs are case-insensitive and fold full-width forms', () => {
  assert.equal(matchFileName('*.xlsx', 'Report.XLSX'), true);
  assert.equal(matchFileName('*.xlsx', '見積書．ｘｌｓｘ'), true);
  assert.equal(matchFileName('*.xls', 'a.xlsx'), false);
  assert.equal(matchFileName('見積*', '見積書_2024.pdf'), true);
  assert.equal(matchFileName('*.zip', ''), false);
});

test('many stars against a long near-miss text finish (no exponential backtracking)', () => {
  const glob = '*a*a*a*a*a*a*a*a*a*a*a*a*b';
  const text = 'a'.repeat(5000);
  assert.equal(globMatch(glob, text), false);
  assert.equal(globMatch(glob, `${text}b`), true);
});

test('isSameOrSubdomain', () => {
  assert.equal(isSameOrSubdomain('a@acme.example', 'acme.example'), true);
  assert.equal(isSameOrSubdomain('a@jp.acme.example', 'acme.example'), true);
  assert.equal(isSameOrSubdomain('a@notacme.example', 'acme.example'), false);
});
