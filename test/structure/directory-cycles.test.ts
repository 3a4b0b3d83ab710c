// The directories of src/ form layers: no directory depends on itself through others, so each
// one can be read, tested and changed from the bottom up (README.md, Layout). dependency-cruiser
// checks the rule in .dependency-cruiser.json (`npx depcruise src --config .dependency-cruiser.json`
// prints the same) over every import, `import type` included: a type shared by layers lives in the
// lowest one that uses it (src/model, src/plan, src/pipeline). It derives folders from the modules
// under src/, so the files in src/ itself (main.ts, the composition root) are not checked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('no directory cycle among the imports of src/, type imports included', async () => {
  const config = JSON.parse(readFileSync(`${root}.dependency-cruiser.json`, 'utf8')) as IConfiguration;
  const cwd = process.cwd();
  process.chdir(root); // dependency-cruiser resolves paths and tsconfig from the working directory
  try {
    const { output } = await cruise(['src'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } });
    const result = output as ICruiseResult;
    assert.ok(result.summary.totalCruised > 200, `cruised only ${result.summary.totalCruised} modules`);
    const cycles = result.summary.violations.map((v) => `${v.from} → ${v.to}: ${(v.cycle ?? []).map((c) => c.name).join(' → ')}`);
    assert.deepEqual(cycles, []);
  } finally {
    process.chdir(cwd);
  }
});
