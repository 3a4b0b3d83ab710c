// Who may send as whom. An authenticated user sends as their own address, and as the addresses
// delegated to them (`sekisho user set A --may-send-as B,C`, PUT /api/users/A {maySendAs}); a
// shared mailbox (info@, sales@) is an address delegated to every user who answers for it.
// Delegations are kept in user_send_as, in the user's tenant's domains only; the CLI and the API
// change them through changeUserAndSendAs (users/people.ts: checkSendAs, then writeSendAs in one
// transaction with the user's other fields), and the accept stage reads them (mayUseAddress).
import type { Store, StoreWriter } from '../store/store.ts';
import { domainOf, EMAIL_RE } from '../util/address.ts';
import { ServiceError } from '../util/service-error.ts';

/** The addresses a user may send as besides their own, sorted. */
export async function sendAsAddresses(store: Store, userId: string): Promise<string[]> {
  const rows = await store.db.selectFrom('user_send_as').select('address').where('user_id', '=', userId).orderBy('address').execute();
  return rows.map((r) => r.address);
}

/** Does this user's own address or a delegation cover `address`? */
export async function mayUseAddress(store: Store, user: { id: string; email: string }, address: string): Promise<boolean> {
  const a = address.toLowerCase();
  if (a === user.email.toLowerCase()) return true;
  const row = await store.db
    .selectFrom('user_send_as')
    .select('address')
    .where('user_id', '=', user.id)
    .where('address', '=', a)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The delegations `addresses` asks for (empty = none), checked: each must be an address in a domain
 * of the user's tenant and not the user's own; otherwise a ServiceError (bad_request) names the first
 * bad one. Nothing is written: writeSendAs does that, in the caller's transaction.
 */
export async function checkSendAs(store: Store, user: { email: string; tenant_id: string }, addresses: string[]): Promise<string[]> {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))].sort();
  for (const a of wanted) {
    if (!EMAIL_RE.test(a)) throw new ServiceError('bad_request', `"${a}" is not an email address`);
    if (a === user.email) throw new ServiceError('bad_request', `${a} is the user's own address (always allowed)`);
    const owner = await store.findDomain(domainOf(a));
    if (!owner || owner.tenant_id !== user.tenant_id) throw new ServiceError('bad_request', `${a} is not in a domain of the user's tenant`);
  }
  return wanted;
}

/** Replaces the user's delegations with checked ones (checkSendAs), audited as user.send_as_set. */
export async function writeSendAs(
  w: StoreWriter,
  user: { id: string; email: string; tenant_id: string },
  wanted: string[],
  actor: string,
): Promise<void> {
  const now = Date.now();
  await w.db.deleteFrom('user_send_as').where('user_id', '=', user.id).execute();
  for (const address of wanted) await w.db.insertInto('user_send_as').values({ user_id: user.id, address, created_at: now }).execute();
  await w.audit({
    tenantId: user.tenant_id,
    messageId: null,
    actor,
    type: 'user.send_as_set',
    data: { email: user.email, maySendAs: wanted },
  });
}
