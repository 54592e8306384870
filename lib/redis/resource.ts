// One lockable resource on the server (a Lock, Semaphore, RWLock or Web Lock name) and the one
// way of acquiring it: run ACQUIRE; if not granted, it queues, and the script that lets it in
// later (a release, a lease that ran out, a waiter ahead giving up) grants it there and then and
// says so on this remote's wake list: the waiter holds from that message on, with no request of
// its own in between (no polling, and one round trip less per hand-off). While queued, a waiter
// re-runs ACQUIRE every WAITER_HEARTBEAT_MS as well: that keeps its place (a dead waiter's place
// expires) and picks up a grant whose message was lost. A timeout or an abort leaves the queue
// with CANCEL, which also lets go of a grant that raced with giving up — so a wait that ends
// without the lock has taken nothing.
import { ProcsyncError } from '../core/errors';
import { abortReason } from '../core/abort';
import { LEASE_SAFETY_FRACTION, WAITER_TTL_MS } from './constants';
import type { Grant } from './inbox';
import { Holding } from './lease';
import type { Remote } from './remote';
import { ACQUIRE, CANCEL } from './scripts';
import { RemoteWaiter } from './waiter';

export type Mode = 'x' | 's';

export interface AcquireRequest {
  mode: Mode;
  lease: number;
  /** ms; -1 forever, 0 a single attempt that never queues. */
  timeout: number;
  signal?: AbortSignal;
  steal?: boolean;
  /** A Web Lock holding hears of a steal at once (otherwise at its next renewal). */
  listenForSteal?: boolean;
}

export class Resource {
  /** Holdings of this process on this resource, oldest first. */
  readonly holdings = new Set<Holding>();

  constructor(
    readonly remote: Remote,
    readonly kind: string,
    readonly name: string,
    /** The prefixed key that the resource's keys start with. */
    readonly key: string,
    /** A Semaphore's value; 0: shared holders are unbounded. */
    readonly cap: number,
    /** Web Locks: the set of names that query() lists. */
    private readonly registry: string = '',
  ) {}

  releaseArgs(id: string): (string | number)[] {
    return [this.key, id, this.cap, this.remote.inboxPrefix, this.remote.inboxTtl];
  }

  forget(h: Holding): void {
    this.holdings.delete(h);
    this.remote.holdings.delete(h);
  }

  /** A grant becomes a Holding: `start` on our clock, no later than the server's start of it;
   * `firstLease` ms from then (a handed-off grant may be shorter than the lease). */
  private hold(id: string, token: string, req: AcquireRequest, start: number, firstLease: number): Holding {
    const h = new Holding(this, id, token === '' ? null : BigInt(token), req.lease, start, firstLease, req.listenForSteal === true);
    this.holdings.add(h);
    this.remote.holdings.add(h);
    return h;
  }

  /** Acquires; null when not granted within the timeout. Rejects with the signal's reason on abort. */
  async acquire(req: AcquireRequest): Promise<Holding | null> {
    const remote = this.remote;
    remote.checkOpen();
    const signal = req.signal;
    if (signal?.aborted) throw abortReason(signal);
    const id = remote.newId();
    const once = req.timeout === 0 || req.steal === true;
    let granted: Grant | null = null;
    const listen = (poke: () => void): (() => void) =>
      remote.inbox.onGrant(id, (g) => {
        granted = g;
        poke();
      });
    const w = new RemoteWaiter(remote, once ? null : listen, req.timeout, signal);
    // The last "queued" answer: our clock when that request was sent, the server's when it ran.
    let sentAt = 0;
    let serverAt = 0;
    let cancelled = false;
    const args = (): (string | number)[] => [
      this.key, id, req.mode, this.cap, req.lease, once ? 0 : 1, WAITER_TTL_MS,
      remote.inboxPrefix, remote.inboxTtl, req.steal ? 1 : 0, this.registry, this.registry ? this.name : '',
    ];
    try {
      for (;;) {
        const t = performance.now();
        const r = await remote.conn.run<[number, string, number]>(ACQUIRE, args(), `${this.kind} '${this.name}': acquire`);
        if (r[0] === -1) {
          throw new ProcsyncError('ERR_PARAMS_MISMATCH', `${this.kind} '${this.name}' exists with value ${r[1]}, not ${this.cap}`);
        }
        if (r[0] === 1 && w.ended === null) return this.hold(id, r[1], req, t, req.lease);
        if (r[0] === 0) {
          sentAt = t;
          serverAt = r[2];
        }
        if (once && w.ended === null) return null;
        if (w.ended !== null) break;
        await w.next();
        if (w.ended !== null) break;
        const g = granted as Grant | null; // set meanwhile, by the inbox
        granted = null;
        // A grant made before the request that answered "queued" ran is an old one that lapsed
        // (that request would have found it): only a later one counts.
        if (g !== null && g.serverNow >= serverAt) {
          // The server granted (g.serverNow − serverAt) ms after it ran our request, which ran
          // after we sent it: on our clock the lease began no earlier than sentAt + that (− 1:
          // both are whole ms), and not after now. Past its local end already (a stalled loop)?
          // Then ask again: the same grant, renewed, if the server still has it.
          const now = performance.now();
          const start = Math.min(now, sentAt + (g.serverNow - serverAt) - 1);
          if (start + g.lease * (1 - LEASE_SAFETY_FRACTION) > now) return this.hold(id, g.token, req, start, g.lease);
        }
      }
      // Gave up: leave the queue (and let go of a grant that came too late). If the server
      // cannot be reached, our place expires there by itself; the caller still gets its answer.
      cancelled = true;
      await remote.conn.run(CANCEL, this.releaseArgs(id), 'cancel').catch(() => {});
      w.throwIfAborted();
      return null;
    } catch (e) {
      if (!once && !cancelled) remote.conn.run(CANCEL, this.releaseArgs(id), 'cancel').catch(() => {});
      throw e;
    } finally {
      w.dispose();
    }
  }
}
