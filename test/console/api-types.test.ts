// The console's API types are generated from the routes' schemas (npm run gen:api-types): this
// fails while the committed console/src/api-types.ts differs from a fresh one, and while any
// console source uses `any` (its types come from the API document instead).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { API_TYPES_FILE, apiTypesSource } from '../../console/scripts/gen-api-types.ts';

const CONSOLE_SRC = join(process.cwd(), 'console', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

it('console/src/api-types.ts is what npm run gen:api-types writes today', async () => {
  const fresh = await apiTypesSource();
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  assert.ok(committed === fresh, 'console/src/api-types.ts is stale: run `npm run gen:api-types` and commit the result');
});

it('the console source has no `any`', () => {
  const found: string[] = [];
  for (const file of sources(CONSOLE_SRC)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
        if (/(:\s*any\b|<any\b|\bas any\b|\bany\[\]|,\s*any>)/.test(code))
          found.push(`${relative(CONSOLE_SRC, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});
