// `npm run build`: src/ → dist/ with tsc (tsconfig.build.json: type-checked, one .js per module,
// the same layout as src/), dist/build-info.json (version and git commit, for `sekisho --version`
// and /healthz), then the console (console/build.mjs → console/dist). `npm ci` and `npm pack` run
// it ("prepare"); `npm start` runs it with --if-stale (only what is older than its sources).
// Without the dev dependencies (`npm ci --omit=dev` in a built clone) it keeps what was built.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, staleReason } from './build-state.mjs';

const ifStale = process.argv.includes('--if-stale');
const require = createRequire(import.meta.url);

function resolveOrNull(id) {
  try {
    return require.resolve(id);
  } catch {
    return null;
  }
}

/** the commit this build is made from: SEKISHO_COMMIT (a container build has no .git), else git */
function gitCommit() {
  if (process.env.SEKISHO_COMMIT) return process.env.SEKISHO_COMMIT;
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short=12', 'HEAD');
    // like `git describe --dirty`: tracked files changed since that commit
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}

function buildServer() {
  const tsc = resolveOrNull('typescript/bin/tsc');
  if (!tsc) {
    const state = existsSync(join(ROOT, 'dist/build-info.json')) ? 'dist/ not rebuilt' : 'dist/ is missing: sekisho will not run';
    console.warn(`sekisho build: typescript is not installed (dev dependencies omitted); ${state}`);
    return;
  }
  // Built beside dist/ and swapped in whole: modules deleted from src/ do not linger, and a
  // process that forks while this runs loads either the old build or the new one.
  const next = join(ROOT, 'dist.next');
  rmSync(next, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', next], { cwd: ROOT, stdio: 'inherit' });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const info = { name: pkg.name, version: pkg.version, commit: gitCommit() };
  writeFileSync(join(next, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  const old = join(ROOT, 'dist.old');
  rmSync(old, { recursive: true, force: true });
  if (existsSync(join(ROOT, 'dist'))) renameSync(join(ROOT, 'dist'), old);
  renameSync(next, join(ROOT, 'dist'));
  rmSync(old, { recursive: true, force: true });
  console.log(`sekisho build: dist/ ${info.version} (${info.commit})`);
}

function buildConsole() {
  execFileSync(process.execPath, [join(ROOT, 'console/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

for (const [part, build] of [
  ['server', buildServer],
  ['console', buildConsole],
]) {
  if (ifStale) {
    const why = staleReason(part);
    if (!why) continue;
    console.log(`sekisho build: ${part}: ${why}`);
  }
  build();
}
