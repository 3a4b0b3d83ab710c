// Password guessing is slow, and guessing cannot lock anyone out: one implementation for console
// login and SMTP AUTH. Each attempt is recorded as a failure *before* its password is checked and
// withdrawn when it succeeds or is refused, so concurrent attempts count one another and no burst
// gets past the limits. Three budgets, all in auth_failures (every process and node counts the same):
//  - per client (IpThrottle: `limit` failures in its window, then refused for the window), for
//    logins from a client that never logged in to the account;
//  - per account, over failures from such strangers: FREE_FAILURES, then each attempt waits
//    1 s, 2 s, 4 s … (at most MAX_WAIT_MS) after the latest one — slowed, never locked;
//  - per account and client that logged in to it successfully (within KNOWN_FOR_MS): the same
//    back-off over that pair's own failures only, so what strangers do never slows it.
// A success withdraws its own attempt and forgets that pair's failures, nothing else: other
// accounts' failures from the same client, and strangers' failures on this account, stay.
import type { Store } from '../store/store.ts';
import { clientKey } from '../util/cidr.ts';
import type { IpThrottle } from './ip-throttle.ts';

/** failures on an account before each further attempt must wait */
export const FREE_FAILURES = 5;
/** the first wait after FREE_FAILURES; it doubles with every further failure */
const FIRST_WAIT_MS = 1000;
export const MAX_WAIT_MS = 5 * 60_000;
/** failures on an account older than this no longer count */
export const ACCOUNT_WINDOW_MS = 60 * 60_000;
/** a client an account logged in from stays known this long after its latest success */
export const KNOWN_FOR_MS = 90 * 24 * 60 * 60_000;

export interface LoginAttempt {
  /** the right password (and code): not a failure; the client becomes known to the account */
  succeeded(): Promise<void>;
  /** wrong password or code: the recorded failure stays */
  failed(): Promise<void>;
  /** neither (e.g. the password was right and a TOTP code is still to come): not counted */
  withdraw(): Promise<void>;
}

export type LoginGate = { ok: true; attempt: LoginAttempt } | { ok: false; why: 'client' | 'account'; retryAfterSeconds: number };

/** how long after the latest of `failures` failures the next attempt may be judged */
export function backoffMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_WAIT_MS * 2 ** Math.min(failures - FREE_FAILURES, 30), MAX_WAIT_MS);
}

export class LoginThrottle {
  constructor(
    private readonly store: Store,
    /** the per-client limit for strangers (its prefix keeps console and SMTP clients apart) */
    private readonly clients: IpThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call before checking the password; judge it only when `ok`. */
  async begin(account: string, ip: string): Promise<LoginGate> {
    const now = this.now();
    const acct = account.trim().toLowerCase();
    const client = clientKey(ip);
    const known = await this.store.isKnownLoginAddress(acct, client, now - KNOWN_FOR_MS);
    const backoffKey = known ? `acct-at:${acct}|${client}` : `acct:${acct}`;
    const clientKeyed = this.clients.key(ip);
    const keys = known ? [backoffKey] : [backoffKey, clientKeyed];
    const ids = await this.store.recordAuthFailure(keys, now, Math.max(ACCOUNT_WINDOW_MS, this.clients.windowMs));
    const refusal = await this.refusal(ids, now, backoffKey, known ? null : clientKeyed);
    if (refusal) {
      await this.store.withdrawAuthFailures(ids);
      return { ok: false, ...refusal };
    }
    return {
      ok: true,
      attempt: {
        succeeded: async () => {
          await this.store.withdrawAuthFailures(ids);
          if (known) await this.store.forgetAuthFailures(backoffKey);
          await this.store.rememberLoginAddress(acct, client, now, KNOWN_FOR_MS);
        },
        failed: async () => {},
        withdraw: () => this.store.withdrawAuthFailures(ids),
      },
    };
  }

  /** Judged against everyone else's attempts, including those still being checked. */
  private async refusal(ids: number[], now: number, backoffKey: string, clientKeyed: string | null) {
    if (clientKeyed) {
      const fromClient = await this.store.authFailureSummary(clientKeyed, now - this.clients.windowMs, ids);
      if (this.clients.isBlocked(fromClient.count)) {
        return { why: 'client' as const, retryAfterSeconds: Math.ceil(this.clients.windowMs / 1000) };
      }
    }
    const onAccount = await this.store.authFailureSummary(backoffKey, now - ACCOUNT_WINDOW_MS, ids);
    const readyAt = onAccount.last + backoffMs(onAccount.count);
    if (onAccount.count >= FREE_FAILURES && now < readyAt) {
      return { why: 'account' as const, retryAfterSeconds: Math.max(1, Math.ceil((readyAt - now) / 1000)) };
    }
    return null;
  }
}
