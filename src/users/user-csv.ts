// CSV user import, shared by `sekisho user import` and the console:
// (address,password,role; header row optional; empty password → generated) plus an optional
// fourth column approver (the manager who approves this user's held mail). All rows are checked
// first; any error names its line and nothing is imported.
import { EMAIL_RE } from '../cli/context.ts';
import { ROLES, type Role } from '../cli/user-add.ts';
import { generatePassword } from '../util/password.ts';

export interface CsvUser {
  line: number;
  email: string;
  password: string;
  generated: boolean;
  role: Role;
  approverEmail: string | null;
}

export function splitCsvLine(line: string): string[] | null {
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
  if (quoted) return null;
  cells.push(cur);
  return cells;
}

/** Parsed rows, or the errors (line + message) — never a partial result. */
export function parseUserCsv(
  text: string,
): { ok: true; rows: CsvUser[] } | { ok: false; errors: Array<{ line: number; message: string }> } {
  const rows: CsvUser[] = [];
  const errors: Array<{ line: number; message: string }> = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    if (!raw.trim() || raw.trimStart().startsWith('#')) continue;
    const cells = splitCsvLine(raw);
    if (!cells) {
      errors.push({ line, message: 'unclosed quote' });
      continue;
    }
    if (line === 1 && cells[0]?.trim().toLowerCase() === 'address') continue;
    if (cells.length !== 3 && cells.length !== 4) {
      errors.push({ line, message: `expected columns address,password,role[,approver]; found ${cells.length}` });
      continue;
    }
    const [email, password, role, approver] = cells.map((c) => c.trim()) as [string, string, string, string | undefined];
    if (!EMAIL_RE.test(email)) {
      errors.push({ line, message: `"${email}" is not an email address` });
      continue;
    }
    if (!(ROLES as readonly string[]).includes(role)) {
      errors.push({ line, message: `role must be admin, approver or user (got "${role}")` });
      continue;
    }
    if (password && password.length < 8) {
      errors.push({ line, message: 'password must have at least 8 characters' });
      continue;
    }
    if (approver && !EMAIL_RE.test(approver)) {
      errors.push({ line, message: `approver "${approver}" is not an email address` });
      continue;
    }
    const key = email.toLowerCase();
    if (seen.has(key)) {
      errors.push({ line, message: `${email} appears twice` });
      continue;
    }
    seen.add(key);
    rows.push({
      line,
      email: key,
      password: password || generatePassword(),
      generated: !password,
      role: role as Role,
      approverEmail: approver ? approver.toLowerCase() : null,
    });
  }
  if (errors.length === 0 && rows.length === 0) errors.push({ line: 0, message: 'no users found' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rows };
}
