// Async waits of one primitive object in one thread. Only the head waiter has a native wait in
// flight (on a waiter thread); the others queue here, so 10,000 pending acquires cost one
// thread, not 10,000. Timeouts and AbortSignals of queued waiters are handled in JS; the head's
// are also passed to / cancelled in the native wait, and the head settles only once that wait
// has reported back (giveUp).
import { LocalWaiter, WaitList } from '../core/wait-list';
import { closedError } from '../core/errors';
import { Code, DoneCallback, native } from '../core/native';

export interface AcquireOps {
  /** Non-blocking attempt on the shared words (the fast path). */
  tryNow(): boolean;
  /** Starts the native async wait for one acquisition; returns its request id. */
  start(timeoutMs: number, cb: DoneCallback): number;
  /** Gives back an acquisition that completed after its waiter had given up. */
  undo(): void;
  /** Maps a negative native code to the error to reject with. */
  error(code: number): Error;
  /** Called after an acquisition that took over from a dead owner. */
  ownerDied?(): void;
  /** Bookkeeping after the native wait acquired for a waiter that still wants it. */
  taken?(): void;
}

interface Pending extends LocalWaiter {
  resolve: (v: boolean) => void;
  reject: (e: unknown) => void;
  /**
   * Set when this waiter gave up (timeout or abort) while its native wait was in flight: how to
   * settle once the native side confirms. Until then that wait may have taken (a count, the
   * lock) without knowing it was given up; settling at once would tell the caller "not taken"
   * while the take is still out, and another process could see it (a count given back after
   * the caller had moved on).
   */
  gaveUp?: { settle: () => void; keepIfTaken: boolean };
}

export { abortReason } from '../core/abort';

/**
 * The result of every async acquire that succeeds at once. One shared, already resolved promise
 * instead of a new one per call: a settled promise never changes, and the allocation is a
 * visible part of an uncontended `await acquire()` (bench lock_pair_async).
 */
export const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);
import { abortReason } from '../core/abort';

export class AcquireQueue extends WaitList<Pending> {
  constructor(private readonly ops: AcquireOps) {
    super();
  }

  /** timeoutMs: -1 for none, else > 0 (a zero timeout is a single try, done by the caller). */
  acquire(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const p: Pending = { resolve, reject, deadline: -1, done: false };
      this.enqueue(
        p,
        timeoutMs,
        () => this.giveUp(p, () => p.resolve(false), true),
        signal,
        () => this.giveUp(p, () => p.reject(abortReason(signal!)), false),
      );
    });
  }

  /** Rejects every pending waiter with ERR_CLOSED; resolves once nothing is in flight. */
  close(what: string): Promise<void> | void {
    for (const p of this.queue.splice(0)) this.settle(p, () => p.reject(closedError(what)));
    if (!this.inflight) return;
    const { w: p, req } = this.inflight;
    // A waiter that already gave up has its cancel sent (another would wake the word again).
    if (p.gaveUp) this.settle(p, p.gaveUp.settle);
    else {
      this.settle(p, () => p.reject(closedError(what)));
      native.cancel(req);
    }
    return this.untilReported();
  }

  protected pump(): void {
    while (!this.inflight && this.queue.length > 0 && !this.isClosing) {
      const head = this.queue[0];
      if (this.ops.tryNow()) {
        this.queue.shift();
        this.settle(head, () => head.resolve(true));
        continue;
      }
      const remaining = head.deadline < 0 ? -1 : Math.max(0, this.remaining(head));
      const req = this.ops.start(remaining, (code) => this.complete(head, code));
      this.inflight = { w: head, req };
    }
  }

  private complete(p: Pending, code: number): void {
    this.inflight = null;
    this.remove(p);
    const gaveUp = p.gaveUp;
    if (code === Code.OK || code === Code.OWNER_DIED) {
      if (code === Code.OWNER_DIED) this.ops.ownerDied?.();
      if (p.done || (gaveUp && !gaveUp.keepIfTaken)) {
        // Closed or aborted meanwhile: give the take back before the caller hears of it.
        this.ops.undo();
        if (gaveUp) this.settle(p, gaveUp.settle);
      } else {
        // Taken, possibly just as the deadline passed: the caller gets it.
        this.ops.taken?.();
        this.settle(p, () => p.resolve(true));
      }
    } else if (gaveUp) {
      this.settle(p, gaveUp.settle);
    } else if (code === Code.TIMEOUT || code === Code.CANCELLED) {
      this.settle(p, () => p.resolve(false));
    } else {
      this.settle(p, () => p.reject(this.ops.error(code)));
    }
    if (this.endClose()) return;
    this.pump();
  }

  /**
   * Timeout or abort of waiter p. A queued waiter settles at once; the head's native wait is
   * cancelled and p settles when it reports back (complete()): the cancel wakes it, so that is
   * within microseconds. keepIfTaken: a take that beat the cancel is the caller's (a timeout);
   * else it is given back first (an abort).
   */
  private giveUp(p: Pending, settleFn: () => void, keepIfTaken: boolean): void {
    if (p.done || p.gaveUp) return;
    if (this.inflight?.w === p) {
      p.gaveUp = { settle: settleFn, keepIfTaken };
      p.timer?.clear();
      if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
      native.cancel(this.inflight.req);
    } else {
      this.settle(p, settleFn);
      this.remove(p);
    }
  }
}
