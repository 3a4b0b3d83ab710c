// Builds the console into console/dist (run by `npm ci` via "prepare" and by `npm start` when
// dist is missing). Without vite (an install with --omit=dev) it says so and leaves dist as is,
// so a production install never fails here; a real build error still fails.
import { fileURLToPath } from 'node:url';

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('sekisho console: vite is not installed (dev dependencies omitted); console/dist not rebuilt');
  process.exit(0);
}
await vite.build({ configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)) });
