// Semaphore and BoundedSemaphore. Word 0: the value; word 1: sleepers; word 2: the CPU of the
// last waking release (native/primitives/semaphore_core.h).
// acquire is a CAS-decrement when the value is positive; release a CAS-add (checked against
// the bound in the same CAS for BoundedSemaphore, so the check is atomic) plus a wake only
// when someone sleeps.
import { layout } from '../core/layout';

/** State words (native/primitives/semaphore_core.h). */
const { valueWord: VALUE, sleepersWord: SLEEPERS } = layout.semaphore;
import { coded, invalidArgType, outOfRange } from '../core/errors';
import { Code, native, NativeSegment } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkInt, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { AcquireQueue, RESOLVED_TRUE, abortReason } from './waitqueue';
import { withLock, withLockSync } from './with-lock';
import { KindName } from '../core/kinds';

const MAX = 0x7fffffff;
// Module constants, not `native.x` / `Code.OK` at each call: in the CommonJS build every use of
// an import is a property load of the other module's exports object (issue 15, one-CPU
// ping-pongs: each is a cache line to fetch again after a context switch).
const { semAcquire, semWake } = native;
const OK = Code.OK;

type SemOptions = CreateOptions & AttachOptions;

function parseArgs(value: unknown, opts: unknown): [number, SemOptions] {
  if (typeof value === 'object' && value !== null && opts === undefined) return [1, value as SemOptions];
  const v = value === undefined ? 1 : value;
  checkInt(v, 'value', 0, MAX);
  if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw invalidArgType('options must be an object');
  return [v as number, (opts ?? {}) as SemOptions];
}

abstract class SemaphoreBase extends Primitive {
  /** Indexes in i32 of the value and sleepers words. */
  private readonly valueAt: number;
  private readonly sleepersAt: number;
  private readonly queue: AcquireQueue;
  /** The bound (BoundedSemaphore), or MAX. */
  protected readonly bound: number;

  protected constructor(seg: NativeSegment, bounded: boolean) {
    super(seg);
    this.valueAt = this.base + VALUE;
    this.sleepersAt = this.base + SLEEPERS;
    this.bound = bounded ? this.info.params[0] : MAX;
    this.queue = new AcquireQueue({
      tryNow: () => this.tryTake(),
      start: (t, cb) => native.semAcquire(this.seg, t, cb),
      undo: () => this.add(1),
      error: (code) => new Error(`unexpected native result ${code}`),
    });
  }

  private tryTake(): boolean {
    // The first CAS guesses the value 1 (a mutex-like use, or a hand-off): then it takes in one
    // Atomics call, and when the value is 0 its result says so as a load would. Each Atomics
    // call is a builtin call in V8 (issue 15). Only that first CAS's result 1 means "taken": a
    // retry that fails and sees 1 has taken nothing, and tries 1 -> 0 next.
    let v = Atomics.compareExchange(this.i32, this.valueAt, 1, 0);
    if (v === 1) return true;
    while (v > 0) {
      const seen = Atomics.compareExchange(this.i32, this.valueAt, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    return false;
  }

  /** Blocking acquire (decrement); false on timeout. */
  acquireSync(opts?: WaitOptions): boolean {
    const seg = this.seg;
    const t = opts === undefined ? -1 : waitTimeout(opts);
    if (this.tryTake()) return true;
    if (t === 0) return false;
    return semAcquire(seg, t) === OK;
  }

  /** Acquire without blocking the event loop; resolves false on timeout. */
  acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    // Uncontended and without options: nothing to read or queue (as Lock's).
    if (opts === undefined && !this.isClosed && this.queue.idle && this.tryTake()) return RESOLVED_TRUE;
    return this.acquireQueued(opts);
  }

  private acquireQueued(opts: AsyncWaitOptions | undefined): Promise<boolean> {
    try {
      this.seg;
      const t = waitTimeout(opts);
      const signal = checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.queue.idle && this.tryTake()) return RESOLVED_TRUE;
      if (t === 0) return Promise.resolve(false);
      return this.queue.acquire(t, signal);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Adds n (default 1) and wakes as many sleepers. */
  release(n = 1): void {
    this.seg;
    if (n !== 1) checkInt(n, 'n', 1, MAX);
    this.add(n);
  }

  private add(n: number): void {
    // Guesses the value 0 (a waiter to hand to, or a held mutex): one Atomics call then.
    let v = 0;
    for (;;) {
      if (v + n > this.bound) {
        if (this.bound !== MAX) throw coded('ERR_RELEASED_TOO_MANY_TIMES', `${this.kind} released too many times`);
        throw outOfRange(`${this.kind} value would exceed ${MAX}`);
      }
      const seen = Atomics.compareExchange(this.i32, this.valueAt, v, v + n);
      if (seen === v) break;
      v = seen;
    }
    // Value first, then the sleepers count (seq_cst): a sleeper announces itself before it
    // re-checks the value in the futex, so one of the two sides always sees the other.
    if (Atomics.load(this.i32, this.sleepersAt) > 0) semWake(this.rawSegment(), n);
  }

  /** The current value. */
  getValue(): number {
    this.seg;
    return Atomics.load(this.i32, this.valueAt);
  }

  /** True when the value is 0 (an acquire would wait). */
  locked(): boolean {
    return this.getValue() === 0;
  }

  withLock<R>(fn: () => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>> {
    return withLock(this, this, fn, opts);
  }

  withLockSync<R>(fn: () => R, opts?: WaitOptions): R {
    return withLockSync(this, this, fn, opts);
  }

  protected override beforeClose(): Promise<void> | void {
    return this.queue.close(this.kind);
  }

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, value: Atomics.load(this.i32, this.valueAt) };
  }
}

export class Semaphore extends SemaphoreBase {
  constructor(value?: number | CreateOptions, opts?: CreateOptions);
  /** @internal */
  constructor(value?: number | SemOptions, opts?: SemOptions);
  constructor(value?: number | SemOptions, opts?: SemOptions) {
    const [v, o] = parseArgs(value, opts);
    super(o[kAttach] ?? createSegment({ kind: 'Semaphore', params: [v], init: initValue(v) }, o), false);
  }

  static open(name: string): Semaphore {
    return new Semaphore(1, { [kAttach]: openSegment(name, 'Semaphore') });
  }

  get kind(): KindName {
    return 'Semaphore';
  }
}

export class BoundedSemaphore extends SemaphoreBase {
  constructor(value?: number | CreateOptions, opts?: CreateOptions);
  /** @internal */
  constructor(value?: number | SemOptions, opts?: SemOptions);
  constructor(value?: number | SemOptions, opts?: SemOptions) {
    const [v, o] = parseArgs(value, opts);
    super(o[kAttach] ?? createSegment({ kind: 'BoundedSemaphore', params: [v], init: initValue(v) }, o), true);
  }

  static open(name: string): BoundedSemaphore {
    return new BoundedSemaphore(1, { [kAttach]: openSegment(name, 'BoundedSemaphore') });
  }

  get kind(): KindName {
    return 'BoundedSemaphore';
  }
}

function initValue(v: number): Uint8Array {
  return new Uint8Array(new Int32Array([v]).buffer);
}
