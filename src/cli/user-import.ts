// `sekisho user import FILE.csv --tenant NAME`: columns address,password,role (a header row is
// optional; an empty password generates one). Every row is checked first; any error names its
// line and nothing is imported. All rows go in one transaction.
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { EMAIL_RE, requireTenant, withStore } from './context.ts';
import { checkRole, type Role } from './user-add.ts';
import { domainOf } from '../accept/acceptor.ts';
import { generatePassword, hashPassword } from '../util/password.ts';

interface Row {
  line: number;
  email: string;
  password: string;
  generated: boolean;
  role: Role;
}

export async function userImportCommand(file: string, opts: { tenant: string }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, ''); // Excel writes a BOM
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const rows = parseRows(text, file);
  await withStore(async (store) => {
    const tenant = await requireTenant(store, opts.tenant);
    const tenantDomains = new Set((await store.tenantDomains(tenant.id)).map((d) => d.domain));
    for (const r of rows) {
      if (!tenantDomains.has(domainOf(r.email))) throw new CliError(`${file} line ${r.line}: ${r.email} is not in a domain of tenant ${opts.tenant}`);
    }
    const existing = new Set(await store.existingEmails(rows.map((r) => r.email)));
    const r = rows.find((x) => existing.has(x.email));
    if (r) {
      throw new CliError(`${file} line ${r.line}: user ${r.email} exists already`);
    }
    const users = await Promise.all(rows.map(async (r) => ({ email: r.email, role: r.role, passwordHash: await hashPassword(r.password) })));
    await store.createUsers(tenant.id, users, 'cli:import');
  });
  const generated = rows.filter((r) => r.generated);
  process.stdout.write(`imported ${rows.length} users into ${opts.tenant}\n`);
  for (const r of generated) process.stdout.write(`${r.email},${r.password}\n`);
}

function parseRows(text: string, file: string): Row[] {
  const rows: Row[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.trimStart().startsWith('#')) return;
    const cells = splitCsvLine(raw, file, line);
    if (line === 1 && cells[0]?.toLowerCase() === 'address') return;
    if (cells.length !== 3) throw new CliError(`${file} line ${line}: expected 3 columns address,password,role; found ${cells.length}`);
    const [email, password, role] = cells.map((c) => c.trim()) as [string, string, string];
    if (!EMAIL_RE.test(email)) throw new CliError(`${file} line ${line}: "${email}" is not an email address`);
    let checkedRole: Role;
    try {
      checkedRole = checkRole(role);
    } catch {
      throw new CliError(`${file} line ${line}: role must be admin, approver or user (got "${role}")`);
    }
    if (password && password.length < 8) throw new CliError(`${file} line ${line}: password must have at least 8 characters`);
    const key = email.toLowerCase();
    if (seen.has(key)) throw new CliError(`${file} line ${line}: ${email} appears twice`);
    seen.add(key);
    rows.push({ line, email: key, password: password || generatePassword(), generated: !password, role: checkedRole });
  });
  if (rows.length === 0) throw new CliError(`${file}: no users found`);
  return rows;
}

/** RFC 4180 cells of one line: quotes, doubled quotes inside quotes. */
function splitCsvLine(line: string, file: string, n: number): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) throw new CliError(`${file} line ${n}: unclosed quote`);
  cells.push(cur);
  return cells;
}
