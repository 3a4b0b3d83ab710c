// Content detectors: card numbers (Luhn + issuer + grouping) and My Numbers (mod-11 check digit),
// in half- and full-width digits, grouped or not, without firing on phone numbers and dates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cardBrandOf,
  findCreditCards,
  findMyNumbers,
  isLuhnValid,
  isValidMyNumber,
  myNumberCheckDigit,
} from '../../src/policy/detectors.ts';

/** Test-side implementation of the official algorithm, written independently of the module. */
function referenceCheckDigit(first11: string): number {
  const p = first11.split('').reverse().map(Number); // p[0] = P1 (rightmost)
  const sum = p.reduce((s, d, i) => s + d * (i + 1 <= 6 ? i + 2 : i - 4), 0);
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/** Deterministic pseudo-random 11-digit stems (LCG) so the test is reproducible. */
function stems(n: number): string[] {
  let x = 12345;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let j = 0; j < 11; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      s += String(Math.floor(x / 65536) % 10);
    }
    out.push(s);
  }
  return out;
}

const toFullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

test('My Number check digit agrees with an independent implementation', () => {
  for (const s of stems(200)) assert.equal(myNumberCheckDigit(s), referenceCheckDigit(s), s);
  assert.equal(myNumberCheckDigit('12345678901'), 8); // 123456789018 is the commonly cited sample
});

test('valid generated My Numbers are found in every written form', () => {
  for (const s of stems(30)) {
    const n = s + referenceCheckDigit(s);
    if (/^(\d)\1+$/.test(n)) continue;
    const forms = [n, `${n.slice(0, 4)}-${n.slice(4, 8)}-${n.slice(8)}`, `${n.slice(0, 4)} ${n.slice(4, 8)} ${n.slice(8)}`];
    for (const f of [...forms, ...forms.map(toFullWidth)]) {
      const text = `個人番号は${f}です。`;
      const hits = findMyNumbers(text);
      // A generated stem may look like a YYYYMMDDhhmm timestamp; those are skipped by design.
      if (/^(19|20)\d\d(0[1-9]|1[0-2])/.test(n)) continue;
      assert.equal(hits.length, 1, text);
      assert.equal(hits[0]!.masked, `********${n.slice(8)}`);
    }
  }
});

test('My Numbers with a wrong check digit are not found', () => {
  for (const s of stems(30)) {
    const wrong = s + ((referenceCheckDigit(s) + 1) % 10);
    assert.equal(isValidMyNumber(wrong), false);
    assert.deepEqual(findMyNumbers(`番号 ${wrong}`), []);
  }
});

const myNumberNegatives: Array<[string, string]> = [
  ['phone number', '電話 03-1234-5678 まで'],
  ['mobile number', '携帯 090-1234-5678'],
  ['mobile number, full width', '携帯 ０９０－１２３４－５６７８'],
  ['date', '2024-01-15 に送付'],
  ['timestamp', 'log 202401151230'],
  ['13 digits', '1234567890185'],
  ['glued to letters', 'ID123456789018X'],
  ['4-4-4 inside a longer 4-group number', '1234 5678 9018 5555'],
  ['repeated digit', '000000000000'],
  ['phone-like grouping', '12-3456-789018'],
];
for (const [label, text] of myNumberNegatives) {
  test(`My Number: no hit on ${label}`, () => assert.deepEqual(findMyNumbers(text), []));
}

test('Luhn', () => {
  assert.equal(isLuhnValid('4111111111111111'), true);
  assert.equal(isLuhnValid('4111111111111112'), false);
  assert.equal(isLuhnValid('79927398713'), true);
});

// Public test numbers published by the card networks for payment sandboxes.
const cardPositives: Array<[string, string]> = [
  ['visa', '4111 1111 1111 1111'],
  ['visa', '4012888888881881'],
  ['mastercard', '5555-5555-5555-4444'],
  ['mastercard', '2223003122003222'],
  ['amex', '3782 822463 10005'],
  ['amex', '371449635398431'],
  ['jcb', '3530 1113 3330 0000'],
  ['jcb', '3566002020360505'],
  ['diners', '3056 9309 0259 04'],
  ['discover', '6011 1111 1111 1117'],
  ['unionpay', '6200000000000005'],
];
for (const [brand, number] of cardPositives) {
  test(`card ${brand} ${number} found, also in full width and inside Japanese text`, () => {
    assert.equal(cardBrandOf(number.replace(/\D/g, '')), brand);
    for (const text of [number, `カード番号：${toFullWidth(number)}、有効期限 12/27`, `card ${number} exp 12 27`]) {
      const hits = findCreditCards(text);
      assert.equal(hits.length, 1, text);
      assert.match(hits[0]!.masked, /^\*+\d{4}$/);
      assert.equal(hits[0]!.masked.slice(-4), number.replace(/\D/g, '').slice(-4));
    }
  });
}

const cardNegatives: Array<[string, string]> = [
  ['Luhn failure', '4111 1111 1111 1112'],
  ['unknown issuer (Luhn-valid)', '1234 5678 9012 3452'],
  ['wrong length for brand', '411111111111111'],
  ['phone numbers in a row', '03-1234-5678 090-1234-5678'],
  ['mixed separators', '4111-1111 1111-1111'],
  ['odd grouping', '41 1111 1111 111 111'],
  ['glued to letters', 'X4111111111111111'],
  ['repeated digit', '0000 0000 0000 0000'],
  ['order number', '注文番号 20240115-000123'],
];
for (const [label, text] of cardNegatives) {
  test(`card: no hit on ${label}`, () => assert.deepEqual(findCreditCards(text), []));
}

test('a card number is not also reported as a My Number', () => {
  // 4111 1111 1111 1111: its first 12 digits are not a valid My Number anyway, so use one whose are.
  const stem = '41111111111';
  const my = stem + myNumberCheckDigit(stem);
  let card = '';
  for (let d = 0; d <= 9999; d++) {
    const c = `${my}${String(d).padStart(4, '0')}`;
    if (isLuhnValid(c)) {
      card = c;
      break;
    }
  }
  const grouped = card.replace(/(\d{4})(?=\d)/g, '$1 ');
  assert.equal(findCreditCards(grouped).length, 1);
  assert.deepEqual(findMyNumbers(grouped), []);
  assert.deepEqual(findMyNumbers(card), []);
});

test('detectors stay linear on a long run of digits and separators', () => {
  const text = '1 '.repeat(20000) + '1234-'.repeat(5000);
  assert.deepEqual(findCreditCards(text), []);
  assert.deepEqual(findMyNumbers(text), []);
});
