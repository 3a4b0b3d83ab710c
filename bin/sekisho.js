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
// V8 moves a function to its optimizing compiler after 3,000 calls by default. A gateway's
// per-message code runs a few times per message, so a fresh process relayed its first ~6,000
// messages on slower code; at 500 the second 3,000 already run at the steady rate. Half V8's
// inlining budget makes each of those compiles cheaper, and the first 3,000 messages after a start
// ran 6 % faster for it, the steady rate unchanged (both measured, docs/delivery.md "Cold start").
// A value given on the command line or in NODE_OPTIONS wins.
const v8Flags = { 'invocation-count-for-turbofan': 500, 'max-inlined-bytecode-size-cumulative': 460 };
const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
const v8 = await import('node:v8');
for (const [flag, value] of Object.entries(v8Flags)) if (!given.includes(flag)) v8.setFlagsFromString(`--${flag}=${value}`);
await import(entry.href);
