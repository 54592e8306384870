// RWLock: any number of readers or one writer, writer-preferring, phase-fair at a writer's
// release. The words and their protocol are documented in native/primitives/rwlock.h. The uncontended read
// pair and write pair here are one CAS each on the state word S, like a Lock's; a read share is
// also recorded in the thread's home slot (plain stores to a word only this thread writes), so
// that a dead reader's share can be given back. Anything else goes native.
import { coded } from '../core/errors';
import { layout } from '../core/layout';
import { Code, DoneCallback, Holder, native, SegHandle } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { OWNER_MASK, ownerDiedWarning } from './lock';
import { AcquireQueue, abortReason } from './waitqueue';
import { withLock, withLockSync } from './with-lock';

const L = layout.rwlock;
const { stateWord: S, slotsWord: SLOTS, defaultSlots: DEFAULT_SLOTS, homeMax: HOME_MAX, countMask: COUNT } = L;
/** Reader mode (bit 31, so a reader-mode S is negative as an int32) and WAIT (bit 30). */
const READ = L.read | 0;
const WAIT = L.wait | 0;
const ONE_READER = READ | 1;

type NativeRW = {
  rwReadAcquire(seg: SegHandle, timeout: number, cb?: DoneCallback): number;
  rwWriteAcquire(seg: SegHandle, timeout: number, cb?: DoneCallback): number;
  rwWriteRelease(seg: SegHandle): number;
  rwReadRelease(seg: SegHandle, fromHome: boolean): number;
  rwHomeSlot(seg: SegHandle): number;
};
const rwNative = native as unknown as NativeRW;

/** The operations a view needs from its RWLock (internal). */
interface Side {
  tryTake(): boolean;
  nativeTake(t: number, cb?: DoneCallback): number;
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
    const code = this.side.nativeTake(t);
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

  withLock<T>(fn: () => T | Promise<T>, opts?: AsyncWaitOptions): Promise<Awaited<T>> {
    return withLock(this, this.owner, fn, opts);
  }

  withLockSync<T>(fn: () => T, opts?: WaitOptions): T {
    return withLockSync(this, this.owner, fn, opts);
  }
}

function nativeError(code: number): Error {
  if (code === Code.RELEASED_TOO_MANY) return coded('ERR_RELEASED_TOO_MANY_TIMES', 'release of a share not held');
  if (code === Code.CORRUPT) return coded('ERR_CORRUPT', 'RWLock state is corrupt');
  return new Error(`unexpected native result ${code}`);
}

/** The words of one RWLock as the fast paths see them (internal). */
class Words {
  /** Index of S in i32. */
  readonly s: number;
  /** Index in i32 of the home slot's share count: -1 not looked up yet, -2 none free. */
  home = -1;
  constructor(
    readonly i32: Int32Array,
    base: number,
    readonly me: number,
    private readonly slots: number,
    readonly seg: () => SegHandle,
    /** The segment also while close() undoes an in-flight wait (releases use it). */
    readonly raw: () => SegHandle,
  ) {
    this.s = base + S;
    this.slotsAt = base + SLOTS;
  }
  private readonly slotsAt: number;
  /** The home slot's count word, looked up (claimed) once; -2 when there is none. */
  homeWord(): number {
    if (this.home !== -1) return this.home;
    const i = rwNative.rwHomeSlot(this.seg());
    this.home = i >= 0 && i < this.slots ? this.slotsAt + 2 * i + 1 : -2;
    return this.home;
  }
}

class ReadSide implements Side {
  constructor(private readonly x: Words) {}
  tryTake(): boolean {
    const x = this.x;
    const h = x.home >= 0 ? x.home : x.homeWord();
    if (h < 0) return false;
    const i32 = x.i32;
    const c = i32[h];
    if (c < 0 || c >= HOME_MAX) return false;
    i32[h] = c + 1; // recorded before S counts it (native/primitives/rwlock.h)
    let s = Atomics.compareExchange(i32, x.s, 0, ONE_READER);
    if (s === 0) return true;
    while (s < 0 && (s & WAIT) === 0 && (s & COUNT) !== COUNT) {
      const was = Atomics.compareExchange(i32, x.s, s, s + 1);
      if (was === s) return true;
      s = was;
    }
    i32[h] = c; // a writer holds or waits: the native path queues
    return false;
  }
  nativeTake(t: number, cb?: DoneCallback): number {
    return cb ? rwNative.rwReadAcquire(this.x.seg(), t, cb) : rwNative.rwReadAcquire(this.x.seg(), t);
  }
  release(): void {
    const x = this.x;
    const h = x.home;
    const i32 = x.i32;
    const c = h >= 0 ? i32[h] : 0;
    if (c <= 0) {
      // No fast-path share: one taken natively, in a slot of its own.
      const code = rwNative.rwReadRelease(x.raw(), false);
      if (code !== Code.OK) throw nativeError(code);
      return;
    }
    let s = Atomics.compareExchange(i32, x.s, ONE_READER, 0);
    if (s !== ONE_READER) {
      for (;;) {
        if (s >= 0 || (s & WAIT) !== 0 || (s & COUNT) === 0) {
          // A writer waits (it must be woken when the last reader leaves), or S is damaged.
          const code = rwNative.rwReadRelease(x.raw(), true);
          if (code !== Code.OK) throw nativeError(code);
          break;
        }
        const was = Atomics.compareExchange(i32, x.s, s, (s & COUNT) === 1 ? 0 : s - 1);
        if (was === s) break;
        s = was;
      }
    }
    i32[h] = c - 1; // unrecorded after S stopped counting it
  }
  locked(): boolean {
    return Atomics.load(this.x.i32, this.x.s) > 0;
  }
}

class WriteSide implements Side {
  constructor(private readonly x: Words) {}
  tryTake(): boolean {
    return Atomics.compareExchange(this.x.i32, this.x.s, 0, this.x.me) === 0;
  }
  nativeTake(t: number, cb?: DoneCallback): number {
    return cb ? rwNative.rwWriteAcquire(this.x.seg(), t, cb) : rwNative.rwWriteAcquire(this.x.seg(), t);
  }
  release(): void {
    const x = this.x;
    if (Atomics.compareExchange(x.i32, x.s, x.me, 0) === x.me) return;
    const code = rwNative.rwWriteRelease(x.raw());
    if (code !== Code.OK) throw nativeError(code);
  }
  locked(): boolean {
    const s = Atomics.load(this.x.i32, this.x.s);
    return s > 0 || (s & COUNT) !== 0;
  }
}

export class RWLock extends Primitive {
  /** Shared (reader) side. */
  readonly read: RWLockView;
  /** Exclusive (writer) side. */
  readonly write: RWLockView;
  private readonly s: number;

  constructor(opts?: CreateOptions);
  /** @internal */
  constructor(opts?: CreateOptions & AttachOptions);
  constructor(opts?: CreateOptions & AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'RWLock', params: [DEFAULT_SLOTS] }, opts ?? {}));
    const x = new Words(this.i32, this.base, this.me, this.info.params[0], () => this.seg, () => this.rawSegment());
    this.s = x.s;
    this.read = new RWLockView(this, new ReadSide(x), 'read');
    this.write = new RWLockView(this, new WriteSide(x), 'write');
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
    const s = Atomics.load(this.i32, this.s);
    return s < 0 ? s & COUNT : 0;
  }

  protected override beforeClose(): Promise<void> | void {
    const a = this.read.queue.close(this.kind);
    const b = this.write.queue.close(this.kind);
    if (a || b) return Promise.all([a, b]).then(() => undefined);
  }

  protected override inspectFields(): Record<string, unknown> {
    const s = Atomics.load(this.i32, this.s);
    const w = s > 0 ? s & OWNER_MASK : 0;
    return { name: this.name, readers: this.countReaders(), writer: w ? native.userPid(this.seg, w) : null };
  }

  /** @internal The writer for procsync.inspect, or null. */
  inspectHolder(): Holder | null {
    const s = Atomics.load(this.i32, this.s);
    return s > 0 ? native.userHolder(this.seg, s & OWNER_MASK) : null;
  }
}


