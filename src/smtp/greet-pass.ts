// The MX port's pre-greeting pause, remembered per client as Postfix's postscreen does with
// postscreen_greet_ttl: a client that waited for the greeting (sent nothing during the pause) is
// greeted at once on its connections for the next `ttlMs`; early talkers get 421 from smtp-server
// and are never remembered. A real MTA delivering all day pays the pause once a day, not once per
// connection. Per process and bounded (the oldest client forgotten first); keyed like the
// connection limits (an IPv4 address or an IPv6 /64).
import { BoundedMap } from '../util/bounded-map.ts';
import { clientKey } from '../util/cidr.ts';

export class GreetPass {
  /** client → when its pass runs out (ms); the oldest pass is first in line to be forgotten */
  private readonly passed: BoundedMap<string, number>;

  constructor(
    private readonly ttlMs: number,
    maxClients = 100_000,
  ) {
    this.passed = new BoundedMap(maxClients);
  }

  /** `ip` passed the pause within the last ttlMs */
  has(ip: string, now = Date.now()): boolean {
    if (this.ttlMs <= 0) return false;
    const key = clientKey(ip);
    const until = this.passed.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.passed.delete(key);
    return false;
  }

  /** `ip` waited through the pause without talking */
  remember(ip: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    const key = clientKey(ip);
    this.passed.set(key, now + this.ttlMs);
  }
}
