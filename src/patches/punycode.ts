// punycode.js 2.3 (the IDNA converter mailauth and smtp-server call) patched once per process: its
// encoder takes time in proportion to a label's length times its distinct characters, so a From
// domain of one 60,000-character label with 3,000 distinct kanji held the MX port's event loop
// for 768 ms inside mailauth's DMARC. A label DNS could carry has at most 63 octets; toASCII and
// toUnicode now refuse (RangeError, as punycode does for input it cannot convert) a label that
// cannot become one, and their callers keep it as written, as after any conversion error.
import { createRequire } from 'node:module';
import { MAX_LABEL_OCTETS } from '../util/dns-name.ts';

const require = createRequire(import.meta.url);

interface Punycode {
  toASCII(input: string): string;
  toUnicode(input: string): string;
}

/** The label separators punycode's toASCII and toUnicode split on (RFC 3490 3.1). */
const SEPARATORS = /[\x2E\u3002\uFF0E\uFF61]/;

/**
 * A label of more than 2 × 63 UTF-16 units holds more than 63 code points, and an A-label is at
 * least four octets ("xn--") longer than its number of code points: no such label converts into
 * one DNS can carry. An A-label ("xn--…") over 63 octets is no DNS label either.
 */
export function hasLabelDnsCannotCarry(input: string, longest: number): boolean {
  if (input.length <= longest) return false;
  return input.split(SEPARATORS).some((label) => label.length > longest);
}

export class LabelTooLong extends RangeError {
  constructor() {
    super(`a domain label longer than DNS allows (${MAX_LABEL_OCTETS} octets) is not converted`);
    this.name = 'LabelTooLong';
  }
}

let patched = false;

export function patchPunycode(): void {
  if (patched) return;
  patched = true;
  const punycode = require('punycode.js') as Punycode;
  const { toASCII, toUnicode } = punycode;
  punycode.toASCII = (input) => {
    if (hasLabelDnsCannotCarry(input, 2 * MAX_LABEL_OCTETS)) throw new LabelTooLong();
    return toASCII(input);
  };
  punycode.toUnicode = (input) => {
    if (hasLabelDnsCannotCarry(input, MAX_LABEL_OCTETS)) throw new LabelTooLong();
    return toUnicode(input);
  };
}
