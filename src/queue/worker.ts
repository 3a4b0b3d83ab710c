// The queue worker: leases due messages (atomic claim, so many workers on many nodes never take
// the same one), hands each to the handler for its state, and writes the outcome back only while
// it still holds the lease. A node that dies leaves its leases to expire and be taken over.
// Mail this node accepts for immediate delivery skips the claim: the acceptor reserves a slot,
// commits the message already leased to this node and hands it over with its body in memory.
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
}

export interface WorkerOptions {
  store: Store;
  logger: Logger;
  node: string;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  handlers: StateHandlers;
}

export class QueueWorker {
  private running = false;
  private active = 0;
  private reserved = 0;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** due work may be waiting unclaimed (new commits, or the last claim filled every slot) */
  private backlog = true;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly leased = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly opts: WorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    // Renew leases well before they expire, so only a dead node's work is ever taken over.
    this.heartbeat = setInterval(
      () => {
        this.opts.store
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

  /** Stops claiming and waits for in-flight work to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  /**
   * A delivery slot for message `id`, which the caller is about to commit leased to this node;
   * null when every slot is taken (the message is then committed unleased and claimed later).
   */
  reserve(id: string): Reservation | null {
    if (!this.running || this.active + this.reserved >= this.opts.concurrency) return null;
    this.reserved++;
    this.leased.add(id);
    return { node: this.opts.node, leaseUntil: Date.now() + this.opts.leaseMs };
  }

  /** The reserved message is committed: deliver it now with what the acceptor holds. */
  handOff(message: Message, preload: NonNullable<Lease['preload']>): void {
    this.reserved--;
    this.leased.delete(message.id);
    // Stopping: leave it leased; the lease runs out and the next start (or another node) takes it.
    if (this.running) this.dispatch(message, preload);
  }

  /** The reserved message was not committed after all. */
  cancel(id: string): void {
    this.reserved--;
    this.leased.delete(id);
    this.wake();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.opts.concurrency - this.active - this.reserved;
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
        // A freed slot matters only if due work is waiting; otherwise the next poll is enough
        // (handed-over messages never need a claim).
        if (this.backlog) this.nudge();
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
