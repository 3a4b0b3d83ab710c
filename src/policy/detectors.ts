// Content detectors for the `detect` condition: payment card numbers (Luhn check digit, known
// issuer prefixes and lengths) and Japanese My Numbers (個人番号: 12 digits, official mod-11
// check digit). Digits may be full-width (０-９) and grouped with spaces or hyphens. Hits carry
// only a masked form: card and My Numbers must never reach logs or the audit trail in clear.

export interface DetectorHit {
  /** e.g. "************1111": enough for a human to recognise, useless to a thief */
  masked: string;
}

/** Full-width digits, spaces and the dash look-alikes Japanese IMEs produce, folded to ASCII. */
export function foldDigits(text: string): string {
  return text
    .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[\u2010-\u2015\u2212\uff0d\u30fc\uff70]/g, '-')
    .replace(/[\u3000\u00a0]/g, ' ');
}

/**
 * Runs of digit groups joined by single spaces or hyphens ("4111 1111 1111 1111 12/25" is one
 * run of groups 4,4,4,4,2 up to the slash). `\d+(?:[ -]\d+)*` has no ambiguity, so matching is
 * linear; the groups are then searched for windows shaped like a card or a My Number.
 */
const DIGIT_RUN = /(?<![\dA-Za-z])\d+(?:[ -]\d+)*/g;

interface DigitGroup {
  digits: string;
  /** separator before this group ('' for the first) */
  sep: string;
}

function* digitRuns(text: string): Generator<DigitGroup[]> {
  const folded = foldDigits(text);
  for (const m of folded.matchAll(DIGIT_RUN)) {
    if (m[0].length < 12) continue; // fewer than 12 digits: neither a card nor a My Number
    const after = folded[m.index + m[0].length] ?? '';
    if (/[A-Za-z]/.test(after)) continue; // part of an identifier such as ABC123…XYZ
    const groups: DigitGroup[] = [];
    const re = /([ -]?)(\d+)/g;
    for (const g of m[0].matchAll(re)) groups.push({ sep: g[1]!, digits: g[2]! });
    yield groups;
  }
}

interface Window {
  start: number;
  end: number; // exclusive
  digits: string;
  shape: number[];
}

/**
 * Windows of whole groups joined by one kind of separator. A multi-group window must not go
 * on: a neighbouring group of four digits joined by the same separator means the number is
 * longer than the window (a 4-4-4 inside a 4-4-4-4 card is not a My Number).
 */
function* windowsOf(groups: DigitGroup[], used: boolean[], maxGroups: number): Generator<Window> {
  for (let start = 0; start < groups.length; start++) {
    for (let len = Math.min(maxGroups, groups.length - start); len >= 1; len--) {
      const end = start + len;
      let digits = 0;
      for (let i = start; i < end; i++) digits += groups[i]!.digits.length;
      if (digits < 12 || digits > 19) continue; // no card or My Number has this many digits
      if (used.slice(start, end).some(Boolean)) continue;
      const inner = groups.slice(start + 1, end).map((g) => g.sep);
      if (new Set(inner).size > 1) continue;
      if (len > 1) {
        const sep = inner[0]!;
        const before = groups[start - 1];
        const next = groups[end];
        if (before && groups[start]!.sep === sep && before.digits.length === 4) continue;
        if (next && next.sep === sep && next.digits.length === 4) continue;
      }
      const slice = groups.slice(start, end);
      yield { start, end, digits: slice.map((g) => g.digits).join(''), shape: slice.map((g) => g.digits.length) };
    }
  }
}

/** Cards and My Numbers in one pass (a card's digits are never also read as a My Number). */
export function scanNumbers(text: string): { cards: DetectorHit[]; myNumbers: DetectorHit[] } {
  const cards: DetectorHit[] = [];
  const myNumbers: DetectorHit[] = [];
  for (const groups of digitRuns(text)) {
    // Most runs (dates, phone numbers, prices) are too short to be either kind of number.
    if (groups.reduce((n, g) => n + g.digits.length, 0) < 12) continue;
    const used = groups.map(() => false);
    const claim = (w: Window) => used.fill(true, w.start, w.end);
    for (const w of windowsOf(groups, used, 5)) {
      if (used[w.start]) continue;
      if (isCardNumber(w)) {
        cards.push({ masked: mask(w.digits) });
        claim(w);
      }
    }
    for (const w of windowsOf(groups, used, 3)) {
      if (used[w.start]) continue;
      if (isMyNumberWindow(w)) {
        myNumbers.push({ masked: mask(w.digits) });
        claim(w);
      }
    }
  }
  return { cards, myNumbers };
}

function mask(digits: string): string {
  return '*'.repeat(Math.max(0, digits.length - 4)) + digits.slice(-4);
}

// ---------------------------------------------------------------- payment cards

export function isLuhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

interface CardBrand {
  name: string;
  lengths: number[];
  matches: (digits: string) => boolean;
}

const prefixBetween = (len: number, lo: number, hi: number) => (d: string) => {
  const p = Number(d.slice(0, len));
  return p >= lo && p <= hi;
};

/** Issuer identification ranges of the brands seen in Japan (JCB first among them). */
const CARD_BRANDS: CardBrand[] = [
  { name: 'visa', lengths: [13, 16, 19], matches: (d) => d.startsWith('4') },
  { name: 'mastercard', lengths: [16], matches: (d) => prefixBetween(2, 51, 55)(d) || prefixBetween(4, 2221, 2720)(d) },
  { name: 'amex', lengths: [15], matches: (d) => d.startsWith('34') || d.startsWith('37') },
  { name: 'jcb', lengths: [16, 17, 18, 19], matches: prefixBetween(4, 3528, 3589) },
  { name: 'diners', lengths: [14, 15, 16, 17, 18, 19], matches: (d) => prefixBetween(3, 300, 305)(d) || /^3[689]/.test(d) },
  {
    name: 'discover',
    lengths: [16, 17, 18, 19],
    matches: (d) => d.startsWith('6011') || prefixBetween(3, 644, 649)(d) || d.startsWith('65'),
  },
  { name: 'unionpay', lengths: [16, 17, 18, 19], matches: (d) => d.startsWith('62') },
];

/**
 * Ways card numbers are written: one run, or groups of four (4-4-4-4, 4-4-4-4-3, 4-4-4-1 for
 * 13-digit Visa), Amex 4-6-5, Diners 4-6-4. Other groupings (phone numbers 03-1234-5678,
 * dates) are not card numbers even when their digits pass Luhn by chance.
 */
function isCardGrouping(groups: number[]): boolean {
  if (groups.length === 1) return true;
  const shape = groups.join('-');
  return ['4-4-4-4', '4-4-4-4-3', '4-4-4-1', '4-6-5', '4-6-4', '4-4-4-2', '4-4-4-3', '4-4-4-4-1', '4-4-4-4-2'].includes(shape);
}

export function cardBrandOf(digits: string): string | null {
  for (const b of CARD_BRANDS) if (b.lengths.includes(digits.length) && b.matches(digits)) return b.name;
  return null;
}

function isCardNumber(w: Window): boolean {
  const d = w.digits;
  if (d.length < 13 || d.length > 19 || !isCardGrouping(w.shape)) return false;
  if (/^(\d)\1+$/.test(d)) return false;
  return cardBrandOf(d) !== null && isLuhnValid(d);
}

/** Payment card numbers (Luhn-valid, known issuer prefix and length, card-like grouping). */
export function findCreditCards(text: string): DetectorHit[] {
  return scanNumbers(text).cards;
}

// ---------------------------------------------------------------- My Number (個人番号)

/**
 * The check digit of a My Number from its first 11 digits (総務省令 第五条):
 * P(n) is the n-th digit counting from the right of the 11, Q(n) = n+1 for n ≤ 6, n−5 for
 * n ≥ 7; r = Σ P(n)·Q(n) mod 11; check digit = 0 when r ≤ 1, else 11 − r.
 */
export function myNumberCheckDigit(first11: string): number {
  if (!/^\d{11}$/.test(first11)) throw new Error('myNumberCheckDigit needs exactly 11 digits');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = first11.charCodeAt(11 - n) - 48;
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(digits: string): boolean {
  const d = foldDigits(digits).replace(/[ -]/g, '');
  if (!/^\d{12}$/.test(d)) return false;
  return myNumberCheckDigit(d.slice(0, 11)) === d.charCodeAt(11) - 48;
}

/** 12 digits that read as a timestamp (YYYYMMDDhhmm), which logs and order ids are full of. */
function looksLikeTimestamp(d: string): boolean {
  return /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])[0-5]\d$/.test(d);
}

function isMyNumberWindow(w: Window): boolean {
  // One run of 12, or 4-4-4; phone-number shapes (03-1234-5678…) are not My Numbers.
  if (w.digits.length !== 12) return false;
  if (w.shape.length !== 1 && w.shape.join('-') !== '4-4-4') return false;
  if (/^(\d)\1+$/.test(w.digits) || looksLikeTimestamp(w.digits)) return false;
  return isValidMyNumber(w.digits);
}

/** My Numbers (12 digits with a valid check digit), not counting digits already read as a card. */
export function findMyNumbers(text: string): DetectorHit[] {
  return scanNumbers(text).myNumbers;
}
