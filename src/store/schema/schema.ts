// Table shapes shared by the SQLite and PostgreSQL stores (Kysely's type view of the database).
// Times are integer milliseconds since the epoch; JSON columns are text in both databases so the
// two implementations stay mirror images.
import type { ColumnType, Generated } from 'kysely';
import type { MessageState } from './message-state.ts';

type Json = string;

export interface TenantTable {
  id: string;
  name: string;
  settings: Json;
  created_at: number;
  /** when the tenant was disabled (no SMTP AUTH, no inbound, no console); null = active */
  disabled_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface DomainTable {
  domain: string;
  tenant_id: string;
  /** smtp://host:port of the tenant's own mail server for inbound mail */
  inbound_route: string | null;
  created_at: number;
}

export interface UserTable {
  id: string;
  tenant_id: string;
  email: string;
  password_hash: string | null;
  role: 'admin' | 'approver' | 'user';
  approver_email: string | null;
  language: 'ja' | 'en';
  created_at: number;
  /** when the user was disabled (SMTP AUTH 535, no console login); null = active */
  disabled_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** 氏名 and 部署 as admins know them; null = not given */
  name: ColumnType<string | null, string | null | undefined, string | null>;
  department: ColumnType<string | null, string | null | undefined, string | null>;
  /** the user's own hold minutes for their mail (users page); null = as the policy says */
  hold_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1 = confirmation stages are skipped for their mail (users page, 送信確認 off) */
  confirm_off: ColumnType<number, number | undefined, number>;
}

export interface PolicyTable {
  id: Generated<number>;
  tenant_id: string;
  yaml: string;
  created_at: number;
  created_by: string;
}

export interface MessageTable {
  id: string;
  tenant_id: string;
  direction: 'outbound' | 'inbound';
  state: MessageState;
  /** when a worker must next look at this message; null when only a person can move it on */
  due_at: number | null;
  created_at: number;
  updated_at: number;
  mail_from: string;
  /** JSON array of envelope recipients */
  recipients: Json;
  header_from: string;
  subject: string;
  message_id: string | null;
  size: number;
  /** JSON MessageFacts (decoded headers, attachment names…) for audit, search and policy replay */
  facts: Json;
  /** JSON: policy plan and per-message processing state */
  plan: Json | null;
  /** the authenticated user (or trusted network) that submitted it */
  submitted_by: string | null;
  attempts: number;
  first_attempt_at: number | null;
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  /** SHA-256 of tenant, envelope and received bytes, for messages with a Message-ID (resends) */
  digest: string | null;
  /** when the retention job removed its body (and attachments); null while it is kept */
  body_purged_at: number | null;
}

/** A message's body: its first part, and how many parts it has (the rest are in body_parts). */
export interface BodyTable {
  message_id: string;
  data: Buffer;
  parts: Generated<number>;
}

/** The second and later parts of a body (seq 1, 2, …); see src/store/message-body.ts. */
export interface BodyPartTable {
  message_id: string;
  seq: number;
  data: Buffer;
}

export interface RecipientTable {
  message_id: string;
  address: string;
  /** released: this recipient's copy left quarantine as a message of its own (inbound self-release) */
  state: 'pending' | 'delivered' | 'failed' | 'released';
  attempts: number;
  last_response: string | null;
  updated_at: number;
}

export interface EventTable {
  id: Generated<number>;
  tenant_id: string | null;
  message_id: string | null;
  at: number;
  actor: string;
  type: string;
  data: Json;
}

export interface DkimKeyTable {
  domain: string;
  tenant_id: string;
  selector: string;
  private_key: string;
  public_key: string;
  created_at: number;
}

/** failed logins (SMTP AUTH, console), one row per failure, counted per key within a window */
export interface AuthFailureTable {
  id: Generated<number>;
  /** what was attacked: 'smtp-ip:<address>', console 'ip:<address>', 'acct:<email>' (from unknown
   *  addresses), 'acct-at:<email>|<address>' (from an address the account logged in from) */
  key: string;
  at: number;
}

/** addresses (client keys, see util/cidr.ts) an account logged in from successfully */
export interface LoginAddressTable {
  account: string;
  address: string;
  last_ok_at: number;
}

/** addresses a user may send as besides their own (delegation, a shared mailbox) */
export interface UserSendAsTable {
  user_id: string;
  address: string;
  created_at: number;
}

export interface ContactTable {
  tenant_id: string;
  domain: string;
  count: ColumnType<number, number, number>;
  first_at: number;
  last_at: number;
}

/** a job that one node at a time runs (src/retention/job-lease.ts) */
export interface JobLeaseTable {
  name: string;
  holder: string | null;
  until: number;
  last_run_at: number | null;
}

/** messages and recipients submitted per user or tenant per clock hour (src/accept/send-limits.ts) */
export interface SendCountTable {
  /** `user:<email>` or `tenant:<id>` */
  scope: string;
  /** the hour's number since the epoch (ms / 3,600,000, floored) */
  hour: number;
  messages: number;
  recipients: number;
  /** when the tenant's admins were told this hour's limit was reached; null = not yet */
  noticed_at: number | null;
}

/** a tenant's webhook (src/webhooks): where its events are POSTed, signed with `secret` (sealed) */
export interface WebhookTable {
  id: string;
  tenant_id: string;
  url: string;
  /** the event names it wants, comma-separated with a comma at each end: ",held,released," */
  events: string;
  /** the signing secret, sealed (src/secrets) */
  secret: string;
  /** 1 = on, 0 = disabled (gets no new events) */
  enabled: number;
  created_at: number;
  created_by: string;
}

/** one event to send to one webhook, until delivered or given up (src/webhooks/sender.ts) */
export interface WebhookDeliveryTable {
  id: Generated<number>;
  webhook_id: string;
  tenant_id: string;
  /** the event's id in the payload (the same for every webhook of the tenant) */
  event_id: string;
  event_type: string;
  /** the JSON body, exactly the bytes signed and sent */
  payload: Json;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** when to try next; null once delivered or failed */
  next_attempt_at: number | null;
  created_at: number;
  last_attempt_at: number | null;
  /** the receiver's HTTP status of the last attempt; null = no answer (see last_error) */
  last_status: number | null;
  last_error: string | null;
}

export interface DB {
  tenants: TenantTable;
  domains: DomainTable;
  users: UserTable;
  policies: PolicyTable;
  messages: MessageTable;
  bodies: BodyTable;
  body_parts: BodyPartTable;
  recipients: RecipientTable;
  events: EventTable;
  dkim_keys: DkimKeyTable;
  contacts: ContactTable;
  auth_failures: AuthFailureTable;
  login_addresses: LoginAddressTable;
  user_send_as: UserSendAsTable;
  job_leases: JobLeaseTable;
  send_counts: SendCountTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
}
