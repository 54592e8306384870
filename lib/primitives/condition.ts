// Condition: a condition variable over a Lock or RLock, across processes. The lock is its own
// segment, named in this segment's link area so every process that opens the Condition opens
// the same lock. The waiter table, tickets and the notify rules live in native/primitives/condition.h:
// a waiter takes a slot (with a ticket) while it holds the lock, releases the lock fully,
// sleeps until notify marks its slot, withdraws, and re-acquires the lock to the same level.
import { layout } from '../core/layout';
import { Timer, startTimer } from '../core/timers';
import { coded, closedError, invalidArgType, outOfRange } from '../core/errors';
import { Code, DoneCallback, native, NativeSegment, SegHandle } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkCreate, checkInt, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { Lock } from './lock';
import { RLock } from './rlock';
import { AnyLock, Linked, attachLinked, createWithLink } from './linked-lock';
import { abortReason } from './waitqueue';

// State words (native/primitives/condition.h).
const { waitingWord: W_WAITING, slotsWord: W_SLOTS, slotWords: SLOT_WORDS, slotWaiting: SLOT_WAITING, maxWaiters: MAX_WAITERS } =
  layout.condition;
const DEFAULT_MAX_WAITERS = 1024;

interface CondNative {
  condEnqueue(seg: SegHandle): number;
  condWait(seg: SegHandle, slot: number, ticket: number, timeout: number, wakeFirst: boolean): number;
  condWaitAny(seg: SegHandle, pairs: number[], cb: DoneCallback): number;
  condWithdraw(seg: SegHandle, slot: number, ticket: number, forward: boolean): number;
  condNotify(seg: SegHandle, n: number, wake: boolean): number;
  condWakeNotified(seg: SegHandle): void;
}
const cn = native as unknown as CondNative;

export interface ConditionOptions extends CreateOptions {
  /** Most processes/threads that can wait at once (default 1024; a full table is ERR_OUT_OF_RANGE). */
  maxWaiters?: number;
}

type Outcome = { notified: boolean } | { error: unknown } | { closed: true };

interface AsyncWaiter {
  slot: number;
  ticket: number;
  done: (o: Outcome) => void;
  timer?: Timer;
  signal?: AbortSignal;
  onAbort?: () => void;
}

function nativeError(code: number, what: string): Error {
  if (code === Code.CORRUPT) return coded('ERR_CORRUPT', `${what}: the shared state is corrupt`);
  return new Error(`${what}: unexpected native result ${code}`);
}

export class Condition extends Primitive {
  #lock: AnyLock;
  #ownsLock: boolean;
  // Local async waiters share one native wait (condWaitAny) on their slots.
  private readonly waiters = new Set<AsyncWaiter>();
  private inflight: number | null = null;
  private stale = false;
  private closing: (() => void) | null = null;

  constructor(lock?: AnyLock | ConditionOptions | null, opts?: ConditionOptions);
  /** @internal */
  constructor(lock?: AnyLock | ConditionOptions | null, opts?: ConditionOptions & AttachOptions);
  constructor(lock?: AnyLock | ConditionOptions | null, opts?: ConditionOptions & AttachOptions) {
    if (lock !== undefined && lock !== null && !(lock instanceof Lock || lock instanceof RLock)) {
      if (typeof lock === 'object' && !(lock instanceof Primitive) && opts === undefined) {
        opts = lock as ConditionOptions; // new Condition({ name })
        lock = undefined;
      } else {
        throw invalidArgType('lock must be a Lock or an RLock');
      }
    }
    const attach = opts?.[kAttach];
    let made: Linked;
    if (attach) made = attachLinked(attach);
    else {
      const o = checkCreate(opts);
      const max = checkInt((o as ConditionOptions).maxWaiters ?? DEFAULT_MAX_WAITERS, 'maxWaiters', 1, MAX_WAITERS);
      // The lock given, or the default: a new RLock, named after the Condition when it is named.
      made = createWithLink(lock ?? undefined, o, (link) => createSegment({ kind: 'Condition', params: [max], ...link }, o));
    }
    if (!made.lock) {
      made.seg.close();
      throw coded('ERR_CORRUPT', 'Condition segment names no lock');
    }
    super(made.seg);
    this.#lock = made.lock;
    this.#ownsLock = made.owned;
  }

  /** Opens an existing Condition by name (and the lock it names). */
  static open(name: string): Condition {
    return new Condition(undefined, { [kAttach]: openSegment(name, 'Condition') });
  }

  get kind(): 'Condition' {
    return 'Condition';
  }

  /** The Lock or RLock this Condition waits with. */
  get lock(): AnyLock {
    this.seg;
    return this.#lock;
  }

  acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    if (this.isClosed) return Promise.reject(closedError(this.kind));
    return this.#lock.acquire(opts);
  }
  acquireSync(opts?: WaitOptions): boolean {
    this.seg;
    return this.#lock.acquireSync(opts);
  }
  release(): void {
    this.seg;
    this.#lock.release();
  }
  withLock<R>(fn: () => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>> {
    if (this.isClosed) return Promise.reject(closedError(this.kind));
    return this.#lock.withLock(fn, opts);
  }
  withLockSync<R>(fn: () => R, opts?: WaitOptions): R {
    this.seg;
    return this.#lock.withLockSync(fn, opts);
  }

  // --- waiting -----------------------------------------------------------------------------

  /** Blocks until notified (true) or the timeout (false); the lock is released meanwhile. */
  waitSync(opts?: WaitOptions): boolean {
    const seg = this.seg;
    const t = waitTimeout(opts);
    this.checkHeld();
    if (t === 0) return false;
    const { slot, ticket } = this.enqueue(seg);
    // A wake-up our notify() deferred to this release goes out with the wait itself (one native
    // call instead of two per hand-off); the release hook then finds nothing pending.
    const wakeFirst = this.#wakePending;
    this.#wakePending = false;
    let level: number;
    try {
      level = this.releaseFully(seg, slot, ticket);
    } catch (e) {
      if (wakeFirst) {
        this.#wakePending = true;
        this.#wakeNotified();
      }
      throw e;
    }
    let code: number;
    try {
      code = cn.condWait(seg, slot, ticket, t, wakeFirst);
    } finally {
      this.reacquireSync(level);
    }
    if (code < 0) throw nativeError(code, this.kind);
    return code === Code.OK;
  }

  /** Waits without blocking the event loop; resolves true if notified, false on timeout. */
  async wait(opts?: AsyncWaitOptions): Promise<boolean> {
    // Everything up to the first await runs synchronously: the slot is taken while the
    // caller still holds the lock, so no notify issued after the release can miss it.
    const seg = this.seg;
    const t = waitTimeout(opts);
    const signal = checkSignal(opts);
    this.checkHeld();
    if (signal?.aborted) throw abortReason(signal);
    if (t === 0) return false;
    const { slot, ticket } = this.enqueue(seg);
    const level = this.releaseFully(seg, slot, ticket);
    const outcome = await new Promise<Outcome>((done) => this.addWaiter({ slot, ticket, done }, t, signal));
    if ('closed' in outcome) throw closedError(this.kind);
    await this.reacquire(level);
    if ('error' in outcome) throw outcome.error;
    return outcome.notified;
  }

  /** Waits until predicate() is truthy; the timeout is a total deadline. Returns its last value. */
  waitForSync<T>(predicate: () => T, opts?: WaitOptions): T {
    if (typeof predicate !== 'function') throw invalidArgType('predicate must be a function');
    this.seg;
    const t = waitTimeout(opts);
    this.checkHeld();
    const end = t < 0 ? -1 : performance.now() + t;
    let result = predicate();
    while (!result) {
      let timeout: number | null = null;
      if (end >= 0) {
        timeout = end - performance.now();
        if (timeout <= 0) break;
      }
      this.waitSync({ timeout });
      result = predicate();
    }
    return result;
  }

  /** Async form of waitForSync (the predicate may return a promise). */
  async waitFor<T>(predicate: () => T | Promise<T>, opts?: AsyncWaitOptions): Promise<T> {
    if (typeof predicate !== 'function') throw invalidArgType('predicate must be a function');
    this.seg;
    const t = waitTimeout(opts);
    const signal = checkSignal(opts);
    this.checkHeld();
    const end = t < 0 ? -1 : performance.now() + t;
    let result = await predicate();
    while (!result) {
      let timeout: number | null = null;
      if (end >= 0) {
        timeout = end - performance.now();
        if (timeout <= 0) break;
      }
      await this.wait({ timeout, signal });
      result = await predicate();
    }
    return result;
  }

  /** Wakes min(n, waiting) of the current waiters, oldest first, in any process. */
  notify(n = 1): void {
    const seg = this.seg;
    if (typeof n !== 'number') throw invalidArgType('n must be a number');
    if (Number.isNaN(n) || n < 0 || (!Number.isInteger(n) && n !== Infinity)) {
      throw outOfRange('n must be a non-negative integer');
    }
    this.checkHeld();
    // Waiters enqueue while holding the lock, which we hold now: a 0 here is exact.
    if (n === 0 || Atomics.load(this.i32, this.base + W_WAITING) === 0) return;
    // Mark now, wake once the lock is free: woken at once, a waiter on this CPU would run, find
    // the lock still held and sleep again (native/primitives/condition.h). The wake-up goes out right
    // after the next release through this lock object, or at the end of the current job
    // (microtask) if the lock is released some other way, whichever comes first.
    const r = cn.condNotify(seg, Math.min(n, 0xffffffff), false);
    if (r < 0) throw nativeError(r, this.kind);
    if (r > 0) {
      this.#wakePending = true;
      // At most one hook and one microtask outstanding, however many notifies come first.
      if (!this.#onRelease) {
        this.#onRelease = true;
        this.#lock.afterNextRelease(this.#wakeOnRelease);
      }
      if (!this.#onMicrotask) {
        this.#onMicrotask = true;
        queueMicrotask(this.#wakeOnMicrotask);
      }
    }
  }

  /** Waiters marked by notify() and not woken yet. */
  #wakePending = false;
  /** #wakeOnRelease is registered with the lock / #wakeOnMicrotask is queued. */
  #onRelease = false;
  #onMicrotask = false;
  readonly #wakeOnRelease = (): void => {
    this.#onRelease = false;
    this.#wakeNotified();
  };
  readonly #wakeOnMicrotask = (): void => {
    this.#onMicrotask = false;
    this.#wakeNotified();
  };
  #wakeNotified(): void {
    if (!this.#wakePending) return;
    this.#wakePending = false;
    try {
      cn.condWakeNotified(this.handle);
    } catch {
      // Closed or corrupt: the marked waiters still see their mark at the end of a sleep slice.
    }
  }

  /** Wakes every current waiter. */
  notifyAll(): void {
    this.notify(Infinity);
  }

  // --- internals ---------------------------------------------------------------------------

  private checkHeld(): void {
    if (!this.#lock.heldByCaller()) {
      throw coded('ERR_LOCK_NOT_HELD', `Condition '${this.name}': its lock is not held by the caller`);
    }
  }

  private enqueue(seg: SegHandle): { slot: number; ticket: number } {
    const slot = cn.condEnqueue(seg);
    if (slot === Code.OUT_OF_RANGE) {
      throw outOfRange(`Condition '${this.name}': more than ${this.info.params[0]} waiters (maxWaiters)`);
    }
    if (slot < 0) throw nativeError(slot, this.kind);
    const ticket = Atomics.load(this.i32, this.slotWord(slot) + 2) >>> 0;
    return { slot, ticket };
  }

  private slotWord(slot: number): number {
    return this.base + W_SLOTS + SLOT_WORDS * slot;
  }

  /** Releases every level of the lock; returns the level to restore. */
  private releaseFully(seg: SegHandle, slot: number, ticket: number): number {
    try {
      const l = this.#lock;
      if (l instanceof RLock) return l.releaseAll();
      l.release();
      return 1;
    } catch (e) {
      cn.condWithdraw(seg, slot, ticket, true);
      throw e;
    }
  }

  private reacquireSync(level: number): void {
    const l = this.#lock;
    l.acquireSync();
    if (l instanceof RLock) l.restoreLevel(l.count - 1 + level);
  }

  private async reacquire(level: number): Promise<void> {
    const l = this.#lock;
    await l.acquire();
    // (Another async task of this thread may hold the RLock meanwhile: keep its level too.)
    if (l instanceof RLock) l.restoreLevel(l.count - 1 + level);
  }

  private addWaiter(w: AsyncWaiter, t: number, signal: AbortSignal | undefined): void {
    if (t > 0) w.timer = startTimer(() => this.finish(w, 'timeout'), t);
    if (signal) {
      w.signal = signal;
      w.onAbort = () => this.finish(w, 'abort');
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    this.waiters.add(w);
    // The native wait in flight does not watch this slot yet: restart it.
    this.stale = true;
    this.pump();
  }

  private pump(): void {
    if (this.inflight !== null) {
      if (this.stale) native.cancel(this.inflight);
      return;
    }
    if (this.waiters.size === 0 || this.isClosed) return;
    this.stale = false;
    const pairs: number[] = [];
    for (const w of this.waiters) pairs.push(w.slot, w.ticket);
    this.inflight = cn.condWaitAny(this.handle, pairs, () => {
      this.inflight = null;
      if (this.closing) {
        const done = this.closing;
        this.closing = null;
        done();
        return;
      }
      this.dispatch();
      this.pump();
    });
  }

  /** Finishes the local waiters whose slots were notified. */
  private dispatch(): void {
    for (const w of [...this.waiters]) {
      const i = this.slotWord(w.slot);
      if (Atomics.load(this.i32, i) !== SLOT_WAITING || Atomics.load(this.i32, i + 2) >>> 0 !== w.ticket) {
        this.finish(w, 'notified');
      }
    }
  }

  private finish(w: AsyncWaiter, why: 'notified' | 'timeout' | 'abort' | 'closed'): void {
    if (!this.waiters.delete(w)) return;
    w.timer?.clear();
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    // Withdraw under the native mutex. An aborted or closed waiter passes on a notification
    // it had already received (it takes nothing); a timed-out one that was notified first
    // reports true.
    let r: number;
    try {
      r = cn.condWithdraw(this.handle, w.slot, w.ticket, why === 'abort' || why === 'closed');
    } catch (e) {
      r = 0;
      if (why !== 'closed') {
        w.done({ error: e });
        return;
      }
    }
    if (why === 'closed') w.done({ closed: true });
    else if (r < 0) w.done({ error: nativeError(r, this.kind) });
    else if (why === 'abort') w.done({ error: abortReason(w.signal!) });
    // A slot that is no longer ours without a notification is a spurious wake-up: true.
    else w.done({ notified: why === 'notified' || r === 1 });
    if (this.waiters.size === 0 && this.inflight !== null) native.cancel(this.inflight);
  }

  protected override beforeClose(): Promise<void> | void {
    this.#wakeNotified();
    for (const w of [...this.waiters]) this.finish(w, 'closed');
    if (this.inflight === null) return;
    native.cancel(this.inflight);
    return new Promise<void>((resolve) => (this.closing = resolve));
  }

  protected override afterClose(seg: NativeSegment): void {
    super.afterClose(seg);
    if (this.#ownsLock) this.#lock.close();
  }

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, lock: this.#lock, waiting: Atomics.load(this.i32, this.base + W_WAITING) };
  }
}
