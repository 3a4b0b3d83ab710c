// The `sekisho` command's entry module: bin/sekisho.js runs its built form (dist/cli/main.js);
// tests and development run this source through tsx (`node --import tsx src/cli/main.ts`).
import { runCli } from './index.ts';

await runCli(process.argv);
