// RLock: owned by one thread of one process; the owner may re-acquire and must release as
// many times. Word 0 as Lock (owner user id + sleepers bit); word 1 the recursion count, written
// by the owner only.
import { layout } from '../core/layout';
import { coded } from '../core/errors';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, createSegment, kAttach, openSegment } from '../core/primitive';
import { LockBase } from './lock';
import { RESOLVED_TRUE, abortReason } from './waitqueue';

// A module constant, not lock.ts's export: an imported binding is a property load of that
// module's exports object at every use in the CommonJS build (~5 ns of the RLock pair's ~34).
const OWNER_MASK = layout.lock.ownerMask;

export class RLock extends LockBase {
  private readonly countAt: number; // index in i32 of the recursion count word

  constructor(opts?: CreateOptions);
  /** @internal */
  constructor(opts?: CreateOptions & AttachOptions);
  constructor(opts?: CreateOptions & AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'RLock' }, opts ?? {}));
    this.countAt = this.base + layout.lock.countWord;
  }

  /** Opens an existing RLock by name. */
  static open(name: string): RLock {
    return new RLock({ [kAttach]: openSegment(name, 'RLock') });
  }

  get kind(): 'RLock' {
    return 'RLock';
  }

  /**
   * Owned by the calling thread: the owner word names it AND the count is set. The word alone
   * is not enough: between a native wait taking the word for this thread and the JS side
   * accepting (taken) or undoing (undoTake) that take — a native wait that succeeded, its delivery
   * to this thread still pending — the word names this thread but nobody holds the lock, and a
   * "re-entry" then would be undone under its feet (found by the soak run).
   */
  private ownedByMe(): boolean {
    // A plain read is enough here: the owner bits equal our id only while we own the word —
    // nobody else writes our id, and our own release is ordered before any later read of ours
    // (a location's writes are seen in one order); others only set the sleepers bit meanwhile.
    // It saves an Atomics builtin call on every release (issue 15's RLock pair).
    return (this.i32[this.ownerAt] & OWNER_MASK) === this.me && this.i32[this.countAt] > 0;
  }

  protected override tryTake(): boolean {
    // The uncontended first acquire is one CAS; its result also tells a re-entry apart.
    const v = Atomics.compareExchange(this.i32, this.ownerAt, 0, this.me);
    if (v === 0) {
      this.i32[this.countAt] = 1;
      return true;
    }
    if ((v & OWNER_MASK) === this.me) {
      if (this.i32[this.countAt] === 0) return false; // a native take not yet accepted or undone
      this.i32[this.countAt]++;
      return true;
    }
    return false;
  }

  protected override taken(): void {
    this.i32[this.countAt] = 1;
  }

  protected override undoTake(): void {
    this.i32[this.countAt] = 0;
    super.undoTake();
  }

  override acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    // The owner re-acquires at once, even with block: false and ahead of queued waiters.
    try {
      this.seg;
      waitTimeout(opts);
      const signal = checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.ownedByMe()) {
        this.i32[this.countAt]++;
        return RESOLVED_TRUE;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return super.acquire(opts);
  }

  override acquireSync(opts?: WaitOptions): boolean {
    return super.acquireSync(opts);
  }

  /** Releases one level. ERR_NOT_OWNER unless the calling thread owns it. */
  release(): void {
    const seg = this.seg;
    if (!this.ownedByMe()) {
      const v = Atomics.load(this.i32, this.ownerAt);
      throw coded('ERR_NOT_OWNER', v === 0 ? 'release of an unowned RLock' : 'RLock released by a thread that does not own it');
    }
    const n = this.i32[this.countAt];
    if (n > 1) {
      this.i32[this.countAt] = n - 1;
      return;
    }
    this.i32[this.countAt] = 0;
    this.freeWord(seg);
    if (this.releaseHooks !== null) this.runReleaseHooks();
  }

  /** True when the calling thread owns it. */
  isOwned(): boolean {
    this.seg;
    return this.ownedByMe();
  }

  /** @internal The Condition's "lock held" check: owned as above. */
  override heldByCaller(): boolean {
    this.seg;
    return this.ownedByMe();
  }

  /** Recursion level as seen by the owner; 0 for everyone else. */
  get count(): number {
    return this.isOwned() ? this.i32[this.countAt] : 0;
  }

  // --- for Condition: release every level, and restore them -----------------------------

  /** @internal Releases all levels held by the calling thread; returns how many there were. */
  releaseAll(): number {
    if (!this.isOwned()) throw coded('ERR_NOT_OWNER', 'RLock not owned by the calling thread');
    const n = this.i32[this.countAt];
    this.i32[this.countAt] = 1;
    this.release();
    return n;
  }

  /** @internal After re-acquiring (count 1), restores the recursion level saved by releaseAll. */
  restoreLevel(n: number): void {
    this.i32[this.countAt] = n;
  }

  protected override inspectFields(): Record<string, unknown> {
    return { ...super.inspectFields(), count: this.count };
  }
}

