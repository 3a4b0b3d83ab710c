// Every audit event type Sekisho writes, each in exactly one group (the audit screen's filter:
// 送信ブロック, 保留・承認, 添付ファイル, ログイン, ポリシー変更, 隔離, 設定, and 配送・処理 for the
// mail flow itself). EventInput.type is `AuditEventType`, so an event type not in this table does
// not compile; test/audit/event-groups.test.ts also scans src/ for the literals.
export const AUDIT_GROUPS = ['blocked', 'held', 'attachments', 'login', 'policy', 'quarantine', 'settings', 'mail'] as const;
export type AuditGroup = (typeof AUDIT_GROUPS)[number];

export const AUDIT_EVENT_GROUPS = {
  // 送信ブロック: mail refused before it was stored
  'policy.blocked': 'blocked',
  'send.limited': 'blocked',
  // 保留・承認: holds, confirmations and approvals of outbound mail and their outcomes
  held: 'held',
  awaiting_approval: 'held',
  awaiting_confirmation: 'held',
  approved: 'held',
  rejected: 'held',
  confirmed: 'held',
  released: 'held',
  cancelled: 'held',
  discarded: 'held',
  'approve.no-approvers': 'held',
  'hold.ended': 'held',
  'confirm.timeout': 'held',
  'approve.timeout': 'held',
  // 添付ファイル: ZIP encryption, web download links and who fetched them
  'attachments.stored': 'attachments',
  'attachments.zipped': 'attachments',
  'attachments.zip.skipped': 'attachments',
  'attachments.password.skipped': 'attachments',
  'attachments.download.skipped': 'attachments',
  download: 'attachments',
  'download.expiry': 'attachments',
  'download.passcode.verified': 'attachments',
  'download.purged': 'attachments',
  'download.withdrawn': 'attachments',
  // ログイン: console logins, failures, 2FA and API tokens
  'console.login': 'login',
  'console.login_failed': 'login',
  'console.totp_enabled': 'login',
  'console.backup_codes_issued': 'login',
  'console.backup_code_used': 'login',
  'console.token_created': 'login',
  'console.token_revoked': 'login',
  // ポリシー変更
  'policy.applied': 'policy',
  'policy.restored': 'policy',
  // 隔離: inbound verdicts, quarantine and its digest
  'inbound.verdict': 'quarantine',
  'inbound.sandbox': 'quarantine',
  held_for_sandbox: 'quarantine',
  quarantined: 'quarantine',
  'quarantine.released': 'quarantine',
  'quarantine.deleted': 'quarantine',
  'quarantine.purged': 'quarantine',
  'quarantine.digest': 'quarantine',
  // 設定: tenants, users, domains, keys, operators, retention
  'tenant.created': 'settings',
  'tenant.deleted': 'settings',
  'user.created': 'settings',
  'user.updated': 'settings',
  'user.password_set': 'settings',
  'user.password_reset_link': 'settings',
  'user.send_as_set': 'settings',
  'domain.route_set': 'settings',
  'inbound.settings': 'settings',
  'dkim.key_created': 'settings',
  'console.operator_added': 'settings',
  'audit.purged': 'settings',
  // 配送・処理: acceptance, the rules that matched, delivery, notices
  accepted: 'mail',
  'policy.matched': 'mail',
  'policy.would': 'mail',
  'addBcc.added': 'mail',
  delivered: 'mail',
  deferred: 'mail',
  bounced: 'mail',
  deleted: 'mail',
  'retry.requested': 'mail',
  'dsn.suppressed': 'mail',
  'duplicate.suppressed': 'mail',
  'notice.created': 'mail',
  'notice.sent': 'mail',
  'stage.missing': 'mail',
  // added with user/tenant lifecycle, retention, release requests and the message view
  'attachment.viewed': 'attachments',
  'console.login_refused': 'login',
  'user.password_change_failed': 'login',
  'domain.added': 'settings',
  'domain.removed': 'settings',
  'quarantine.release_requested': 'quarantine',
  'quarantine.request_released': 'quarantine',
  'quarantine.request_refused': 'quarantine',
  'retention.bodies_purged': 'settings',
  'retention.messages_purged': 'settings',
  'tenant.disabled': 'settings',
  'tenant.enabled': 'settings',
  'tenant.profile': 'settings',
  'tenant.retention': 'settings',
  'tenant.send_limits': 'settings',
  'user.deleted': 'settings',
  'user.disabled': 'settings',
  'user.enabled': 'settings',
  'user.two_factor_reset': 'settings',
  'webhook.created': 'settings',
  'webhook.deleted': 'settings',
  'webhook.disabled': 'settings',
  'webhook.enabled': 'settings',
  'webhook.tested': 'settings',
} as const satisfies Record<string, AuditGroup>;

export type AuditEventType = keyof typeof AUDIT_EVENT_GROUPS;
export const AUDIT_EVENT_TYPES = Object.keys(AUDIT_EVENT_GROUPS) as AuditEventType[];

export function isAuditGroup(s: string): s is AuditGroup {
  return (AUDIT_GROUPS as readonly string[]).includes(s);
}

/** The group of a stored event's type; events written by an older version may have none. */
export function groupOf(type: string): AuditGroup | null {
  return (AUDIT_EVENT_GROUPS as Record<string, AuditGroup>)[type] ?? null;
}

/** The event types of a group (the audit filter's `type IN (…)`). */
export function typesOf(group: AuditGroup): AuditEventType[] {
  return AUDIT_EVENT_TYPES.filter((t) => AUDIT_EVENT_GROUPS[t] === group);
}
