// Asking the operator at the terminal before what cannot be undone (tenant delete, download
// withdraw). The question goes to stderr so stdout stays parseable; a closed stdin (a script
// without --yes) answers '' and the caller does nothing.
import { createInterface } from 'node:readline/promises';

export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // stdin that ends before an answer closes the interface; question() alone would never settle
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    return (await Promise.race([rl.question(question), closed])).trim();
  } catch {
    return ''; // stdin closed without an answer
  } finally {
    rl.close();
  }
}
