// Kysely shapes of the console's own tables (migrations: src/store/migrations/console.ts), kept
// with the users because changing a user ends their sessions and tokens here (people.ts) and the
// console's session code builds on the users. Operators are people who administer every tenant;
// they are not rows of `users` (which always belong to one tenant) but of console_operators,
// created with `sekisho operator add`.
import type { Store } from '../store/store.ts';

export type ConsoleTables = {
  console_operators: { email: string; password_hash: string; created_at: number };
  console_sessions: { token_hash: string; email: string; csrf: string; created_at: number; expires_at: number };
  console_api_tokens: { token_hash: string; email: string; name: string; created_at: number; last_used_at: number | null };
  console_totp: { email: string; secret: string; enabled: number; last_step: number; created_at: number };
  /** two-factor backup codes (src/console/session/backup-codes.ts): SHA-256 only; used_at set once */
  console_backup_codes: { code_hash: string; email: string; created_at: number; used_at: number | null };
  /** admin-issued password-reset links (src/users/password-reset.ts): SHA-256 only; used_at set once */
  console_password_resets: {
    token_hash: string;
    email: string;
    created_by: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
};

/** The store's database with the console's tables. */
export const consoleDb = (store: Store) => store.db.withTables<ConsoleTables>();
