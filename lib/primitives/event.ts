// Event. Word 0: (generation << 1) | flag; word 1: sleepers (native/primitives/event.h). set() bumps the
// generation and sets the flag in one CAS; a waiter returns true when the flag is set or the
// generation moved while it waited (threading.Event semantics, even if cleared again).
import { layout } from '../core/layout';

/** State words (native/primitives/event.h). */
const { stateWord: STATE, sleepersWord: SLEEPERS } = layout.event;
import { Timer, startTimer } from '../core/timers';
import { CreateOptions, AsyncWaitOptions, WaitOptions, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { Code, native, NativeSegment } from '../core/native';
import { abortReason } from './waitqueue';
import { closedError } from '../core/errors';

const GEN_MASK = 0x3fffffff; // keeps the state word positive in an Int32Array
// Module constants for the sync hot paths (as in semaphore.ts: an import is a property load).
const { eventWait, wake } = native;
const OK = Code.OK;

interface Waiter {
  seen: number;
  resolve: (v: boolean) => void;
  reject: (e: unknown) => void;
  timer?: Timer;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class Event extends Primitive {
  private readonly st: number;
  private readonly sl: number;
  // Local async waiters share one native wait (a set() wakes all of them at once).
  private readonly waiters = new Set<Waiter>();
  private inflight: number | null = null;

  constructor(opts?: CreateOptions);
  /** @internal */
  constructor(opts?: CreateOptions & AttachOptions);
  constructor(opts?: CreateOptions & AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'Event' }, opts ?? {}));
    this.st = this.base + STATE;
    this.sl = this.base + SLEEPERS;
  }

  static open(name: string): Event {
    return new Event({ [kAttach]: openSegment(name, 'Event') });
  }

  get kind(): 'Event' {
    return 'Event';
  }

  isSet(): boolean {
    this.seg;
    return (Atomics.load(this.i32, this.st) & 1) === 1;
  }

  /** Sets the flag and wakes every waiter in every process. */
  set(): void {
    const seg = this.seg;
    for (;;) {
      const v = Atomics.load(this.i32, this.st);
      if (v & 1) return;
      const next = ((((v >>> 1) + 1) & GEN_MASK) << 1) | 1;
      if (Atomics.compareExchange(this.i32, this.st, v, next) === v) break;
    }
    if (Atomics.load(this.i32, this.sl) > 0) wake(seg, this.off(STATE), 0x7fffffff);
  }

  clear(): void {
    this.seg;
    Atomics.and(this.i32, this.st, ~1);
  }

  /** Blocks until set; true if set (or set while waiting), false on timeout. */
  waitSync(opts?: WaitOptions): boolean {
    const seg = this.seg;
    const t = waitTimeout(opts);
    const v = Atomics.load(this.i32, this.st);
    if (v & 1) return true;
    if (t === 0) return false;
    return eventWait(seg, v, t) === OK;
  }

  /** Waits without blocking the event loop. */
  wait(opts?: AsyncWaitOptions): Promise<boolean> {
    try {
      this.seg;
      const t = waitTimeout(opts);
      const signal = checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const v = Atomics.load(this.i32, this.st);
      if (v & 1) return Promise.resolve(true);
      if (t === 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve, reject) => {
        const w: Waiter = { seen: v, resolve, reject };
        if (t > 0) w.timer = startTimer(() => this.finish(w, false), t);
        if (signal) {
          w.signal = signal;
          w.onAbort = () => this.finish(w, abortReason(signal), true);
          signal.addEventListener('abort', w.onAbort, { once: true });
        }
        this.waiters.add(w);
        // Only the new waiter needs a check here; the others were checked when they came or
        // are re-checked when the native wait completes.
        if (this.inflight === null) this.pump();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private pump(): void {
    const cur = Atomics.load(this.i32, this.st);
    for (const w of this.waiters) {
      if (cur & 1 || cur >>> 1 !== w.seen >>> 1) this.finish(w, true);
    }
    if (this.inflight !== null || this.waiters.size === 0 || this.isClosed) return;
    // Every waiter left saw the generation of `cur` (the loop above resolved the others), so
    // one native wait for "the word differs from cur" serves them all.
    this.inflight = native.eventWait(this.seg, cur, -1, () => {
      this.inflight = null;
      if (!this.isClosed) this.pump();
    });
  }

  private finish(w: Waiter, result: unknown, reject = false): void {
    if (!this.waiters.delete(w)) return;
    w.timer?.clear();
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    if (reject) w.reject(result);
    else w.resolve(result as boolean);
    if (this.waiters.size === 0 && this.inflight !== null) native.cancel(this.inflight);
  }

  protected override beforeClose(): void {
    for (const w of [...this.waiters]) this.finish(w, closedError('Event'), true);
  }

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, isSet: (Atomics.load(this.i32, this.st) & 1) === 1 };
  }
}

export type { NativeSegment };
