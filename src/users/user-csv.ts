// CSV users, shared by `sekisho user import` / `user export` and the console: columns
// address,password,role[,approver[,name[,department[,holdMinutes[,confirm]]]]] (header row optional;
// empty password → generated; approver = the manager who approves this user's held mail; name =
// 氏名, department = 部署; holdMinutes = the user's own 一時保留 minutes, empty = the policy's;
// confirm = 送信確認 on/off, empty = on). Every row is checked and every bad row is reported — each
// error a code the console words in the viewer's language plus an English message for the CLI —
// and nothing is imported then. The export writes the same columns, so a file read back is the same.
import type { Store } from '../store/store.ts';
import { domainOf, EMAIL_RE } from '../util/address.ts';
import { ROLES, type UserRole, type UserView } from './people.ts';
import { generatePassword } from '../util/password.ts';
import { holdMinutesProblem } from './send-settings.ts';
import { BOM, csvLine } from '../audit/audit-csv.ts';

export interface CsvUser {
  line: number;
  email: string;
  password: string;
  generated: boolean;
  role: UserRole;
  approverEmail: string | null;
  name: string | null;
  department: string | null;
  /** the user's own hold minutes; null = as the policy says */
  holdMinutes: number | null;
  /** 送信確認: false = the policy's confirmations are skipped for their mail */
  confirm: boolean;
}

/** Why a row cannot be imported (console: csv.<code>, with {line} and {value}). */
export type CsvErrorCode =
  | 'unclosed_quote'
  | 'columns'
  | 'bad_email'
  | 'bad_role'
  | 'short_password'
  | 'bad_approver'
  | 'duplicate'
  | 'too_long'
  | 'bad_hold_minutes'
  | 'bad_confirm'
  | 'no_users'
  | 'not_in_domain'
  | 'exists'
  | 'no_such_approver';

export interface CsvError {
  /** 1-based line of the file; 0 for the file as a whole */
  line: number;
  code: CsvErrorCode;
  /** the offending cell, when there is one */
  value: string;
  /** in English, for the CLI and logs */
  message: string;
}

/** Longest 氏名 / 部署 (as src/users/people.ts allows when they are edited). */
const MAX_TEXT = 100;

export const CSV_COLUMNS = ['address', 'password', 'role', 'approver', 'name', 'department', 'holdMinutes', 'confirm'] as const;
const COLUMNS_TEXT = 'address,password,role[,approver[,name[,department[,holdMinutes[,confirm]]]]]';

/** 送信確認 in a cell: empty = on (the policy's); on/off, yes/no, true/false, 1/0, オン/オフ; undefined = not one of them. */
function confirmCell(text: string): boolean | undefined {
  const v = text.trim().toLowerCase();
  if (['', 'on', 'yes', 'true', '1', 'オン'].includes(v)) return true;
  if (['off', 'no', 'false', '0', 'オフ'].includes(v)) return false;
  return undefined;
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

/** Parsed rows, or every error (line, code, message) — never a partial result. */
export function parseUserCsv(
  text: string,
): { ok: true; rows: CsvUser[] } | { ok: false; errors: CsvError[] /** the rows without errors, for further checks */; rows: CsvUser[] } {
  const rows: CsvUser[] = [];
  const errors: CsvError[] = [];
  const seen = new Set<string>();
  const parseLine = (raw: string, i: number): void => {
    const line = i + 1;
    const fail = (code: CsvErrorCode, value: string, message: string) => void errors.push({ line, code, value, message });
    if (!raw.trim() || raw.trimStart().startsWith('#')) return;
    const cells = splitCsvLine(raw);
    if (!cells) return fail('unclosed_quote', '', 'unclosed quote');
    if (line === 1 && ['address', 'メールアドレス'].includes(cells[0]?.trim().toLowerCase() ?? '')) return;
    if (cells.length < 3 || cells.length > CSV_COLUMNS.length)
      return fail('columns', String(cells.length), `expected columns ${COLUMNS_TEXT}; found ${cells.length}`);
    const [email, password, role, approver, name, department, hold = '', confirmText = ''] = cells.map((c) => c.trim()) as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
      string | undefined,
      string | undefined,
      string | undefined,
    ];
    if (!EMAIL_RE.test(email)) return fail('bad_email', email, `"${email}" is not an email address`);
    if (!(ROLES as readonly string[]).includes(role)) return fail('bad_role', role, `role must be admin, approver or user (got "${role}")`);
    if (password && password.length < 8) return fail('short_password', '', 'password must have at least 8 characters');
    if (approver && !EMAIL_RE.test(approver)) return fail('bad_approver', approver, `approver "${approver}" is not an email address`);
    for (const text of [name, department])
      if (text && text.length > MAX_TEXT) return fail('too_long', text, `"${text}" is longer than ${MAX_TEXT} characters`);
    const holdMinutes = hold === '' ? null : /^\d+$/.test(hold) ? Number(hold) : Number.NaN;
    if (holdMinutesProblem(holdMinutes) !== null)
      return fail('bad_hold_minutes', hold, `hold minutes "${hold}": ${holdMinutesProblem(holdMinutes)} (empty = the policy's)`);
    const confirm = confirmCell(confirmText);
    if (confirm === undefined) return fail('bad_confirm', confirmText, `confirm must be on or off (got "${confirmText}"); empty = on`);
    const key = email.toLowerCase();
    if (seen.has(key)) return fail('duplicate', email, `${email} appears twice`);
    seen.add(key);
    rows.push({
      line,
      email: key,
      password: password || generatePassword(),
      generated: !password,
      role: role as UserRole,
      approverEmail: approver ? approver.toLowerCase() : null,
      name: name || null,
      department: department || null,
      holdMinutes,
      confirm,
    });
  };
  for (const [i, raw] of text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .entries())
    parseLine(raw, i);
  if (errors.length === 0 && rows.length === 0) errors.push({ line: 0, code: 'no_users', value: '', message: 'no users found' });
  return errors.length > 0 ? { ok: false, errors, rows } : { ok: true, rows };
}

/**
 * The rows' problems against the tenant, every one at once: an address outside the tenant's
 * domains or taken already, an approver who is the row itself or neither a user of the tenant nor
 * a row of the same import. The CLI and the console's import and "add user" all check with this.
 */
export async function checkRowsForTenant(
  store: Store,
  tenantId: string,
  rows: ReadonlyArray<Pick<CsvUser, 'email' | 'approverEmail'> & { line?: number }>,
): Promise<CsvError[]> {
  const domains = new Set((await store.tenantDomains(tenantId)).map((d) => d.domain.toLowerCase()));
  const existing = new Set(await store.existingEmails(rows.map((r) => r.email)));
  const wanted = [...new Set(rows.flatMap((r) => (r.approverEmail ? [r.approverEmail] : [])))];
  const tenantUsers = new Set(
    wanted.length === 0
      ? []
      : (await store.db.selectFrom('users').select('email').where('tenant_id', '=', tenantId).where('email', 'in', wanted).execute()).map(
          (u) => u.email,
        ),
  );
  const inFile = new Set(rows.map((r) => r.email));
  const errors: CsvError[] = [];
  for (const r of rows) {
    const line = r.line ?? 0;
    if (!domains.has(domainOf(r.email)))
      errors.push({ line, code: 'not_in_domain', value: r.email, message: `${r.email} is not in a domain of this tenant` });
    else if (existing.has(r.email)) errors.push({ line, code: 'exists', value: r.email, message: `user ${r.email} exists already` });
    const a = r.approverEmail;
    if (a && (a === r.email || (!tenantUsers.has(a) && !inFile.has(a))))
      errors.push({
        line,
        code: 'no_such_approver',
        value: a,
        message: a === r.email ? `${a} cannot approve their own mail` : `approver ${a} is not a user of this tenant (nor in this file)`,
      });
  }
  return errors;
}

/**
 * The users as CSV (the import's columns, header row first), for Excel: UTF-8 with a BOM, CRLF, cells
 * quoted and neutralised as the audit CSV's (csvLine). Passwords are never exported: the column
 * stays empty (a file imported again generates new ones).
 */
export function usersCsv(
  users: ReadonlyArray<Pick<UserView, 'email' | 'role' | 'approver' | 'name' | 'department' | 'holdMinutes' | 'confirm'>>,
): string {
  const rows = users.map((u) =>
    csvLine([
      u.email,
      '',
      u.role,
      u.approver ?? '',
      u.name ?? '',
      u.department ?? '',
      u.holdMinutes === null ? '' : String(u.holdMinutes),
      u.confirm ? 'on' : 'off',
    ]),
  );
  return BOM + csvLine(CSV_COLUMNS) + rows.join('');
}
