// Console tables, one source for SQLite and PostgreSQL (see ddl.ts). Ids are 'console-NNNN'; append
// new entries, never edit an applied one. Shapes: src/users/console-tables.ts.
// Sessions and API tokens are stored only as SHA-256 hashes of the secret the browser/script holds.
import type { MigrationSource } from './ddl.ts';

export const consoleMigrations: MigrationSource[] = [
  {
    id: 'console-0001',
    sql: (t) => [
      `CREATE TABLE console_operators (email TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at ${t.int64} NOT NULL)`,
      `CREATE TABLE console_sessions (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, ` +
        `created_at ${t.int64} NOT NULL, expires_at ${t.int64} NOT NULL)`,
      `CREATE INDEX console_sessions_email ON console_sessions(email)`,
      `CREATE TABLE console_api_tokens (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, ` +
        `created_at ${t.int64} NOT NULL, last_used_at ${t.int64})`,
      `CREATE TABLE console_totp (email TEXT PRIMARY KEY, secret TEXT NOT NULL, enabled INTEGER NOT NULL, ` +
        `last_step ${t.int64} NOT NULL DEFAULT 0, created_at ${t.int64} NOT NULL)`,
      `CREATE TABLE console_login_failures (id ${t.serialKey}, key TEXT NOT NULL, at ${t.int64} NOT NULL)`,
      `CREATE INDEX console_login_failures_key ON console_login_failures(key, at)`,
      // keyset pagination of message search: newest first within a tenant, and a user's own mail
      `CREATE INDEX console_messages_tenant_id ON messages(tenant_id, id)`,
      `CREATE INDEX console_messages_tenant_submitter ON messages(tenant_id, submitted_by, id)`,
      `CREATE INDEX console_events_tenant_at ON events(tenant_id, at)`,
    ],
  },
  {
    // Console login failures join SMTP AUTH's in the core auth_failures table (same keys).
    id: 'console-0002',
    sql: () => [`INSERT INTO auth_failures (key, at) SELECT key, at FROM console_login_failures`, `DROP TABLE console_login_failures`],
  },
];
