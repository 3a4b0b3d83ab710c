// The queue worker: leases due messages (atomic claim, so many workers on many nodes never take
// the same one), hands each to its state's handler, and writes the outcome back only while it
// holds the lease; a dead node's leases expire and are taken over. Mail accepted here for delivery
// now skips the claim: the acceptor reserves a slot (all busy: a place in a short line in memory),
// commits the message leased to this node and hands it over with its body.
import type { Logger } from 'pino';
import type { Store, Message } from '../store/store.ts';
import type { MessageState } from '../store/schema/message-state.ts';

export type StateHandler = (message: Message, lease: Lease) => Promise<void>;
/** The handler of each state a worker picks messages up in (due ones: queued, deferred, held, …). */
export type StateHandlers = Partial<Record<MessageState, StateHandler>>;

export interface Lease {
  node: string;
  /** what the acceptor already holds for a handed-over message: no need to read it back */
  preload?: { body: Buffer; recipients: string[] };
}

export interface Reservation {
  node: string;
  /** the lease written with the message; the heartbeat renews it from the moment of reservation */
  leaseUntil: number;
  /** a place in the line (every slot was busy), not a slot of its own */
  inLine: boolean;
}

export interface WorkerOptions {
  store: Store;
  logger: Logger;
  node: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  handlers: StateHandlers;
  /** the line of handed-over messages waiting in memory for a slot (default: LINE_DEFAULT) */
  line?: LineLimits;
}

/** How long the line of handed-over messages may grow, beyond the slots: messages and body bytes. */
export interface LineLimits {
  perSlot: number;
  bytes: number;
}
/** four messages per slot (80 with the default 20 slots), 64 MiB of bodies at most */
export const LINE_DEFAULT: LineLimits = { perSlot: 4, bytes: 64 * 1024 * 1024 };

interface Waiting {
  message: Message;
  preload: NonNullable<Lease['preload']>;
}

export class QueueWorker {
  private running = false;
  private active = 0;
  /** reservations not yet handed over or cancelled, with the body bytes each holds of the line (0: a slot's) */
  private readonly reservations = new Map<string, number>();
  /** handed-over messages waiting for a slot, oldest first */
  private readonly line: Waiting[] = [];
  /** body bytes of the line and of the places reserved in it */
  private lineBytes = 0;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** due work may be waiting unclaimed (new commits, or the last claim filled every slot) */
  private backlog = true;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly leased = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** the heartbeat's last renewal, which a stop awaits before it gives leases back */
  private renewal: Promise<void> = Promise.resolve();

  constructor(private readonly opts: WorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    // Renew leases well before they expire, so only a dead node's work is ever taken over.
    this.heartbeat = setInterval(
      () => {
        this.renewal = this.opts.store
          .renewLeases(this.opts.node, [...this.leased], Date.now() + this.opts.leaseMs)
          .catch((err) => this.opts.logger.error({ err }, 'lease renewal failed'));
      },
      Math.max(Math.floor(this.opts.leaseMs / 3), 50),
    );
    this.heartbeat.unref();
  }

  /** New work was committed locally: look now instead of at the next poll. */
  wake(): void {
    this.backlog = true;
    this.nudge();
  }

  private nudge(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming and waits for in-flight work to finish. Messages still in the line are given
   * back (their leases end now), so the next start or another node delivers them at once.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.settle();
    // no renewal may land after the give-back and lease the line's messages again
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.renewal;
    await this.giveBack(this.line.splice(0).map((w) => w.message.id));
    await this.settle(); // mail handed over meanwhile is given back too
  }

  /** Waits for in-flight deliveries and give-backs, those that begin meanwhile included. */
  private async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A delivery slot for message `id` (`bytes` its body), which the caller is about to commit leased
   * to this node. With every slot busy, a place in the line instead, while the line has room and no
   * due work waits in the queue (which goes first: the line never overtakes older mail). Otherwise
   * null: the message is committed unleased and claimed later.
   */
  reserve(id: string, bytes: number): Reservation | null {
    if (!this.running) return null;
    const inLine = !this.slotFree();
    if (inLine && !this.lineHasRoom(bytes)) return null;
    this.reservations.set(id, inLine ? bytes : 0);
    this.lineBytes += inLine ? bytes : 0;
    this.leased.add(id);
    return { node: this.opts.node, leaseUntil: Date.now() + this.opts.leaseMs, inLine };
  }

  /** messages handed over and waiting in memory for a slot (sekisho_delivery_line_messages) */
  get lineLength(): number {
    return this.line.length;
  }

  /** The reserved message is committed: deliver it now with what the acceptor holds, or when a slot frees. */
  handOff(message: Message, preload: NonNullable<Lease['preload']>): void {
    this.unreserve(message.id);
    if (!this.running) {
      // stopping: stop() waits for this as for a delivery, so the store is still open; and this
      // waits for a renewal under way, whose list may still hold the message
      const back = this.renewal.then(() => this.giveBack([message.id])).finally(() => this.inFlight.delete(back));
      this.inFlight.add(back);
      return;
    }
    // It stays leased (the heartbeat renews it) and its body counted while it waits.
    this.leased.add(message.id);
    this.lineBytes += preload.body.length;
    this.line.push({ message, preload });
    this.drainLine();
  }

  /** Free slots go to the line first: it formed only while no due work was waiting, so it holds the oldest mail. */
  private drainLine(): void {
    while (this.running && this.active < this.opts.concurrency && this.line.length > 0) {
      const next = this.line.shift()!;
      this.lineBytes -= next.preload.body.length;
      this.dispatch(next.message, next.preload);
    }
  }

  /** The reserved message was not committed after all. */
  cancel(id: string): void {
    this.unreserve(id);
    this.wake();
  }

  /** messages this worker holds: delivering, reserved, or waiting in the line */
  private held(): number {
    return this.active + this.reservations.size + this.line.length;
  }

  private slotFree(): boolean {
    return this.held() < this.opts.concurrency;
  }

  private lineHasRoom(bytes: number): boolean {
    const limits = this.opts.line ?? LINE_DEFAULT;
    return !this.backlog && this.held() < this.opts.concurrency * (1 + limits.perSlot) && this.lineBytes + bytes <= limits.bytes;
  }

  private unreserve(id: string): void {
    this.lineBytes -= this.reservations.get(id) ?? 0;
    this.reservations.delete(id);
    this.leased.delete(id);
  }

  /** Ends this node's leases on `ids` now: they are committed and due, for whoever claims first. */
  private async giveBack(ids: string[]): Promise<void> {
    for (const id of ids) this.leased.delete(id);
    await this.opts.store
      .renewLeases(this.opts.node, ids, 0)
      .catch((err) => this.opts.logger.error({ err, ids }, 'could not give back the leases of undelivered messages; they run out'));
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.opts.concurrency - this.held();
      let claimed: Message[] = [];
      if (free <= 0) {
        // Every slot busy: wait for one to finish (its finally() wakes us). Without resetting
        // `woken` here a wake() from an accept made this loop spin without ever awaiting,
        // blocking the event loop for good.
        this.woken = false;
        await this.sleep(this.opts.pollIntervalMs);
        continue;
      }
      this.woken = false;
      this.backlog = false; // a wake() during the claim sets it again
      try {
        claimed = await this.opts.store.claimDue(this.opts.node, Date.now(), free, this.opts.leaseMs);
      } catch (err) {
        this.opts.logger.error({ err }, 'queue claim failed; retrying');
        this.backlog = true;
      }
      // A lease that lapsed under load (heartbeat late) makes our own in-flight message claimable
      // again; never start a second delivery of a message this node is still working on.
      for (const message of claimed) if (!this.leased.has(message.id)) this.dispatch(message);
      if (claimed.length >= free) this.backlog = true;
      // Claimed a full batch: there may be more due right now. Otherwise sleep until woken.
      if (claimed.length === 0 || claimed.length < free || free <= 0) {
        if (!this.woken) await this.sleep(this.opts.pollIntervalMs);
      }
    }
  }

  private dispatch(message: Message, preload?: Lease['preload']): void {
    const handler = this.opts.handlers[message.state];
    this.active++;
    this.leased.add(message.id);
    const work = (async () => {
      if (!handler) {
        this.opts.logger.error({ id: message.id, state: message.state }, 'no handler for due message state; leaving it leased');
        return;
      }
      await handler(message, { node: this.opts.node, ...(preload ? { preload } : {}) });
    })()
      .catch((err) => {
        this.opts.logger.error(
          { err, id: message.id, state: message.state },
          'message handler failed; it will be retried when its lease expires',
        );
      })
      .finally(() => {
        this.active--;
        this.leased.delete(message.id);
        this.inFlight.delete(work);
        // The freed slot goes to the line; otherwise it matters only if due work is waiting, else
        // the next poll is enough (handed-over messages never need a claim).
        if (this.line.length > 0) this.drainLine();
        else if (this.backlog) this.nudge();
      });
    this.inFlight.add(work);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }
}
