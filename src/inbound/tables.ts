// The inbound area's own tables (migrations in src/store/migrations/inbound.ts),
// used through store.db.withTables<InboundTables>(). Times are epoch milliseconds; JSON is text.

export interface InboundSettingsTable {
  tenant_id: string;
  /** recipients may release their own quarantined mail (from the digest's links) */
  self_release: number;
  /** quarantined mail is purged this many days after it arrived */
  retention_days: number;
  /** JSON [{ name, email }]: the tenant's staff, for display-name impersonation checks */
  staff: string;
  /** JSON [string]: executives' names (CEO fraud is scored higher) */
  executives: string;
  /** JSON [{ brand, names, domains }]: brands the admin added to the built-in list */
  brands: string;
  /** send each recipient a digest of their quarantined mail every this many hours; 0 = off */
  digest_hours: number;
  last_digest_at: number | null;
  updated_at: number;
}

export interface QuarantineLinkTable {
  /** SHA-256 (hex) of the token in the link; the token itself is never stored */
  token_hash: string;
  tenant_id: string;
  message_id: string;
  /** the recipient the link was mailed to */
  recipient: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A recipient's request that an admin release mail only an admin may release; one per message and recipient. */
export interface QuarantineRequestTable {
  id: string;
  tenant_id: string;
  message_id: string;
  /** who asked (lower-case), and whose copy a release delivers */
  recipient: string;
  requested_at: number;
  state: 'pending' | 'released' | 'refused';
  /** the admin who released or refused it */
  decided_by: string | null;
  decided_at: number | null;
  /** the admin's words to the requester on refusal */
  note: string | null;
}

export type InboundTables = {
  inbound_settings: InboundSettingsTable;
  quarantine_links: QuarantineLinkTable;
  quarantine_requests: QuarantineRequestTable;
};
