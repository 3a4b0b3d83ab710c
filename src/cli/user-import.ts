// `sekisho user import FILE.csv --tenant NAME`: columns
// address,password,role[,approver[,name[,department[,holdMinutes[,confirm]]]]] (a
// header row is optional; an empty password generates one; the parser is shared with the
// console). Every row is checked first; any error names its line and nothing is imported.
// All rows go in one transaction. `sekisho user export --tenant NAME` writes the same columns to
// standard output (the console's export too; passwords are never exported).
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { checkRowsForTenant, parseUserCsv, usersCsv, type CsvUser } from '../users/user-csv.ts';
import { listUsers } from '../users/people.ts';
import { hashPassword } from '../util/password.ts';

export async function userImportCommand(file: string, opts: { tenant: string }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const rows = parseRows(text, file);
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const problems = await checkRowsForTenant(store, tenant.id, rows);
    if (problems.length > 0) throw new CliError(problems.map((e) => `${file} line ${e.line}: ${e.message}`).join('\n'));
    const users = await Promise.all(
      rows.map(async (r) => ({
        email: r.email,
        role: r.role,
        approverEmail: r.approverEmail,
        name: r.name,
        department: r.department,
        holdMinutes: r.holdMinutes,
        confirm: r.confirm,
        passwordHash: await hashPassword(r.password),
      })),
    );
    await store.createUsers(tenant.id, users, 'cli:import');
  });
  const generated = rows.filter((r) => r.generated);
  process.stdout.write(`imported ${rows.length} users into ${opts.tenant}\n`);
  for (const r of generated) process.stdout.write(`${r.email},${r.password}\n`);
}

function parseRows(text: string, file: string): CsvUser[] {
  const parsed = parseUserCsv(text);
  if (parsed.ok) return parsed.rows;
  // every bad row at once, so one round of fixes is enough
  throw new CliError(parsed.errors.map((e) => (e.line > 0 ? `${file} line ${e.line}: ${e.message}` : `${file}: ${e.message}`)).join('\n'));
}

export async function userExportCommand(opts: { tenant: string }): Promise<void> {
  const csv = await withStore(async (store) => usersCsv(await listUsers(store, (await requireTenant(store, opts.tenant)).id)));
  process.stdout.write(csv);
}
