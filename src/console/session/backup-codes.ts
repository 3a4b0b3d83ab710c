// Two-factor backup codes: ten single-use codes issued when TOTP is turned on (and again on
// request, which voids the old set), shown once and stored only as SHA-256 hashes. Each code
// carries 80 random bits (16 characters of a–z and 2–7, no 0/1/8/9 to misread), so a plain hash
// cannot be reversed by guessing; one is used in place of a TOTP code at login, and only once.
import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/store.ts';
import { hashToken } from '../../util/id.ts';
import { base32Encode } from './totp.ts';
import { consoleDb } from '../../users/console-tables.ts';

export const BACKUP_CODE_COUNT = 10;

/** A code as printed: four groups of four, e.g. `k7rd-2mpa-x4qe-vn3s`. */
function newBackupCode(): string {
  return base32Encode(randomBytes(10)).toLowerCase().match(/.{4}/g)?.join('-') ?? '';
}

/** What someone typed, without spaces, hyphens or case; null when it cannot be a backup code. */
export function normalBackupCode(typed: string): string | null {
  const s = typed.replace(/[\s-]/g, '').toLowerCase();
  return /^[a-z2-7]{16}$/.test(s) ? s : null;
}

const hashOf = (normal: string) => hashToken(`backup:${normal}`);

/** Issues a fresh set for `email` (the old set stops working) and returns it — the only time the codes exist in clear. */
export async function issueBackupCodes(store: Store, email: string, tenantId: string | null, actor: string): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  const now = Date.now();
  await store.db.transaction().execute(async (trx) => {
    const c = trx.withTables<import('../../users/console-tables.ts').ConsoleTables>();
    await c.deleteFrom('console_backup_codes').where('email', '=', email).execute();
    await c
      .insertInto('console_backup_codes')
      .values(codes.map((code) => ({ code_hash: hashOf(normalBackupCode(code)!), email, created_at: now, used_at: null })))
      .execute();
  });
  await store.appendEvent({ tenantId, messageId: null, actor, type: 'console.backup_codes_issued', data: { email, count: codes.length } });
  return codes;
}

/**
 * Uses one of `email`'s unused codes: true when `typed` was one (it is now spent — the update
 * only matches an unused row, so two logins racing with the same code cannot both succeed).
 */
export async function spendBackupCode(store: Store, email: string, tenantId: string | null, typed: string): Promise<boolean> {
  const normal = normalBackupCode(typed);
  if (!normal) return false;
  const r = await consoleDb(store)
    .updateTable('console_backup_codes')
    .set({ used_at: Date.now() })
    .where('code_hash', '=', hashOf(normal))
    .where('email', '=', email)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return false;
  const left = await backupCodesLeft(store, email);
  await store.appendEvent({ tenantId, messageId: null, actor: email, type: 'console.backup_code_used', data: { left } });
  return true;
}

/** How many of `email`'s codes are still unused. */
export async function backupCodesLeft(store: Store, email: string): Promise<number> {
  const r = await consoleDb(store)
    .selectFrom('console_backup_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('email', '=', email)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
