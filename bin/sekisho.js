#!/usr/bin/env node
// Entry point of the `sekisho` command: runs the built code (dist/, made by `npm run build`, which
// `npm ci` and `npm pack` run), never TypeScript at run time. In a git checkout whose src/ changed
// after the build it says so (`npm start` rebuilds by itself; `npm run build` does it by hand).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sekisho: not built (dist/ is missing): run `npm run build` in the sekisho directory\n');
  process.exit(1);
}
if (existsSync(new URL('../scripts/build-state.mjs', import.meta.url))) {
  const { staleReason } = await import('../scripts/build-state.mjs');
  const why = staleReason('server');
  if (why) process.stderr.write(`sekisho: warning: running an old build (${why}): run \`npm run build\`\n`);
}
await import(entry.href);
