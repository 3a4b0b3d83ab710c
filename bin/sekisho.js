#!/usr/bin/env node
// Entry point of the `sekisho` command: registers the TypeScript loader (tsx) and runs the CLI.
// Sekisho ships as TypeScript source; tsx compiles each module once on load (esbuild), so there is
// no separate build step between `npm ci` and `npm start`.
import { register } from 'tsx/esm/api';
register();
const { runCli } = await import('../src/cli/index.ts');
await runCli(process.argv);
