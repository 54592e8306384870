// One lockable resource on the server (a Lock, Semaphore, RWLock or Web Lock name) and the one
// way of acquiring it: run ACQUIRE; if not granted, wait on this remote's wake list (no
// polling) and run it again when woken. While queued, a waiter re-runs ACQUIRE every
// WAITER_HEARTBEAT_MS as well: that keeps its place (a dead waiter's place expires) and covers a
// wake that a server restart lost. A timeout or an abort leaves the queue with CANCEL, which also
// lets go of a grant that raced with giving up — so a wait that ends without the lock has taken
// nothing.
import { ProcsyncError } from '../core/errors';
import { abortReason } from '../core/abort';
import { WAITER_TTL_MS } from './constants';
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

  /** Acquires; null when not granted within the timeout. Rejects with the signal's reason on abort. */
  async acquire(req: AcquireRequest): Promise<Holding | null> {
    const remote = this.remote;
    remote.checkOpen();
    const signal = req.signal;
    if (signal?.aborted) throw abortReason(signal);
    const id = remote.newId();
    const once = req.timeout === 0 || req.steal === true;
    const w = new RemoteWaiter(remote, this.key, req.timeout, once, signal);
    let cancelled = false;
    const args = (): (string | number)[] => [
      this.key, id, req.mode, this.cap, req.lease, once ? 0 : 1, WAITER_TTL_MS,
      remote.inboxPrefix, remote.inboxTtl, req.steal ? 1 : 0, this.registry, this.registry ? this.name : '',
    ];
    try {
      for (;;) {
        const sentAt = performance.now();
        const r = await remote.conn.run<[number, string]>(ACQUIRE, args(), `${this.kind} '${this.name}': acquire`);
        if (r[0] === -1) {
          throw new ProcsyncError('ERR_PARAMS_MISMATCH', `${this.kind} '${this.name}' exists with value ${r[1]}, not ${this.cap}`);
        }
        if (r[0] === 1 && w.ended === null) {
          const h = new Holding(this, id, r[1] === '' ? null : BigInt(r[1]), req.lease, sentAt, req.listenForSteal === true);
          this.holdings.add(h);
          remote.holdings.add(h);
          return h;
        }
        if (once && w.ended === null) return null;
        if (w.ended !== null) break;
        await w.next();
        if (w.ended !== null) break;
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
