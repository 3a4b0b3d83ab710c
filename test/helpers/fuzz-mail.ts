// Mutated mail for the fuzz runs (test/e2e/fuzz.test.ts, `npm run fuzz`): real messages from the
// test fixtures (each folder has its SOURCE.txt; `npm run fuzz` can add more folders, such as the
// shared corpus) bent the ways hostile or broken senders bend them — flipped bytes, truncation,
// repeated lines, huge fields and names, deep nesting, broken boundaries, bare CR/LF, NUL bytes,
// spliced messages. Deterministic: the same seed gives the same messages.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Files under `dirs` that look like mail (a header field on the first line), up to 1 MB each. */
export function loadCorpus(dirs: string[], maxBytes = 1024 * 1024): Buffer[] {
  const out: Buffer[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.size > 0 && st.size <= maxBytes && !/SOURCE|LICENSE|README|NOTICE|\.(ya?ml|json|ts|js|md)$/i.test(name)) {
        const raw = readFileSync(path);
        if (/^[A-Za-z][A-Za-z0-9-]*:/.test(raw.subarray(0, 200).toString('latin1'))) out.push(raw);
      }
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

/** mulberry32: a small seeded PRNG, enough to make fuzz runs repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutator = (m: string, r: () => number, other: string) => string;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const headerEnd = (m: string): number => {
  const i = m.search(/\r?\n\r?\n/);
  return i === -1 ? m.length : i;
};

/**
 * The size repeatLine stops at: six times the gateway's default size limit, well under V8's
 * longest string (~512 MB) however the other mutators add to it.
 */
const MAX_REPEATED_TO_BYTES = 300 * 1024 * 1024;

const MUTATORS: Record<string, Mutator> = {
  flipBytes: (m, r) => {
    // Character by index: the corpus is read as latin1 and no mutator adds a surrogate pair, so each
    // character is one UTF-16 unit; an array of them ([...m]) would pass V8's longest array past
    // ~130 million characters and end the run (a message repeatLine has brought near 300 MB).
    let out = m;
    for (let i = int(r, 1, 30); i > 0; i--) {
      const at = int(r, 0, out.length - 1);
      out = out.slice(0, at) + String.fromCharCode(int(r, 1, 255)) + out.slice(at + 1);
    }
    return out;
  },
  truncate: (m, r) => m.slice(0, int(r, 0, m.length)),
  repeatLine: (m, r) => {
    const lines = m.split('\n');
    const at = int(r, 0, lines.length - 1);
    // a line made long by an earlier mutator (or repeated already), repeated 3,000 times, would
    // pass V8's longest string
    const room = Math.max(0, MAX_REPEATED_TO_BYTES - m.length);
    const times = Math.min(int(r, 2, 3000), Math.floor(room / (lines[at]!.length + 1)));
    lines.splice(at, 0, ...Array.from({ length: times }, () => lines[at]!));
    return lines.join('\n');
  },
  longDisplayName: (m, r) => m.replace(/^From:[^\n]*/im, `From: "${'a'.repeat(int(r, 1000, 300_000))}" <x@fuzz.test>`),
  longDomain: (m, r) => m.replace(/^From:[^\n]*/im, `From: x@${'b'.repeat(int(r, 64, 100_000))}.com`),
  longSubject: (m, r) => m.replace(/^Subject:[^\n]*/im, `Subject: ${'=?UTF-8?B?5bGx55Sw?= '.repeat(int(r, 100, 20_000))}`),
  manyRecipients: (m, r) =>
    `To: ${Array.from({ length: int(r, 100, 5000) }, (_, i) => `"名前${i}" <u${i}@x${i}.test>`).join(', ')}\r\n${m}`,
  hugeHeaders: (m, r) => `${`X-Fuzz: ${'h'.repeat(990)}\r\n`.repeat(int(r, 50, 1200))}${m}`,
  deepNesting: (m, r) => {
    const levels = int(r, 10, 80);
    let body = m.slice(headerEnd(m)).replace(/^\s+/, '');
    for (let i = levels; i > 0; i--)
      body = `--f${i}\r\nContent-Type: multipart/mixed; boundary="f${i + 1}"\r\n\r\n${body}\r\n--f${i}--\r\n`;
    return `${m.slice(0, headerEnd(m))}\r\nContent-Type: multipart/mixed; boundary="f1"\r\n\r\n${body}`;
  },
  breakBoundaries: (m, r) => m.replace(/boundary="?([^";\r\n]+)"?/gi, () => `boundary="${pick(r, ['', '-', '--', 'x'.repeat(200), '"'])}"`),
  dropClosingBoundary: (m) => m.replace(/\r?\n--[^\r\n]+--\s*$/, ''),
  bareLineBreaks: (m, r) => m.replace(/\r\n/g, () => pick(r, ['\n', '\r', '\r\n', '\r\r\n'])),
  nulByte: (m, r) => {
    const at = int(r, 0, m.length);
    return `${m.slice(0, at)}\0${m.slice(at)}`;
  },
  splice: (m, r, other) => m.slice(0, int(r, 0, m.length)) + other.slice(int(r, 0, other.length)),
  badEncodings: (m, r) =>
    m.replace(
      /^Content-Transfer-Encoding:[^\n]*/gim,
      () => `Content-Transfer-Encoding: ${pick(r, ['base64', 'quoted-printable', 'x-uuencode', 'bogus'])}`,
    ),
  badCharset: (m, r) =>
    m.replace(/charset="?[^";\s]+"?/gi, () => `charset=${pick(r, ['iso-2022-jp', 'shift_jis', 'x-unknown', 'utf-7', ''])}`),
  longLinks: (m, r) =>
    `${m.slice(0, headerEnd(m))}\r\nContent-Type: text/html\r\n\r\n${Array.from(
      { length: int(r, 1, 600) },
      (_, i) => `<a href="https://${'l'.repeat(int(r, 10, 2000))}.x${i}.test/login.php">https://bank.example/</a>`,
    ).join('\r\n')}\r\n`,
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

export interface FuzzMessage {
  /** the corpus message it came from (index) and what was done to it */
  origin: string;
  raw: Buffer;
}

/** `count` mutated messages (one to three mutations each) from `corpus`, the same for the same seed. */
export function fuzzMessages(corpus: readonly Buffer[], count: number, seed: number): FuzzMessage[] {
  const r = prng(seed);
  const out: FuzzMessage[] = [];
  for (let n = 0; n < count; n++) {
    const i = int(r, 0, corpus.length - 1);
    let m = corpus[i]!.toString('latin1');
    const other = corpus[int(r, 0, corpus.length - 1)]!.toString('latin1');
    const applied: string[] = [];
    for (let k = int(r, 1, 3); k > 0; k--) {
      const name = pick(r, MUTATOR_NAMES);
      m = MUTATORS[name]!(m, r, other);
      applied.push(name);
    }
    out.push({ origin: `#${i} ${applied.join('+')}`, raw: Buffer.from(m, 'latin1') });
  }
  return out;
}

/** The message as a user of the tenant would submit it: its first From replaced by theirs. */
export function asSubmittedBy(raw: Buffer, user: string): Buffer {
  const text = raw.toString('latin1');
  return Buffer.from(/^From:/im.test(text) ? text.replace(/^From:[^\n]*/im, `From: ${user}`) : `From: ${user}\r\n${text}`, 'latin1');
}
