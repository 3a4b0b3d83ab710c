// The audit event groups: every event type written anywhere in src/ belongs to one group (found by
// scanning the source for event literals — `type:` beside an `actor:`, and scoped.audit('…') — on
// top of the compiler, which refuses an EventInput.type outside the table), every group has types,
// and every type has a Japanese and an English label in the console's catalogue.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_EVENT_GROUPS, AUDIT_EVENT_TYPES, AUDIT_GROUPS, typesOf } from '../../src/audit/event-groups.ts';
import ja from '../../console/src/i18n/ja.json' with { type: 'json' };
import en from '../../console/src/i18n/en.json' with { type: 'json' };

const SRC = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Event type literals in one file: the quoted strings of a `type:` expression whose object has an `actor:`. */
function eventLiterals(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\btype:\s*([^,\n}]+)/g)) {
    const around = text.slice(Math.max(0, m.index - 300), m.index + 300);
    if (!/\bactor\b/.test(around)) continue;
    // `type: first.type` of a plan stage or `type: 'hold'` of an action are not events: only
    // literals that look like event types (a stage action has no actor beside it in its object)
    for (const lit of m[1]!.matchAll(/'([a-zA-Z_.-]+)'/g)) found.push(lit[1]!);
  }
  for (const m of text.matchAll(/\.audit\(\s*'([^']+)'/g)) found.push(m[1]!);
  return found;
}

it('every event type written in src/ belongs to a group', () => {
  const seen = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    if (file.endsWith('event-groups.ts')) continue;
    for (const type of eventLiterals(readFileSync(file, 'utf8'))) seen.set(type, file.slice(SRC.length));
  }
  // literals that sit beside an actor but are not event types (stage kinds, JSON schema types, a
  // release request's decision compared inside the type expression)
  const notEvents = new Set([
    'hold',
    'confirm',
    'approve',
    'release',
    'refuse',
    'string',
    'object',
    'integer',
    'number',
    'boolean',
    'array',
    'null',
  ]);
  const missing = [...seen].filter(([t]) => !notEvents.has(t) && !(t in AUDIT_EVENT_GROUPS)).map(([t, f]) => `${t} (${f})`);
  assert.deepEqual(missing, []);
  assert.ok(seen.size >= 40, `the scan finds the event literals (${seen.size})`);
  for (const t of ['policy.blocked', 'console.login', 'quarantine.released', 'user.updated', 'hold.ended', 'approve.no-approvers'])
    assert.ok(seen.has(t), `the scan finds ${t}`);
});

it('every group has event types, every type exactly one group', () => {
  for (const g of AUDIT_GROUPS) assert.ok(typesOf(g).length > 0, `${g} has types`);
  assert.equal(AUDIT_GROUPS.flatMap(typesOf).length, AUDIT_EVENT_TYPES.length);
});

it('every event type and group has a Japanese and an English label', () => {
  const jaDict = ja as Record<string, string>;
  const enDict = en as Record<string, string>;
  const keys = [...AUDIT_EVENT_TYPES.map((t) => `ev.${t}`), ...AUDIT_GROUPS.map((g) => `auditGroup.${g}`)];
  assert.deepEqual(
    keys.filter((k) => !jaDict[k] || !enDict[k]),
    [],
  );
});
