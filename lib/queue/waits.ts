// Async waits of one Queue object for one condition (can get / can put / all tasks done), in
// one thread. Unlike AcquireQueue (lib/primitives/waitqueue.ts), the native wait here takes nothing: it
// only reports that the condition held, and the head waiter then tries its operation on the
// JS thread (getNowait / putNowait). So a waiter that gives up (timeout, abort, close) while
// its native wait is in flight never has anything to undo: an aborted get removes nothing, an
// aborted put adds nothing. Only the head has a native wait in flight; the others queue here
// in order, which keeps a producer's async puts in FIFO order.
import { LocalWaiter, WaitList } from '../core/wait-list';
import { closedError } from '../core/errors';
import { Code, DoneCallback, native } from '../core/native';
import { abortReason } from '../core/abort';

/** Returned by an attempt that could not complete now. */
export const NOT_NOW: unique symbol = Symbol('procsync.notNow');

export interface LineOps {
  /** Starts the native wait for the condition (need: bytes of the item, for puts). */
  start(need: number, timeoutMs: number, cb: DoneCallback): number;
  /** A native wait saw the condition but its waiter had gone: pass the wake-up on. */
  passOn?(): void;
  /** Maps a negative native code to the error to reject with. */
  error(code: number): Error;
}

interface Waiter<T> extends LocalWaiter {
  attempt: () => T | typeof NOT_NOW;
  onTimeout: () => void;
  need: number;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export interface WaitRequest<T> {
  attempt: () => T | typeof NOT_NOW;
  /** Settles a waiter whose time ran out (reject with Empty/Full, or resolve false). */
  timedOut: (resolve: (v: T) => void, reject: (e: unknown) => void) => void;
  need?: number;
  timeoutMs: number; // -1 for none, > 0 otherwise (0 is a single try, done by the caller)
  signal?: AbortSignal;
}

export class WaitLine<T> extends WaitList<Waiter<T>> {
  constructor(private readonly ops: LineOps) {
    super();
  }

  wait(r: WaitRequest<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = {
        attempt: r.attempt,
        need: r.need ?? 0,
        resolve,
        reject,
        onTimeout: () => r.timedOut(resolve, reject),
        deadline: -1,
        done: false,
      };
      const signal = r.signal;
      this.enqueue(w, r.timeoutMs, () => this.giveUp(w, w.onTimeout), signal, () =>
        this.giveUp(w, () => reject(abortReason(signal!))),
      );
    });
  }

  /** Rejects every waiter with ERR_CLOSED; resolves once no native wait is in flight. */
  close(what: string): Promise<void> | void {
    for (const w of this.queue.splice(0)) this.settle(w, () => w.reject(closedError(what)));
    if (!this.inflight) return;
    native.cancel(this.inflight.req);
    return this.untilReported();
  }

  protected pump(): void {
    while (!this.inflight && this.queue.length > 0 && !this.isClosing) {
      const head = this.queue[0];
      let v: T | typeof NOT_NOW;
      try {
        v = head.attempt();
      } catch (e) {
        this.queue.shift();
        this.settle(head, () => head.reject(e));
        continue;
      }
      if (v !== NOT_NOW) {
        const value = v;
        this.queue.shift();
        this.settle(head, () => head.resolve(value));
        continue;
      }
      const remaining = this.remaining(head);
      if (head.deadline >= 0 && remaining <= 0) {
        this.queue.shift();
        this.settle(head, head.onTimeout);
        continue;
      }
      let req: number;
      try {
        req = this.ops.start(head.need, remaining, (code) => this.complete(head, code));
      } catch (e) {
        this.queue.shift();
        this.settle(head, () => head.reject(e));
        continue;
      }
      this.inflight = { w: head, req };
    }
  }

  private complete(w: Waiter<T>, code: number): void {
    this.inflight = null;
    if (w.done) {
      // Its waiter gave up (already removed from the queue). A wake-up it may have consumed
      // (even one that raced with the cancel) belongs to someone else: the next local waiter
      // tries below; other processes get it passed on (a spare wake-up is harmless).
      this.ops.passOn?.();
    } else if (code === Code.TIMEOUT) {
      this.remove(w);
      this.settle(w, w.onTimeout);
    } else if (code < 0) {
      this.remove(w);
      this.settle(w, () => w.reject(this.ops.error(code)));
    } else if (code !== Code.OK) {
      // CANCELLED without a give-up: the environment is going away.
      this.remove(w);
      this.settle(w, () => w.reject(closedError('queue')));
    }
    // OK for a live waiter: it stays at the head and pump() lets it try.
    if (this.endClose()) return;
    this.pump();
  }

  /** Timeout or abort of waiter w. */
  private giveUp(w: Waiter<T>, settleFn: () => void): void {
    if (w.done) return;
    this.settle(w, settleFn);
    this.remove(w);
    if (this.inflight?.w === w) native.cancel(this.inflight.req); // complete() passes a wake on
  }
}
