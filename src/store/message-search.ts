// Message search in SQL, the same on SQLite and PostgreSQL: the filters of the console's メール検索
// (sender, recipient, subject, dates, state, rule, direction) within a scope (a tenant, and for a
// user only their own mail), Sekisho's own notices left out unless asked for, newest first by
// keyset, and how many match in all. The caller (src/console/api/scoped-store.ts) decides the scope.
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema/schema.ts';
import { decodeMessage, type Message } from './message.ts';
import type { MessageState } from './schema/message-state.ts';
import { columnContains } from './like.ts';

/** Who submitted Sekisho's own mail (notices, digests, DSNs): src/queue/system-mail.ts, src/inbound/digest.ts. */
export const SYSTEM_SUBMITTER = 'system';

export interface MessageSearch {
  sender?: string;
  recipient?: string;
  subject?: string;
  /** epoch ms, inclusive */
  from?: number;
  /** epoch ms, exclusive */
  to?: number;
  state?: MessageState;
  rule?: string;
  direction?: 'outbound' | 'inbound';
  /** include Sekisho's own notices (left out by default) */
  notices?: boolean;
  /** keyset cursor: ids strictly lower than this (ids sort by time) */
  before?: string;
  limit?: number;
}

export interface MessageScope {
  tenantId: string;
  /** a user's own mail only: submitted by them, or outbound with them as envelope sender */
  ownMailOf?: string;
}

export interface MessagePage {
  items: Message[];
  next: string | null;
  /** how many match the filters in all (every page) */
  total: number;
}

function matching(db: Kysely<DB>, scope: MessageScope, s: MessageSearch) {
  let q = db.selectFrom('messages').where('messages.tenant_id', '=', scope.tenantId);
  const me = scope.ownMailOf;
  if (me !== undefined)
    q = q.where((eb) =>
      eb.or([eb('messages.submitted_by', '=', me), eb.and([eb('messages.direction', '=', 'outbound'), eb('messages.mail_from', '=', me)])]),
    );
  if (!s.notices)
    q = q.where((eb) => eb.or([eb('messages.submitted_by', 'is', null), eb('messages.submitted_by', '!=', SYSTEM_SUBMITTER)]));
  if (s.sender)
    q = q.where((eb) => eb.or([columnContains('messages.mail_from', s.sender!), columnContains('messages.header_from', s.sender!)]));
  if (s.recipient) q = q.where(columnContains('messages.recipients', s.recipient));
  if (s.subject) q = q.where(columnContains('messages.subject', s.subject));
  if (s.from !== undefined) q = q.where('messages.created_at', '>=', s.from);
  if (s.to !== undefined) q = q.where('messages.created_at', '<', s.to);
  if (s.state) q = q.where('messages.state', '=', s.state);
  if (s.direction) q = q.where('messages.direction', '=', s.direction);
  if (s.rule) {
    const rule = s.rule;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('events')
          .select('events.id')
          .whereRef('events.message_id', '=', 'messages.id')
          .where('events.type', 'in', ['policy.matched', 'policy.would'])
          .where(columnContains('events.data', JSON.stringify(rule))),
      ),
    );
  }
  return q;
}

/** One page, newest first; `next` is the cursor for the following page; `total` counts every page. */
export async function searchMessageRows(db: Kysely<DB>, scope: MessageScope, s: MessageSearch): Promise<MessagePage> {
  const limit = Math.min(Math.max(s.limit ?? 50, 1), 200);
  let page = matching(db, scope, s).selectAll('messages');
  if (s.before) page = page.where('messages.id', '<', s.before);
  const [rows, counted] = await Promise.all([
    page
      .orderBy('messages.id', 'desc')
      .limit(limit + 1)
      .execute(),
    matching(db, scope, s).select(sql<number | string>`count(*)`.as('n')).executeTakeFirst(),
  ]);
  const items = rows.slice(0, limit).map(decodeMessage);
  return { items, next: rows.length > limit ? items[items.length - 1]!.id : null, total: Number(counted?.n ?? 0) };
}
