// RWLock: any number of readers or one writer, writer-preferring, phase-fair at a writer's
// release. The words and their protocol are documented in native/rwlock.h; the uncontended
// read pair and write pair here are a few Atomics operations, with no native call.
import { coded, invalidArgType } from './errors';
import { layout } from './layout';
import { Code, DoneCallback, native, NativeSegment } from './native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkSignal, waitTimeout } from './options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from './primitive';
import { OWNER_MASK, ownerDiedWarning, timeoutError } from './lock';
import { AcquireQueue, abortReason } from './waitqueue';

// State word indices, and the reader slots of a new RWLock (readers beyond them wait, they never
// fail) — native/rwlock.h.
const { writerWord: W, readersWord: R, drainWord: DRAIN, slotsWord: SLOTS, defaultSlots: DEFAULT_SLOTS } = layout.rwlock;
/** Slots the JS fast path tries, from the thread's hint, before going native. */
const PROBES = 4;
const INT32_MAX = 0x7fffffff;

type NativeRW = {
  rwReadAcquire(seg: NativeSegment, timeout: number, cb?: DoneCallback): number;
  rwWriteAcquire(seg: NativeSegment, haveW: boolean, timeout: number, cb?: DoneCallback): number;
  rwWriteRelease(seg: NativeSegment): number;
  rwReadRelease(seg: NativeSegment): number;
};
const rwNative = native as unknown as NativeRW;

/** The operations a view needs from its RWLock (internal). */
interface Side {
  tryTake(): boolean;
  nativeTake(t: number, cb?: DoneCallback): number;
  /** Sync form: the JS attempt may have left W held for the native wait (writer). */
  syncTake(t: number): number;
  release(): void;
  locked(): boolean;
}

/** `rw.read` / `rw.write`: Lock-shaped views of one side of an RWLock. */
export class RWLockView {
  /** @internal */
  readonly queue: AcquireQueue;
  /** @internal */
  constructor(
    private readonly owner: RWLock,
    private readonly side: Side,
    /** 'read' or 'write' */
    readonly mode: 'read' | 'write',
  ) {
    this.queue = new AcquireQueue({
      tryNow: () => side.tryTake(),
      start: (t, cb) => side.nativeTake(t, cb),
      undo: () => side.release(),
      error: (code) => nativeError(code),
      ownerDied: () => ownerDiedWarning(owner),
    });
  }

  /** Blocking acquire: true when acquired, false on timeout. */
  acquireSync(opts?: WaitOptions): boolean {
    this.owner.check();
    const t = opts === undefined ? -1 : waitTimeout(opts);
    if (this.side.tryTake()) return true;
    const code = this.side.syncTake(t);
    if (code === Code.OWNER_DIED) ownerDiedWarning(this.owner);
    if (code === Code.OK || code === Code.OWNER_DIED) return true;
    if (code < 0) throw nativeError(code);
    return false;
  }

  /** Acquire without blocking the event loop. Resolves false on timeout. */
  acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    try {
      this.owner.check();
      const t = opts === undefined ? -1 : waitTimeout(opts);
      const signal = opts === undefined ? undefined : checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.queue.idle && this.side.tryTake()) return Promise.resolve(true);
      if (t === 0) {
        const code = this.side.nativeTake(0);
        if (code === Code.OWNER_DIED) ownerDiedWarning(this.owner);
        if (code < 0) return Promise.reject(nativeError(code));
        return Promise.resolve(code === Code.OK || code === Code.OWNER_DIED);
      }
      return this.queue.acquire(t, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Gives back this thread's share (read) or the write lock. ERR_RELEASED_TOO_MANY_TIMES when not held. */
  release(): void {
    this.owner.check();
    this.side.release();
  }

  /** read: a writer holds it; write: anyone holds it. */
  locked(): boolean {
    this.owner.check();
    return this.side.locked();
  }

  async withLock<T>(fn: () => T | Promise<T>, opts?: AsyncWaitOptions): Promise<Awaited<T>> {
    if (typeof fn !== 'function') throw invalidArgType('fn must be a function');
    if (!(await this.acquire(opts))) throw timeoutError(this.owner);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  withLockSync<T>(fn: () => T, opts?: WaitOptions): T {
    if (typeof fn !== 'function') throw invalidArgType('fn must be a function');
    if (!this.acquireSync(opts)) throw timeoutError(this.owner);
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}

function nativeError(code: number): Error {
  if (code === Code.RELEASED_TOO_MANY) return coded('ERR_RELEASED_TOO_MANY_TIMES', 'release of a share not held');
  if (code === Code.CORRUPT) return coded('ERR_CORRUPT', 'RWLock state is corrupt');
  return new Error(`unexpected native result ${code}`);
}

/** The words of one RWLock as the fast paths see them (internal). */
interface Words {
  i32: Int32Array;
  b: number;
  me: number;
  n: number;
  hint: number;
  seg(): NativeSegment;
  raw(): NativeSegment;
  rOff: number;
}

function wakeDrain(x: Words): void {
  if (Atomics.load(x.i32, x.b + DRAIN) !== 0) native.wake(x.raw(), x.rOff, INT32_MAX);
}

class ReadSide implements Side {
  constructor(private readonly x: Words) {}
  tryTake(): boolean {
    const { i32, b, me, n } = this.x;
    if (Atomics.load(i32, b + W) !== 0) return false;
    Atomics.add(i32, b + R, 1);
    let h = this.x.hint;
    for (let k = 0; k < PROBES; k++) {
      if (Atomics.compareExchange(i32, b + SLOTS + h, 0, me) === 0) {
        if (Atomics.load(i32, b + W) === 0) return true;
        Atomics.store(i32, b + SLOTS + h, 0); // a writer came in: back out
        break;
      }
      h = h + 1 === n ? 0 : h + 1;
    }
    if (Atomics.sub(i32, b + R, 1) <= 0) Atomics.store(i32, b + R, 0);
    wakeDrain(this.x);
    return false;
  }
  nativeTake(t: number, cb?: DoneCallback): number {
    return cb ? rwNative.rwReadAcquire(this.x.seg(), t, cb) : rwNative.rwReadAcquire(this.x.seg(), t);
  }
  syncTake(t: number): number {
    return rwNative.rwReadAcquire(this.x.seg(), t);
  }
  release(): void {
    const { i32, b, me, n } = this.x;
    let h = this.x.hint;
    for (let k = 0; k < PROBES; k++) {
      if (Atomics.compareExchange(i32, b + SLOTS + h, me, 0) === me) {
        if (Atomics.sub(i32, b + R, 1) <= 0) Atomics.store(i32, b + R, 0);
        if (Atomics.load(i32, b + DRAIN) !== 0) wakeDrain(this.x);
        return;
      }
      h = h + 1 === n ? 0 : h + 1;
    }
    const code = rwNative.rwReadRelease(this.x.raw());
    if (code !== Code.OK) throw nativeError(code);
  }
  locked(): boolean {
    return (Atomics.load(this.x.i32, this.x.b + W) & OWNER_MASK) !== 0;
  }
}

class WriteSide implements Side {
  constructor(private readonly x: Words, private readonly count: () => number) {}
  tryTake(): boolean {
    const { i32, b, me } = this.x;
    if (Atomics.compareExchange(i32, b + W, 0, me) !== 0) return false;
    if (Atomics.load(i32, b + R) === 0) return true;
    this.release(); // readers hold shares: the native wait takes W again
    return false;
  }
  nativeTake(t: number, cb?: DoneCallback): number {
    return cb ? rwNative.rwWriteAcquire(this.x.seg(), false, t, cb) : rwNative.rwWriteAcquire(this.x.seg(), false, t);
  }
  syncTake(t: number): number {
    // Keep W so that readers arriving now queue behind us, then wait natively for the readers.
    const have = Atomics.compareExchange(this.x.i32, this.x.b + W, 0, this.x.me) === 0;
    return rwNative.rwWriteAcquire(this.x.seg(), have, t);
  }
  release(): void {
    const { i32, b, me } = this.x;
    if (Atomics.compareExchange(i32, b + W, me, 0) === me) return;
    const code = rwNative.rwWriteRelease(this.x.raw());
    if (code !== Code.OK) throw nativeError(code);
  }
  locked(): boolean {
    return (Atomics.load(this.x.i32, this.x.b + W) & OWNER_MASK) !== 0 || this.count() > 0;
  }
}

export class RWLock extends Primitive {
  /** Shared (reader) side. */
  readonly read: RWLockView;
  /** Exclusive (writer) side. */
  readonly write: RWLockView;
  private readonly slots: number;

  constructor(opts?: CreateOptions & AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'RWLock', params: [DEFAULT_SLOTS] }, opts ?? {}));
    this.slots = this.info.params[0];
    const x: Words = {
      i32: this.i32,
      b: this.base,
      me: this.me,
      n: this.slots,
      hint: this.me % this.slots,
      seg: () => this.seg,
      raw: () => this.rawSegment(),
      rOff: this.off(R),
    };
    this.read = new RWLockView(this, new ReadSide(x), 'read');
    this.write = new RWLockView(this, new WriteSide(x, () => this.countReaders()), 'write');
  }

  /** Opens an existing RWLock by name. */
  static open(name: string): RWLock {
    return new RWLock({ [kAttach]: openSegment(name, 'RWLock') });
  }

  get kind(): 'RWLock' {
    return 'RWLock';
  }

  /** @internal Throws ERR_CLOSED after close(). */
  check(): void {
    this.seg;
  }

  /** Read shares held now (all processes and threads). */
  get readers(): number {
    this.seg;
    return this.countReaders();
  }

  private countReaders(): number {
    let c = 0;
    const end = this.base + SLOTS + this.slots;
    for (let i = this.base + SLOTS; i < end; i++) if (Atomics.load(this.i32, i) > 0) c++;
    return c;
  }

  protected override beforeClose(): Promise<void> | void {
    const a = this.read.queue.close(this.kind);
    const b = this.write.queue.close(this.kind);
    if (a || b) return Promise.all([a, b]).then(() => undefined);
  }

  protected override inspectFields(): Record<string, unknown> {
    const w = Atomics.load(this.i32, this.base + W) & OWNER_MASK;
    return { name: this.name, readers: this.countReaders(), writer: w ? native.userPid(this.seg, w) : null };
  }
}


