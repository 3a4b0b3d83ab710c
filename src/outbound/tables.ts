// Table shapes of the outbound area (migrations: src/store/migrations/outbound.ts),
// used through store.db.withTables<OutboundTables>(). Times are epoch milliseconds.

/**
 * One row per link put into a notice (/h/, /c/, /a/ pages). Only the SHA-256 of the token is
 * stored, so a database dump does not hand out working links. `actor` is who the link speaks
 * for: the sender for /h/ and /c/, one approver for /a/ (each approver gets their own link).
 */
export type OutboundLinkTable = {
  token_hash: string;
  tenant_id: string;
  message_id: string;
  kind: 'h' | 'c' | 'a';
  stage: number;
  actor: string;
  created_at: number;
};

export type OutboundTables = {
  outbound_links: OutboundLinkTable;
};
