// Console tables for PostgreSQL; the mirror image of ../sqlite/console-migrations.ts.
// Ids are 'console-NNNN'; append new entries, never edit an applied one. Shapes: src/console/tables.ts.
import type { Migration } from '../dialect.ts';

export const consoleMigrations: Migration[] = [
  {
    id: 'console-0001',
    sql: [
      `CREATE TABLE console_operators (email TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)`,
      `CREATE TABLE console_sessions (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, csrf TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
      `CREATE INDEX console_sessions_email ON console_sessions(email)`,
      `CREATE TABLE console_api_tokens (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, created_at BIGINT NOT NULL, last_used_at BIGINT)`,
      `CREATE TABLE console_totp (email TEXT PRIMARY KEY, secret TEXT NOT NULL, enabled INTEGER NOT NULL, last_step BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL)`,
      `CREATE TABLE console_login_failures (id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL, at BIGINT NOT NULL)`,
      `CREATE INDEX console_login_failures_key ON console_login_failures(key, at)`,
      `CREATE INDEX console_messages_tenant_id ON messages(tenant_id, id)`,
      `CREATE INDEX console_messages_tenant_submitter ON messages(tenant_id, submitted_by, id)`,
      `CREATE INDEX console_events_tenant_at ON events(tenant_id, at)`,
    ],
  },
  {
    // Console login failures join SMTP AUTH's in the core auth_failures table (same keys).
    id: 'console-0002',
    sql: [`INSERT INTO auth_failures (key, at) SELECT key, at FROM console_login_failures`, `DROP TABLE console_login_failures`],
  },
];
