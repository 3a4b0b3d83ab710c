// The accept stage between the SMTP listeners and the queue: who may send as whom (a user as
// their own address and their delegations, see users/send-as.ts; a trusted network as its
// tenant's domains — in MAIL FROM and every From, Sender, Resent-From and Resent-Sender), which
// recipients are ours, and durable storage of an accepted message (row, body, recipients, audit)
// before the listener may answer 250. Knows nothing of the SMTP protocol beyond SmtpError.
import type { Logger } from 'pino';
import type { Arrival, EventInput, Message, NewMessage, Store } from '../store/store.ts';
import { SmtpError } from '../smtp/smtp-error.ts';
import type { AuthedUser, ClientInfo, MessageAcceptor } from '../smtp/acceptance.ts';
import { verifyPassword } from '../util/password.ts';
import { newId } from '../util/id.ts';
import { domainOf } from '../util/address.ts';
import { parseMessage, type Envelope, type IdentityMailbox, type ParsedMessage } from '../mime/parse-facts.ts';
import { mayUseAddress } from '../users/send-as.ts';
import type { AcceptDecider, AcceptDecision, RefuseDecision, StoreDecision } from '../pipeline/pipeline.ts';
import { receivedHeader } from './received-header.ts';
import { submissionDigest } from './resubmission.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { QueueWorker } from '../queue/worker.ts';
import { STAGE_WAIT_STATES } from '../store/schema/message-state.ts';
import { countSubmission, type SendLimiter } from './send-limits.ts';
import { concatInTurns } from '../util/in-slices.ts';

export interface AcceptorDeps {
  store: Store;
  hostname: string;
  logger: Logger;
  metrics: Metrics;
  /** called after a commit so local workers pick the message up at once */
  onQueued: () => void;
  /** the local worker: a slot for a message due now, to commit it leased and hand it over */
  localWorker?: Pick<QueueWorker, 'reserve' | 'handOff' | 'cancel'>;
  /** consulted in order; the first decision wins; none = queue for delivery now */
  decideOutbound?: AcceptDecider[];
  decideInbound?: AcceptDecider[];
  /** a resend of a message accepted this recently (ms) is not queued again; 0 = off */
  duplicateWindowMs?: number;
  /** per user and per tenant send limits on submitted mail (send-limits.ts); none = unlimited */
  sendLimiter?: SendLimiter;
}

export class Acceptor implements MessageAcceptor {
  constructor(private readonly deps: AcceptorDeps) {}

  async authenticate(username: string, password: string): Promise<AuthedUser | null> {
    const user = await this.deps.store.userByEmail(username.trim());
    // unknown users cost the same scrypt (verifyPassword), so timing does not reveal who exists
    const ok = await verifyPassword(password, user?.password_hash);
    // a disabled user is refused like a wrong password (535), and only after the scrypt, the same time
    if (!user || !ok || user.disabled_at != null) return null;
    if (await this.deps.store.tenantDisabled(user.tenant_id)) {
      throw new SmtpError(535, '5.7.8', 'Authentication refused: this account’s organisation is disabled on this gateway');
    }
    return { id: user.id, email: user.email, tenantId: user.tenant_id, role: user.role };
  }

  /** Submission MAIL FROM: the tenant whose domain the sender uses, if this client may use it. */
  async submissionSenderTenant(client: ClientInfo, mailFrom: string): Promise<string> {
    if (!client.user && !client.trusted) throw new SmtpError(530, '5.7.0', 'Authentication required');
    const domain = domainOf(mailFrom);
    const owner = domain ? await this.deps.store.findDomain(domain) : undefined;
    if (client.user) {
      if (!owner || owner.tenant_id !== client.user.tenantId) {
        throw new SmtpError(553, '5.7.1', `Sender address rejected: ${client.user.email} may not send as <${mailFrom}>`);
      }
      if (!(await mayUseAddress(this.deps.store, client.user, mailFrom))) {
        throw new SmtpError(
          553,
          '5.7.1',
          `Sender address rejected: <${mailFrom}> is not ${client.user.email}'s address and is not delegated to it`,
        );
      }
      return client.user.tenantId;
    }
    if (!owner)
      throw new SmtpError(553, '5.7.1', `Sender address rejected: ${domain || 'the null sender'} is not a domain of this gateway`);
    await this.refuseDisabledTenant(owner.tenant_id, owner.domain);
    return owner.tenant_id;
  }

  /** Inbound RCPT TO: only addresses in tenants' domains; anything else would be relaying. */
  async inboundRecipientTenant(rcpt: string): Promise<string> {
    const owner = await this.deps.store.findDomain(domainOf(rcpt));
    if (!owner) throw new SmtpError(550, '5.7.1', `Relaying denied: <${rcpt}> is not in a domain this gateway serves`);
    await this.refuseDisabledTenant(owner.tenant_id, owner.domain);
    if (!owner.inbound_route) throw new SmtpError(451, '4.3.0', `No delivery route configured for ${owner.domain} yet; try again later`);
    return owner.tenant_id;
  }

  /** Mail of a disabled tenant (`sekisho tenant disable`) is refused, not kept: 550 5.7.1. */
  private async refuseDisabledTenant(tenantId: string, domain: string): Promise<void> {
    if (await this.deps.store.tenantDisabled(tenantId)) {
      throw new SmtpError(550, '5.7.1', `Mail for ${domain} is not accepted: its organisation is disabled on this gateway`);
    }
  }

  /**
   * Every mailbox of every From, Sender, Resent-From and Resent-Sender of submitted mail must be
   * one the sender may use — the user's own or delegated (users/send-as.ts); from a trusted
   * network, the tenant's — or recipients see a spoofed author.
   */
  private async checkHeaderFrom(client: ClientInfo, tenantId: string, identities: IdentityMailbox[], mailFrom: string): Promise<void> {
    // Bounces and notices have no From to check (null sender); everything else must be ours.
    for (const { header, address } of identities) {
      const label = header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
      if (!address) throw new SmtpError(550, '5.7.1', `${label}: has a name but no address`);
      // The usual case, the envelope sender's own address: MAIL FROM has just established that
      // this sender may use it (submissionSenderTenant), no need to ask again.
      if (address === mailFrom.toLowerCase()) continue;
      const domain = domainOf(address);
      const owner = domain === domainOf(mailFrom) ? { tenant_id: tenantId } : await this.deps.store.findDomain(domain);
      if (!owner || owner.tenant_id !== tenantId) {
        throw new SmtpError(550, '5.7.1', `${label}: <${address}> is not an address of your organisation`);
      }
      if (client.user && !(await mayUseAddress(this.deps.store, client.user, address))) {
        throw new SmtpError(550, '5.7.1', `${label}: <${address}> is not ${client.user.email}'s address and is not delegated to it`);
      }
    }
  }

  /** An SMTP transaction has begun: its message is on its way (see Store.expectMessage). */
  expectMessage(): Arrival {
    return this.deps.store.expectMessage();
  }

  async acceptSubmission(client: ClientInfo, envelope: Envelope, raw: Buffer, tenantId: string, arrival?: Arrival): Promise<string> {
    const parsed = await parseMessage(raw, envelope, 'outbound');
    // Unparseable mail would pass every check blind (no attachments, no From): refuse it whole.
    if (parsed.parseError) throw unparseableSubmission(parsed.parseError);
    await this.checkHeaderFrom(client, tenantId, parsed.identities, envelope.mailFrom);
    await this.deps.sendLimiter?.check(this.submissionOf(client, envelope, tenantId), client.remoteAddress);
    return this.store(client, envelope, raw, tenantId, parsed, 'outbound', arrival);
  }

  private submissionOf(client: ClientInfo, envelope: Envelope, tenantId: string) {
    return { tenantId, user: client.user?.email ?? null, recipients: new Set(envelope.recipients.map((r) => r.toLowerCase())).size };
  }

  async acceptInbound(
    client: ClientInfo,
    envelope: Envelope,
    raw: Buffer,
    tenantOf: Map<string, string>,
    arrival?: Arrival,
  ): Promise<string[]> {
    // Recipients of different tenants become separate messages: each tenant sees only its own.
    const byTenant = new Map<string, string[]>();
    for (const rcpt of envelope.recipients) {
      const t = tenantOf.get(rcpt.toLowerCase());
      if (t) byTenant.set(t, [...(byTenant.get(t) ?? []), rcpt]);
    }
    const ids: string[] = [];
    // Parsed once; each tenant's copy carries only its own recipients in the facts.
    const parsed = byTenant.size > 0 ? await parseMessage(raw, envelope, 'inbound') : null;
    for (const [tenantId, recipients] of byTenant) {
      const env = { mailFrom: envelope.mailFrom, recipients };
      const own = { ...parsed!, facts: { ...parsed!.facts, recipients: recipients.map((r) => r.toLowerCase()) } };
      ids.push(await this.store(client, env, raw, tenantId, own, 'inbound', arrival));
    }
    return ids;
  }

  private async store(
    client: ClientInfo,
    envelope: Envelope,
    raw: Buffer,
    tenantId: string,
    parsed: ParsedMessage,
    direction: 'outbound' | 'inbound',
    arrival?: Arrival,
  ): Promise<string> {
    const { facts } = parsed;
    const actor = client.user?.email ?? (client.trusted ? `trusted:${client.remoteAddress}` : `smtp:${client.remoteAddress}`);
    const window = this.deps.duplicateWindowMs ?? 0;
    // A resend of a message accepted within the window is recognised where it is committed (in
    // the same transaction as the look-up), so the common case costs no read of its own.
    const resend =
      facts.messageId && window > 0 ? { digest: await submissionDigest(tenantId, envelope, raw), since: Date.now() - window } : null;
    const id = newId();
    const trace = receivedHeader({
      helo: client.helo,
      clientHostname: client.clientHostname,
      remoteAddress: client.remoteAddress,
      hostname: this.deps.hostname,
      protocol: client.protocol,
      id,
      recipients: envelope.recipients,
    });
    const received = await concatInTurns([Buffer.from(trace, 'latin1'), raw]);
    let firstCopy: Promise<string | null> | undefined;
    const resendOf = () =>
      (firstCopy ??= resend ? this.deps.store.firstWithDigest(tenantId, resend.digest, resend.since) : Promise.resolve(null));
    const decision = await this.decide(direction, {
      id,
      tenantId,
      direction,
      user: client.user,
      envelope,
      facts,
      raw: received,
      remoteAddress: client.remoteAddress,
      helo: client.helo ?? '',
      attachments: async () => parsed.attachments,
      resendOf,
    });
    if (decision.outcome === 'refuse') return this.refused(decision, tenantId, await resendOf(), client, actor);
    // A decision that asked (before an external sandbox submission) was made for a resend, and may
    // have left out what the first copy got: it is answered as a resend even should the first copy
    // vanish before the commit (a purge), never stored as a new message on that decision.
    const known = firstCopy ? await firstCopy : null;
    if (known) return this.resendRecorded(known, client, actor, tenantId);
    const body = decision.body ?? received;
    // Due now and a local delivery slot free (or a place in the worker's line for the next one):
    // commit it leased to us and deliver from memory, without the claim query and reading back
    // what we hold (the common case for outbound mail).
    const now = Date.now();
    const dueNow = decision.state === 'queued' && (decision.dueAt ?? Infinity) <= now;
    const slot = dueNow ? (this.deps.localWorker?.reserve(id, body.length) ?? null) : null;
    const sendCount =
      direction === 'outbound' && this.deps.sendLimiter
        ? countSubmission(this.submissionOf(client, envelope, tenantId), this.deps.store.kind, now)
        : undefined;
    const lease = slot ? { lease: { node: slot.node, until: slot.leaseUntil } } : {};
    const message: NewMessage = {
      ...messageRow({ id, tenantId, direction, envelope, facts, decision, body, actor, client }),
      ...alsoWrite(decision.alsoWrite, sendCount),
      ...lease,
    };
    const outcome = await this.commit(message, resend, client, actor, arrival).catch((err) => {
      if (slot) this.deps.localWorker!.cancel(id);
      throw err;
    });
    if ('resendOf' in outcome) {
      if (slot) this.deps.localWorker!.cancel(id);
      return this.resendAnswered(outcome.resendOf, client);
    }
    const row = outcome.inserted;
    const recipients = message.recipients;
    if (slot) this.deps.localWorker!.handOff(row, { body, recipients: [...recipients].sort() });
    else this.deps.onQueued();
    if (dueNow) this.deps.metrics.handedOver.inc({ via: slot ? (slot.inLine ? 'line' : 'slot') : 'queue' });
    this.deps.metrics.accepted.inc({ tenant: tenantId, direction });
    if ((STAGE_WAIT_STATES as readonly string[]).includes(decision.state)) this.deps.metrics.held.inc({ tenant: tenantId });
    if (decision.afterCommit) {
      // The message is safe; a failing follow-up (a notice mail) must not turn 250 into an error.
      await decision.afterCommit(id).catch((err) => this.deps.logger.error({ err, id }, 'after-commit step failed'));
    }
    return id;
  }

  /** Commits the message (with its digest when resends are recognised), or leaves a resend's event on the first copy. */
  private commit(
    message: NewMessage,
    resend: { digest: string; since: number } | null,
    client: ClientInfo,
    actor: string,
    arrival?: Arrival,
  ): Promise<{ inserted: Message } | { resendOf: string }> {
    if (!resend) return this.deps.store.insertMessage(message, arrival).then((inserted) => ({ inserted }));
    const event = resendEvent(client, actor);
    return this.deps.store.insertUnlessResent(message, { ...resend, event }, arrival);
  }

  /**
   * The analysis refuses the message. A resend gets the first copy's queue id, not a refusal that
   * copy did not get (a policy changed in between, say); only a new message is refused, and only
   * then are the block's trail written and its notices sent.
   */
  private async refused(
    decision: RefuseDecision,
    tenantId: string,
    first: string | null,
    client: ClientInfo,
    actor: string,
  ): Promise<string> {
    if (!first) {
      await decision.afterRefusal?.();
      throw decision.reply;
    }
    return this.resendRecorded(first, client, actor, tenantId);
  }

  /** A resend known before its commit: its event goes to the first copy, whose id is the answer. */
  private async resendRecorded(first: string, client: ClientInfo, actor: string, tenantId: string): Promise<string> {
    await this.deps.store.appendEvent({ tenantId, messageId: first, ...resendEvent(client, actor) });
    return this.resendAnswered(first, client);
  }

  private resendAnswered(first: string, client: ClientInfo): string {
    this.deps.logger.info({ id: first, client: client.remoteAddress }, 'resend of an accepted message answered with its first queue id');
    return first;
  }

  private async decide(direction: 'outbound' | 'inbound', ctx: Parameters<AcceptDecider>[0]): Promise<AcceptDecision> {
    for (const decider of (direction === 'outbound' ? this.deps.decideOutbound : this.deps.decideInbound) ?? []) {
      const decision = await decider(ctx);
      if (decision) return decision;
    }
    return { outcome: 'store', state: 'queued', dueAt: Date.now(), plan: null, events: [] };
  }
}

/** The row an accepted message is committed as: the decision's state and plan, its audit events. */
function messageRow(m: {
  id: string;
  tenantId: string;
  direction: 'outbound' | 'inbound';
  envelope: Envelope;
  facts: ParsedMessage['facts'];
  decision: StoreDecision;
  body: Buffer;
  actor: string;
  client: ClientInfo;
}): NewMessage {
  const { decision, envelope, direction } = m;
  return {
    id: m.id,
    tenantId: m.tenantId,
    direction,
    state: decision.state,
    dueAt: decision.dueAt,
    mailFrom: envelope.mailFrom.toLowerCase(),
    recipients: [...new Set(envelope.recipients.map((r) => r.toLowerCase()))],
    headerFrom: m.facts.from?.address ?? '',
    subject: m.facts.subject,
    messageId: m.facts.messageId,
    size: m.body.length,
    facts: m.facts,
    plan: decision.plan,
    submittedBy: direction === 'outbound' ? m.actor : null,
    body: m.body,
    events: [
      {
        actor: m.actor,
        type: 'accepted',
        data: {
          direction,
          client: m.client.remoteAddress,
          helo: m.client.helo,
          size: m.body.length,
          recipients: envelope.recipients.length,
        },
      },
      ...decision.events,
    ],
  };
}

type Write = NonNullable<StoreDecision['alsoWrite']>;

/** The writes that commit with a message: the decider's and the send counts, either or both. */
function alsoWrite(...writes: Array<Write | undefined>): { alsoWrite?: Write } {
  const all = writes.filter((w): w is Write => w !== undefined);
  if (all.length === 0) return {};
  return {
    alsoWrite: async (trx) => {
      for (const w of all) await w(trx);
    },
  };
}

/** The audit event a resend leaves on the message it repeats. */
function resendEvent(client: ClientInfo, actor: string): Omit<EventInput, 'tenantId' | 'messageId'> {
  return {
    actor,
    type: 'duplicate.suppressed',
    data: {
      client: client.remoteAddress,
      helo: client.helo,
      note: 'the same message again (its 250 was probably lost); not queued twice',
    },
  };
}

/** 554 5.6.0 for submitted mail whose MIME structure cannot be parsed (docs/security.md). */
export function unparseableSubmission(why: string): SmtpError {
  const reason = why.replace(/[\r\n]+/g, ' ').slice(0, 200);
  return new SmtpError(
    554,
    '5.6.0',
    `Message refused: its MIME structure cannot be parsed (${reason}), so its attachments and headers cannot be checked. Nothing was sent`,
  );
}
