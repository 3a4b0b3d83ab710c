// What is built and whether it is older than its sources, for scripts/build.mjs (`--if-stale`, run
// by `npm start`) and bin/sekisho.js (a warning in a git checkout). A build is stale when any file
// it is made from changed after it was made; file times are what git checkout and editors set.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** each part of the build: what it writes last (its stamp) and what it is made from */
export const PARTS = {
  server: { stamp: 'dist/build-info.json', sources: ['src', 'package.json', 'tsconfig.json', 'tsconfig.build.json'] },
  console: { stamp: 'console/dist/index.html', sources: ['console/src', 'console/index.html', 'console/vite.config.ts'] },
};

function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** why `part` needs building ('missing', 'older than src/…'), or null when it is up to date */
export function staleReason(part) {
  const { stamp, sources } = PARTS[part];
  const stampPath = join(ROOT, stamp);
  if (!existsSync(stampPath)) return `${stamp} is missing`;
  const built = statSync(stampPath).mtimeMs;
  const newer = sources.find((s) => newestMtime(join(ROOT, s)) > built);
  return newer ? `${newer} changed after the last build` : null;
}
