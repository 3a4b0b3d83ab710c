// `sekisho user import FILE.csv --tenant NAME`: columns address,password,role[,approver[,name[,department]]] (a
// header row is optional; an empty password generates one; the parser is shared with the
// console). Every row is checked first; any error names its line and nothing is imported.
// All rows go in one transaction.
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { requireTenant, withStore } from './context.ts';
import { parseUserCsv, type CsvUser } from '../users/user-csv.ts';
import { domainOf } from '../util/address.ts';
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
    const tenantDomains = new Set((await store.tenantDomains(tenant.id)).map((d) => d.domain));
    for (const r of rows) {
      if (!tenantDomains.has(domainOf(r.email)))
        throw new CliError(`${file} line ${r.line}: ${r.email} is not in a domain of tenant ${opts.tenant}`);
    }
    const existing = new Set(await store.existingEmails(rows.map((r) => r.email)));
    const r = rows.find((x) => existing.has(x.email));
    if (r) {
      throw new CliError(`${file} line ${r.line}: user ${r.email} exists already`);
    }
    const users = await Promise.all(
      rows.map(async (r) => ({
        email: r.email,
        role: r.role,
        approverEmail: r.approverEmail,
        name: r.name,
        department: r.department,
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
