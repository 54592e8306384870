// Lock: non-recursive, released by anyone (Python semantics). State word 0 holds the owner's
// user id (bits 0-29) and a sleepers bit (30); see native/primitives/lock.h. The uncontended paths are
// one JS Atomics operation on the mapped word; waiting goes native.
import { layout } from '../core/layout';
import { coded } from '../core/errors';
import { Code, Holder, native, NativeSegment, SegHandle } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { AcquireQueue, RESOLVED_TRUE, abortReason } from './waitqueue';
import { withLock, withLockSync } from './with-lock';

/** The owner's user id in a lock word, and the sleepers bit (native/primitives/lock.h). */
export const { ownerMask: OWNER_MASK, waiters: WAITERS } = layout.lock;
// Module constants for the sync hot paths (as in semaphore.ts: an import is a property load).
const { lockAcquire, lockRelease } = native;
const { OK, OWNER_DIED } = Code;

export function ownerDiedWarning(p: { kind: string; name: string }): void {
  process.emitWarning(`${p.kind} '${p.name}': its owner died holding it; the lock was taken over`, {
    code: 'PROCSYNC_OWNER_DIED',
  });
}

export { timeoutError } from './with-lock';

/** Shared by Lock and RLock: owner word at state word 0. */
export abstract class LockBase extends Primitive {
  protected readonly ownerAt: number; // index in i32 of the owner word
  // Made by the first acquire that has to wait: most locks never queue, and an opened Lock was
  // eight more objects (the queue, its ops, their closures) for every named open to allocate
  // and the garbage collector to copy.
  #queue: AcquireQueue | null = null;
  /** Run once right after the next release through this object (Condition's deferred wake-ups). */
  protected releaseHooks: (() => void)[] | null = null;

  protected constructor(seg: NativeSegment) {
    super(seg);
    this.ownerAt = this.base + layout.lock.ownerWord;
  }

  private get queue(): AcquireQueue {
    return (this.#queue ??= new AcquireQueue({
      tryNow: () => this.tryTake(),
      start: (t, cb) => native.lockAcquire(this.seg, this.off(layout.lock.ownerWord), t, cb),
      undo: () => this.undoTake(),
      error: (code) => new Error(`unexpected native result ${code}`),
      ownerDied: () => ownerDiedWarning(this),
      taken: () => this.taken(),
    }));
  }

  /** Nobody of this object is queued or in flight (a queue never made is idle). */
  private get idle(): boolean {
    return this.#queue === null || this.#queue.idle;
  }

  /** One attempt to take the owner word; subclasses add their bookkeeping. */
  protected tryTake(): boolean {
    return Atomics.compareExchange(this.i32, this.ownerAt, 0, this.me) === 0;
  }
  /** Called after the word was taken by the native slow path. */
  protected taken(): void {}
  /** Gives back a take whose waiter gave up meanwhile. */
  protected undoTake(): void {
    this.freeWord(this.rawSegment());
  }

  /**
   * Frees the owner word; false when it was free already. The fast path is one CAS of our own
   * id to 0; anything else — the sleepers bit (someone to wake, maybe an heir to hand the lock
   * to, see native/primitives/lock.h), another thread's id (a Lock may be released by anyone) — goes
   * native, where the hand-off to an heir is atomic with the release.
   */
  protected freeWord(seg: SegHandle): boolean {
    if (Atomics.compareExchange(this.i32, this.ownerAt, this.me, 0) === this.me) return true;
    return lockRelease(seg, this.off(layout.lock.ownerWord)) === OK;
  }

  /** Blocking acquire: waits until acquired (true) or until the timeout (false). */
  acquireSync(opts?: WaitOptions): boolean {
    const seg = this.seg;
    const t = opts === undefined ? -1 : waitTimeout(opts);
    if (this.tryTake()) return true;
    const code = lockAcquire(seg, this.off(layout.lock.ownerWord), t);
    if (code === OK || code === OWNER_DIED) {
      if (code === OWNER_DIED) ownerDiedWarning(this);
      this.taken();
      return true;
    }
    return false;
  }

  /** Acquire without blocking the event loop. Resolves false on timeout. */
  acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    // The uncontended `await lock.acquire()` (issue 15: ≤ 100 ns with its release): no options to
    // read, nothing queued, one CAS.
    if (opts === undefined && !this.isClosed && this.idle && this.tryTake()) return RESOLVED_TRUE;
    return this.acquireQueued(opts);
  }

  private acquireQueued(opts: AsyncWaitOptions | undefined): Promise<boolean> {
    try {
      const seg = this.seg;
      const t = opts === undefined ? -1 : waitTimeout(opts);
      const signal = opts === undefined ? undefined : checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.idle && this.tryTake()) return RESOLVED_TRUE;
      if (t === 0) {
        // One attempt, which also takes over from a dead owner.
        const code = native.lockAcquire(seg, this.off(layout.lock.ownerWord), 0);
        if (code === Code.OWNER_DIED) ownerDiedWarning(this);
        const ok = code === Code.OK || code === Code.OWNER_DIED;
        if (ok) this.taken();
        return Promise.resolve(ok);
      }
      return this.queue.acquire(t, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  abstract release(): void;

  /** @internal Runs fn once, right after the next release of the lock through this object. */
  afterNextRelease(fn: () => void): void {
    (this.releaseHooks ??= []).push(fn);
  }

  /** Subclasses call this after a release that freed the lock, when releaseHooks is set. */
  protected runReleaseHooks(): void {
    const hooks = this.releaseHooks;
    this.releaseHooks = null;
    if (hooks !== null) for (const fn of hooks) fn();
  }

  /** @internal True when the calling thread is the holder (Condition's "lock held" check). */
  heldByCaller(): boolean {
    this.seg;
    return (Atomics.load(this.i32, this.ownerAt) & OWNER_MASK) === this.me;
  }

  /** True when someone holds the lock. */
  locked(): boolean {
    this.seg;
    return Atomics.load(this.i32, this.ownerAt) !== 0;
  }

  /** Acquires, runs fn, always releases. Rejects with ERR_TIMEOUT when not acquired in time. */
  withLock<R>(fn: () => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>> {
    return withLock(this, this, fn, opts);
  }

  /** Sync form of withLock. */
  withLockSync<R>(fn: () => R, opts?: WaitOptions): R {
    return withLockSync(this, this, fn, opts);
  }

  protected override beforeClose(): Promise<void> | void {
    return this.#queue?.close(this.kind);
  }

  protected override inspectFields(): Record<string, unknown> {
    const id = Atomics.load(this.i32, this.ownerAt) & OWNER_MASK;
    return { name: this.name, locked: id !== 0, owner: id ? native.userPid(this.seg, id) : null };
  }

  /** @internal The holder for procsync.inspect, or null. */
  inspectHolder(): Holder | null {
    const id = Atomics.load(this.i32, this.ownerAt) & OWNER_MASK;
    return id ? native.userHolder(this.seg, id) : null;
  }
}

export class Lock extends LockBase {
  constructor(opts?: CreateOptions);
  /** @internal */
  constructor(opts?: CreateOptions & AttachOptions);
  constructor(opts?: CreateOptions & AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'Lock' }, opts ?? {}));
  }

  /** Opens an existing Lock by name. */
  static open(name: string): Lock {
    return new Lock({ [kAttach]: openSegment(name, 'Lock') });
  }

  get kind(): 'Lock' {
    return 'Lock';
  }

  /** Releases the lock (whoever holds it). ERR_RELEASED_TOO_MANY_TIMES when unlocked. */
  release(): void {
    const seg = this.seg;
    if (!this.freeWord(seg)) throw coded('ERR_RELEASED_TOO_MANY_TIMES', 'release of an unlocked Lock');
    if (this.releaseHooks !== null) this.runReleaseHooks();
  }
}
