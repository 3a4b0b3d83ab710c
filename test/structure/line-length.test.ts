// No line of source over 140 characters in src/, test/, bench/ and console/ — strings and comments
// included, which Biome's formatter (lineWidth 140) does not break. Left out: generated files
// (console/src/api-types.ts, built output), test fixtures (mail as received) and JSON, whose
// strings (the i18n catalogues) cannot be wrapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 140;
const root = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = /\.(ts|tsx|mts|js|mjs|cjs|css|html)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'fixtures', 'test-output']);
const GENERATED = new Set(['console/src/api-types.ts']);

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) yield* sourceFiles(path);
    } else if (SOURCE.test(entry.name) && !GENERATED.has(relative(root, path))) {
      yield path;
    }
  }
}

test(`no source line is longer than ${MAX} characters`, () => {
  const long: string[] = [];
  for (const top of ['src', 'test', 'bench', 'console']) {
    for (const file of sourceFiles(join(root, top))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const length = [...line].length; // characters, not UTF-16 units or bytes
          if (length > MAX) long.push(`${relative(root, file)}:${i + 1} (${length})`);
        });
    }
  }
  assert.deepEqual(long, []);
});
