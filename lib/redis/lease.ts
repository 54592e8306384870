// One held lease (a Lock, a Semaphore count, an RWLock share, a Web Lock): renews it every
// lease / RENEW_DIVISOR, and decides — locally, conservatively — when it is lost. The local view
// of the lease ends at (send time of the last renewal that succeeded) + lease − a safety margin:
// the server set its expiry from its own clock *after* that send, so the server's lease never
// ends before ours. If our event loop stalls past that point, the deadline timer (which runs
// before any reply is read) declares the loss first: we never believe we hold what the server
// may already have given to someone else.
import { ProcsyncError } from '../core/errors';
import { LEASE_SAFETY_FRACTION, RENEW_DIVISOR } from './constants';
import { EXTEND, RELEASE } from './scripts';
import type { Resource } from './resource';

export type LostReason = 'expired' | 'stolen';

export function lockLostError(what: string, why: LostReason): ProcsyncError {
  return new ProcsyncError(
    'ERR_LOCK_LOST',
    why === 'stolen'
      ? `${what}: the lock was stolen (steal: true) by another request`
      : `${what}: the lease ran out before it could be renewed; another holder may have it`,
  );
}

export class Holding {
  /** Local end of the lease (performance.now() clock). */
  private validUntil: number;
  private renewTimer: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private renewing = false;
  private offSteal: (() => void) | null = null;
  private readonly controller = new AbortController();
  /** The ERR_LOCK_LOST error once lost; null while held (or after a clean release). */
  lostError: ProcsyncError | null = null;
  released = false;
  private readonly lostCallbacks: ((err: ProcsyncError) => void)[] = [];

  constructor(
    readonly res: Resource,
    readonly id: string,
    /** The fencing token of an exclusive grant; null for shared grants and Semaphore counts. */
    readonly token: bigint | null,
    readonly lease: number,
    /** When the lease began, on our clock, no later than the server's start of it. */
    start: number,
    /** How long the grant lasts from `start` (≤ lease: a handed-off grant may be shorter). */
    firstLease: number,
    listenForSteal: boolean,
  ) {
    this.validUntil = start + firstLease * (1 - LEASE_SAFETY_FRACTION);
    this.armDeadline();
    // The first renewal is due a third of the way through the first lease counted from its
    // start (a grant read late, after a stalled loop, has less of it left).
    this.scheduleRenew(Math.max(0, start + Math.min(lease, firstLease) / RENEW_DIVISOR - performance.now()));
    if (listenForSteal) this.offSteal = res.remote.inbox.onSteal(id, () => this.lose('stolen'));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get held(): boolean {
    return !this.released && this.lostError === null;
  }

  onLost(cb: (err: ProcsyncError) => void): void {
    if (this.lostError) queueMicrotask(() => cb(this.lostError!));
    else if (!this.released) this.lostCallbacks.push(cb);
  }

  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => this.lose('expired'), Math.max(0, this.validUntil - performance.now()));
    this.deadline.unref();
  }

  private scheduleRenew(ms = this.lease / RENEW_DIVISOR): void {
    this.renewTimer = setTimeout(() => void this.renew(), ms);
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    this.renewTimer = null;
    if (!this.held || this.renewing) return;
    if (performance.now() >= this.validUntil) return this.lose('expired');
    this.renewing = true;
    const sentAt = performance.now();
    let ok: number | null = null;
    try {
      ok = await this.res.remote.conn.run<number>(
        EXTEND,
        [this.res.key, this.id, this.lease, this.res.cap, this.res.remote.inboxPrefix, this.res.remote.inboxTtl],
        'renew a lease',
      );
    } catch {
      // Unreachable for now: keep trying until the local lease ends (the deadline timer).
    }
    this.renewing = false;
    if (!this.held) return;
    if (ok === 0) return this.lose('expired');
    if (ok === 1 && performance.now() < this.validUntil) {
      this.validUntil = sentAt + this.lease * (1 - LEASE_SAFETY_FRACTION);
      this.armDeadline();
    }
    this.scheduleRenew();
  }

  private stop(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.deadline) clearTimeout(this.deadline);
    this.renewTimer = this.deadline = null;
    this.offSteal?.();
    this.offSteal = null;
  }

  /** Marks the holding lost, tells everyone who listens, and lets the server side go. */
  lose(why: LostReason): void {
    if (!this.held) return;
    this.stop();
    const err = lockLostError(`${this.res.kind} '${this.res.name}'`, why);
    this.lostError = err;
    this.res.forget(this);
    this.controller.abort(err);
    for (const cb of this.lostCallbacks.splice(0)) {
      try {
        cb(err);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    // Our lease may still run on the server (a stalled loop, an unreachable server): let it go
    // so that the next waiter need not wait for the server to expire it. Best effort.
    if (why === 'expired') this.res.remote.conn.run(RELEASE, this.res.releaseArgs(this.id), 'release').catch(() => {});
  }

  /** Releases on the server. Rejects with ERR_LOCK_LOST when the lease was lost. */
  async release(): Promise<void> {
    if (this.lostError) throw this.lostError;
    if (this.released) return;
    this.released = true;
    this.stop();
    this.res.forget(this);
    // When the server cannot be reached this rejects with ERR_BACKEND_UNAVAILABLE; the lease
    // then ends on the server by itself.
    const had = await this.res.remote.conn.run<number>(RELEASE, this.res.releaseArgs(this.id), 'release');
    if (had === 0) {
      this.lostError = lockLostError(`${this.res.kind} '${this.res.name}'`, 'expired');
      throw this.lostError;
    }
  }
}
