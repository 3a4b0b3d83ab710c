// The extension points of the message pipeline. Each feature area (outbound policy, inbound
// shield, attachment protection, delivery, console) is a SekishoModule listed explicitly in
// main.ts; none registers itself by import side effect. Protocol code only sees these hooks.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Readable } from 'node:stream';
import type { Config } from '../config/schema.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../store/schema/schema.ts';
import type { Store, Message, EventInput } from '../store/store.ts';
import type { StageWaitState } from '../store/schema/message-state.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { MessageFacts, ParsedAttachment } from '../model/facts.ts';
import type { MessagePlan } from '../plan/plan.ts';
import type { StateHandlers } from '../queue/worker.ts';
import type { AuthedUser } from '../smtp/acceptance.ts';
import type { SmtpError } from '../smtp/smtp-error.ts';

/** What acceptance decides for one message: refuse it, or store it in its first state. */
export type AcceptDecision = RefuseDecision | StoreDecision;

/** Refuse the message instead of storing it: nothing is stored, the client gets `reply`. */
export interface RefuseDecision {
  outcome: 'refuse';
  /** what became of it: blocked by the outbound policy, rejected by the inbound shield */
  state: 'blocked' | 'rejected';
  /** the SMTP reply, e.g. policy block → 550 5.7.1 */
  reply: SmtpError;
  /** the refusal's trail and notices (policy.blocked, the sender's notice); run only once the
   * refusal stands — not for a resend, which gets the first copy's queue id instead */
  afterRefusal?: () => Promise<void>;
}

/** The states a message may be stored in at acceptance. */
export type AcceptedState = 'queued' | StageWaitState | 'quarantined' | 'held_for_sandbox';

/** Store the message. */
export interface StoreDecision {
  outcome: 'store';
  /** initial state: queued (deliver now), held, awaiting_approval, quarantined, … */
  state: AcceptedState;
  /** when a worker must look at it next; null = only a person moves it on */
  dueAt: number | null;
  /** the processing plan kept with the message; null when there is nothing to keep */
  plan: MessagePlan | null;
  /** audit events after "accepted" */
  events: Array<Omit<EventInput, 'tenantId' | 'messageId'>>;
  /** bytes to store instead of the received ones (e.g. an Authentication-Results header added) */
  body?: Buffer;
  /** more writes committed in the message's own transaction (e.g. per-domain contact counts) */
  alsoWrite?: (trx: Kysely<DB>) => Promise<void>;
  /** runs after the message is durably committed (e.g. send the "held" notice) */
  afterCommit?: (messageId: string) => Promise<void>;
}

export interface AcceptContext {
  id: string;
  tenantId: string;
  direction: 'outbound' | 'inbound';
  user: AuthedUser | null;
  envelope: { mailFrom: string; recipients: string[] };
  facts: MessageFacts;
  /** the message as it will be stored (trace header included) */
  raw: Buffer;
  remoteAddress: string;
  /** the name the client gave in HELO/EHLO ('' if none) */
  helo: string;
  /** attachment bytes, parsed lazily (inbound analysis needs them, outbound usually not) */
  attachments(): Promise<ParsedAttachment[]>;
  /**
   * The first copy's queue id when this message is a client's resend within the duplicate window
   * (src/accept/resubmission.ts), else null. One read, made once: ask it only before a step that
   * costs or reaches outside (an external sandbox); the commit recognises resends by itself.
   */
  resendOf?: () => Promise<string | null>;
}

export type AcceptDecider = (ctx: AcceptContext) => Promise<AcceptDecision | null>;

/** One copy of a message to send, to some of its pending recipients. */
export interface PreparedCopy {
  recipients: string[];
  raw: Buffer | Readable;
}

/** Rewrites a stored message just before delivery (bcc, zip, web download, tags; DKIM last). */
export type DeliveryPreparer = (message: Message, raw: Buffer, recipients: string[]) => Promise<PreparedCopy[] | null>;

export interface ModuleContext {
  config: Config;
  store: Store;
  logger: Logger;
  metrics: Metrics;
  node: string;
  /** wake the local queue worker (new due work was committed) */
  wake: () => void;
}

export interface SekishoModule {
  name: string;
  /** decides for outbound mail; the first module returning a decision wins */
  decideOutbound?: AcceptDecider;
  decideInbound?: AcceptDecider;
  /** queue state → handler for messages whose due time has come */
  handlers?: StateHandlers;
  /** applied in module order; each gets the previous copies */
  prepareDelivery?: DeliveryPreparer;
  registerHttp?: (app: FastifyInstance) => Promise<void> | void;
  stop?: () => Promise<void>;
}

export type ModuleFactory = (ctx: ModuleContext) => SekishoModule | Promise<SekishoModule>;
