// Core schema migrations (tenants, users, messages, the audit trail…), one source for SQLite and
// PostgreSQL (see ddl.ts). Append new versions; never edit an applied one.
import type { MigrationSource } from './ddl.ts';

export const coreMigrations: MigrationSource[] = [
  {
    id: 'core-0001',
    sql: (t) => [
      `CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, settings TEXT NOT NULL DEFAULT '{}', ` +
        `created_at ${t.int64} NOT NULL)`,
      `CREATE TABLE domains (domain TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), inbound_route TEXT, ` +
        `created_at ${t.int64} NOT NULL)`,
      `CREATE INDEX domains_tenant ON domains(tenant_id)`,
      `CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), email TEXT NOT NULL UNIQUE, ` +
        `password_hash TEXT, role TEXT NOT NULL, approver_email TEXT, language TEXT NOT NULL DEFAULT 'ja', ` +
        `created_at ${t.int64} NOT NULL)`,
      `CREATE INDEX users_tenant ON users(tenant_id)`,
      `CREATE TABLE policies (id ${t.serialKey}, tenant_id TEXT NOT NULL REFERENCES tenants(id), yaml TEXT NOT NULL, ` +
        `created_at ${t.int64} NOT NULL, created_by TEXT NOT NULL)`,
      `CREATE INDEX policies_tenant ON policies(tenant_id, id)`,
      `CREATE TABLE messages (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), direction TEXT NOT NULL, ` +
        `state TEXT NOT NULL, due_at ${t.int64}, created_at ${t.int64} NOT NULL, updated_at ${t.int64} NOT NULL, ` +
        `mail_from TEXT NOT NULL, recipients TEXT NOT NULL, header_from TEXT NOT NULL, subject TEXT NOT NULL, message_id TEXT, ` +
        `size INTEGER NOT NULL, facts TEXT NOT NULL, plan TEXT, submitted_by TEXT, attempts INTEGER NOT NULL DEFAULT 0, ` +
        `first_attempt_at ${t.int64}, last_error TEXT, locked_by TEXT, locked_until ${t.int64})`,
      `CREATE INDEX messages_due ON messages(due_at) WHERE due_at IS NOT NULL`,
      `CREATE INDEX messages_tenant_created ON messages(tenant_id, created_at)`,
      `CREATE INDEX messages_tenant_state ON messages(tenant_id, state)`,
      `CREATE TABLE bodies (message_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, data ${t.blob} NOT NULL)`,
      `CREATE TABLE recipients (message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, address TEXT NOT NULL, ` +
        `state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_response TEXT, updated_at ${t.int64} NOT NULL, ` +
        `PRIMARY KEY (message_id, address))`,
      `CREATE TABLE events (id ${t.serialKey}, tenant_id TEXT, message_id TEXT, at ${t.int64} NOT NULL, actor TEXT NOT NULL, ` +
        `type TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}')`,
      `CREATE INDEX events_message ON events(message_id, id)`,
      `CREATE INDEX events_tenant ON events(tenant_id, id)`,
      // The audit trail is append-only: no interface may edit it, and the database refuses too.
      ...t.pick({
        sqlite: [`CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`],
        postgres: [
          `CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS ` +
            `$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$`,
          `CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()`,
        ],
      }),
      `CREATE TABLE dkim_keys (domain TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), selector TEXT NOT NULL, ` +
        `private_key TEXT NOT NULL, public_key TEXT NOT NULL, created_at ${t.int64} NOT NULL)`,
      `CREATE TABLE contacts (tenant_id TEXT NOT NULL, domain TEXT NOT NULL, count INTEGER NOT NULL, first_at ${t.int64} NOT NULL, ` +
        `last_at ${t.int64} NOT NULL, PRIMARY KEY (tenant_id, domain))`,
    ],
  },
  {
    // Failed logins counted in the database, so that every process and node counts the same ones
    id: 'core-0002',
    sql: (t) => [
      `CREATE TABLE auth_failures (id ${t.serialKey}, key TEXT NOT NULL, at ${t.int64} NOT NULL)`,
      `CREATE INDEX auth_failures_key ON auth_failures(key, at)`,
    ],
  },
  {
    // Identity: where each account logged in from (its login back-off spares those addresses),
    // and the addresses a user may send as besides their own (delegation, shared mailboxes).
    id: 'core-0003-identity',
    sql: (t) => [
      `CREATE TABLE login_addresses (account TEXT NOT NULL, address TEXT NOT NULL, last_ok_at ${t.int64} NOT NULL,
        PRIMARY KEY (account, address))`,
      `CREATE TABLE user_send_as (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, address TEXT NOT NULL,
        created_at ${t.int64} NOT NULL, PRIMARY KEY (user_id, address))`,
    ],
  },
  {
    // The audit trail refuses DELETE (and, on PostgreSQL, TRUNCATE) too. Only the retention path
    // (src/store/audit-retention.ts) gets through. SQLite: it sets the one row of audit_control
    // inside its own transaction (SQLite has one writer, so no other connection ever sees the flag
    // set) and clears it before committing. PostgreSQL: it sets sekisho.audit_purge for its own
    // transaction only (set_config(…, true), like SET LOCAL), which no other session sees.
    id: 'core-0004-audit-append-only',
    sql: (t) =>
      t.pick({
        sqlite: [
          `CREATE TABLE audit_control (id INTEGER PRIMARY KEY CHECK (id = 1), purge_allowed INTEGER NOT NULL DEFAULT 0)`,
          `INSERT INTO audit_control (id, purge_allowed) VALUES (1, 0)`,
          `CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN (SELECT purge_allowed FROM audit_control WHERE id = 1) IS NOT 1 ` +
            `BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`,
        ],
        postgres: [
          `CREATE FUNCTION events_no_delete() RETURNS trigger LANGUAGE plpgsql AS ` +
            `$$ BEGIN IF current_setting('sekisho.audit_purge', true) = 'on' THEN RETURN OLD; END IF; ` +
            `RAISE EXCEPTION 'audit events are append-only'; END $$`,
          `CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_no_delete()`,
          `CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()`,
        ],
      }),
  },
  {
    // The secrets keys that have sealed values in this database (src/store/reseal-secrets.ts): a node
    // whose key file lacks the newest one refuses to start instead of failing on every secret.
    id: 'core-0005-secret-keys',
    sql: (t) => [`CREATE TABLE secret_keys (key_id TEXT PRIMARY KEY, registered_at ${t.int64} NOT NULL, resealed_at ${t.int64})`],
  },
  {
    // Retention (src/retention): a message whose body the retention job removed says so and when
    // (screens tell the reader instead of showing nothing), and named jobs that one node at a time
    // runs hold a lease row here (the holder, until when, and when the job last finished).
    id: 'core-0006-retention',
    sql: (t) => [
      `ALTER TABLE messages ADD COLUMN body_purged_at ${t.int64}`,
      `CREATE TABLE job_leases (name TEXT PRIMARY KEY, holder TEXT, until ${t.int64} NOT NULL DEFAULT 0, last_run_at ${t.int64})`,
    ],
  },
  {
    // People and tenants over their lifetime (src/users/people.ts): a disabled user or tenant
    // keeps its rows, mail and audit trail but cannot log in or exchange mail; a user's name and
    // department are shown to admins (氏名, 部署).
    id: 'core-0007-people',
    sql: (t) => [
      `ALTER TABLE users ADD COLUMN disabled_at ${t.int64}`,
      `ALTER TABLE users ADD COLUMN name TEXT`,
      `ALTER TABLE users ADD COLUMN department TEXT`,
      `ALTER TABLE tenants ADD COLUMN disabled_at ${t.int64}`,
    ],
  },
  {
    // Send limits (src/accept/send-limits.ts): messages and recipients submitted per scope (a user
    // or a tenant) per clock hour, counted in the message's own transaction so every process and
    // node sees the same numbers; noticed_at marks the hour's one notice to the tenant's admins.
    id: 'core-0008-send-counts',
    sql: (t) => [
      `CREATE TABLE send_counts (scope TEXT NOT NULL, hour ${t.int64} NOT NULL, messages INTEGER NOT NULL, ` +
        `recipients INTEGER NOT NULL, noticed_at ${t.int64}, PRIMARY KEY (scope, hour))`,
      `CREATE INDEX send_counts_hour ON send_counts(hour)`,
    ],
  },
  {
    // Two-factor backup codes (src/console/session/backup-codes.ts): ten single-use codes per person,
    // kept only as SHA-256 hashes; a used code keeps its row with used_at so it cannot work twice.
    id: 'core-0009-backup-codes',
    sql: (t) => [
      `CREATE TABLE console_backup_codes (code_hash TEXT PRIMARY KEY, email TEXT NOT NULL, created_at ${t.int64} NOT NULL, ` +
        `used_at ${t.int64})`,
      `CREATE INDEX console_backup_codes_email ON console_backup_codes(email)`,
    ],
  },
  {
    // The console's users page (src/users/people.ts pageUsers): keyset paging in address order
    // within a tenant, so a page of 10,000 users costs what the first page does.
    id: 'core-0010-users-page',
    sql: () => [`CREATE INDEX users_tenant_email ON users(tenant_id, email)`],
  },
  {
    // Webhooks (src/webhooks): per tenant, a URL, the events it wants (",held,approved," — the
    // enqueue's LIKE needs no JSON), its signing secret sealed like the other secrets, and whether
    // it is on. A delivery row per event and webhook, written in the audit event's own transaction;
    // next_attempt_at null = finished (state delivered or failed); finished ones go after 30 days.
    id: 'core-0011-webhooks',
    sql: (t) => [
      `CREATE TABLE webhooks (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), url TEXT NOT NULL, ` +
        `events TEXT NOT NULL, secret TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, created_at ${t.int64} NOT NULL, ` +
        `created_by TEXT NOT NULL)`,
      `CREATE INDEX webhooks_tenant ON webhooks(tenant_id)`,
      `CREATE TABLE webhook_deliveries (id ${t.serialKey}, webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE, ` +
        `tenant_id TEXT NOT NULL, event_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, ` +
        `attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at ${t.int64}, created_at ${t.int64} NOT NULL, last_attempt_at ${t.int64}, ` +
        `last_status INTEGER, last_error TEXT)`,
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL`,
      `CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id)`,
      `CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at)`,
    ],
  },
  {
    // Password-reset links an admin issues (src/users/password-reset.ts): the token only as its
    // SHA-256, 24 hours, single use (used_at set once), one open link per person.
    id: 'core-0012-password-resets',
    sql: (t) => [
      `CREATE TABLE console_password_resets (token_hash TEXT PRIMARY KEY, email TEXT NOT NULL, created_by TEXT NOT NULL, ` +
        `created_at ${t.int64} NOT NULL, expires_at ${t.int64} NOT NULL, used_at ${t.int64})`,
      `CREATE INDEX console_password_resets_email ON console_password_resets(email)`,
    ],
  },
  {
    // Per-user sending settings an admin sets on the users page (src/users/send-settings.ts): the
    // user's hold minutes (null = as the policy says) and whether confirmation stages are skipped for
    // their mail (confirm_off = 1). The policy engine reads them with the sender (src/policy/evaluate.ts).
    id: 'core-0013-user-settings',
    sql: () => [`ALTER TABLE users ADD COLUMN hold_minutes INTEGER`, `ALTER TABLE users ADD COLUMN confirm_off INTEGER NOT NULL DEFAULT 0`],
  },
  {
    // A body in parts of at most 1 MiB (src/store/message-body.ts): the first stays in `bodies`,
    // which says how many there are; the rest are rows here. One statement of 50 MB held the event
    // loop for ~100 ms; a part takes ~2 ms. Bodies written before are one part.
    id: 'core-0014-body-parts',
    sql: (t) => [
      `ALTER TABLE bodies ADD COLUMN parts INTEGER NOT NULL DEFAULT 1`,
      `CREATE TABLE body_parts (message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE, seq INTEGER NOT NULL, ` +
        `data ${t.blob} NOT NULL, PRIMARY KEY (message_id, seq))`,
    ],
  },
];
