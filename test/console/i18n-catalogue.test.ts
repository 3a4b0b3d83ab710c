// The console's word catalogue (console/src/i18n): Japanese and English have the same keys and
// no empty entries; Japanese entries carry no English codes (snake_case or camelCase words,
// raw JSON); English entries carry no Japanese except the product's name.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import ja from '../../console/src/i18n/ja.json' with { type: 'json' };
import en from '../../console/src/i18n/en.json' with { type: 'json' };

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]/;
/** `awaiting_approval`, `webDownload`, `{"a":1}`; placeholders like {minutes} are allowed */
const CODE_WORD = /\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z][A-Za-z]+\b|[{[]\s*"/;

it('ja and en have the same keys, none empty', () => {
  assert.deepEqual(Object.keys(ja).sort(), Object.keys(en).sort());
  for (const [k, v] of [...Object.entries(ja), ...Object.entries(en)]) assert.ok(v.trim() !== '', `${k} is empty`);
});

it('Japanese entries have no English codes, English entries no Japanese (except the product name)', () => {
  const codes = Object.entries(ja).filter(([, v]) => CODE_WORD.test(v.replace(/\{\w+\}/g, '')));
  assert.deepEqual(codes, []);
  const japanese = Object.entries(en).filter(([k, v]) => k !== 'app' && k !== 'lang' && JAPANESE.test(v));
  assert.deepEqual(japanese, []);
});

it('both catalogues use the same placeholders in each entry', () => {
  const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  const jaDict = ja as Record<string, string>;
  const differ = Object.entries(en).filter(([k, v]) => vars(v).join() !== vars(jaDict[k] ?? '').join());
  assert.deepEqual(differ, []);
});
