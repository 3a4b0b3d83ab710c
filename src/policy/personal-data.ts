// The `personalData` detector: Japanese personal data in bulk — a list of people, not one
// person's signature. It counts postal addresses (〒123-4567, or a prefecture followed by its
// city, ward, town or village), phone numbers (0X-XXXX-XXXX shapes and unseparated mobile
// numbers) and dates of birth (dates, Western or Japanese era, counted only in a text that
// labels them 生年月日/誕生日/birth). It matches when at least two of the three kinds each occur
// PERSONAL_DATA_MIN_EACH times or more in one text (docs/policy.md). Only counts leave here.
import { foldDigits } from './detectors.ts';

/** Occurrences of each of two kinds needed in one text: ten people's addresses and phone numbers. */
export const PERSONAL_DATA_MIN_EACH = 10;

export interface PersonalDataCount {
  addresses: number;
  phones: number;
  birthDates: number;
}

const PREFECTURES =
  '北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県|富山県|' +
  '石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|' +
  '岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県';
const PREFECTURE_ADDRESS = new RegExp(`(?:${PREFECTURES})[^\\s,\\t、。]{1,10}?[市区町村郡]`, 'g');
const POSTAL_CODE = /(?<![\d-])〒?\s?\d{3}-\d{4}(?![\d-])/g;
/** 03-1234-5678, 045-123-4567, 090-1234-5678, 0120-123-456, (03)1234-5678, 09012345678 */
const PHONE = /(?<![\d-])(?:0\d{1,4}-\d{1,4}-\d{3,4}|\(0\d{1,4}\)\s?\d{1,4}-\d{4}|0[789]0\d{8})(?![\d-])/g;
const BIRTH_LABEL = /生年月日|誕生日|birth/i;
const WESTERN_DATE = /(?<!\d)(19\d\d|20[0-2]\d)\s?[/.年-]\s?(0?[1-9]|1[0-2])\s?[/.月-]\s?(0?[1-9]|[12]\d|3[01])(?!\d)/g;
const ERA_DATE = /(?:明治|大正|昭和|平成|令和|[MTSHR])\s?(元|\d{1,2})\s?[年./]\s?\d{1,2}\s?[月./]\s?\d{1,2}/g;

function countOf(re: RegExp, text: string): number {
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
}

function phoneCount(text: string): number {
  let n = 0;
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits === 10 || digits === 11) n++;
  }
  return n;
}

/** `birthLabelled`: whether the whole text (of which this may be a piece) has a birth-date label. */
export function countPersonalData(text: string, birthLabelled = hasBirthLabel(text)): PersonalDataCount {
  const folded = foldDigits(text);
  return {
    // A row with both a postal code and a prefecture is one address: the larger count wins.
    addresses: Math.max(countOf(POSTAL_CODE, folded), countOf(PREFECTURE_ADDRESS, folded)),
    phones: phoneCount(folded),
    birthDates: birthLabelled ? countOf(WESTERN_DATE, folded) + countOf(ERA_DATE, folded) : 0,
  };
}

export function hasBirthLabel(text: string): boolean {
  return BIRTH_LABEL.test(text);
}

/** The counts when the text holds personal data in bulk, else null. */
export function findPersonalData(text: string): PersonalDataCount | null {
  return inBulk(countPersonalData(text));
}

/** The counts if they are personal data in bulk (two kinds at PERSONAL_DATA_MIN_EACH or more), else null. */
export function inBulk(c: PersonalDataCount): PersonalDataCount | null {
  const kinds = [c.addresses, c.phones, c.birthDates].filter((n) => n >= PERSONAL_DATA_MIN_EACH).length;
  return kinds >= 2 ? c : null;
}
