// Barrier: threading.Barrier across processes. The state machine (filling / draining /
// resetting / broken, the counted parties' thread ids, dead-party detection) is native
// (native/primitives/barrier.h); the action is a JS function given per process and run by the last
// arrival, which then tells the native side to release or break the cycle.
import { layout } from '../core/layout';
import { BrokenBarrierError, closedError, coded, invalidArgType } from '../core/errors';
import { Code, DoneCallback, native, SegHandle } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkInt, checkObject, checkSignal, normaliseTimeout, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { abortReason } from './waitqueue';

// State words (native/primitives/barrier.h).
const { stateWord: W_STATE, countWord: W_COUNT, filling: ST_FILLING, broken: ST_BROKEN, runAction: RUN_ACTION, maxParties: MAX_PARTIES } =
  layout.barrier;

interface BarrierNative {
  barrierWait(seg: SegHandle, hasAction: boolean, timeout: number): [number, number];
  barrierWait(seg: SegHandle, hasAction: boolean, timeout: number, cb: DoneCallback): number;
  barrierComplete(seg: SegHandle, ok: boolean): number;
  barrierReset(seg: SegHandle): number;
  barrierAbort(seg: SegHandle): number;
}
const bn = native as unknown as BarrierNative;

export type BarrierAction = () => unknown;

export interface BarrierOptions extends CreateOptions {
  /** Run by the last arriving party (in its process) before any party is released. */
  action?: BarrierAction | null;
  /** Default timeout of wait() in ms (stored in shared memory: every process uses it). */
  timeout?: number | null;
}

interface PendingWait {
  req: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

function checkAction(a: unknown): BarrierAction | undefined {
  if (a === undefined || a === null) return undefined;
  if (typeof a !== 'function') throw invalidArgType('action must be a function');
  return a as BarrierAction;
}

/** The default timeout as stored in params[1]: 0 none, else whole ms + 1. */
function encodeTimeout(t: unknown): number {
  const ms = normaliseTimeout(t);
  return ms < 0 ? 0 : Math.min(Math.round(ms), 0xfffffffe) + 1;
}

export class Barrier extends Primitive {
  #action: BarrierAction | undefined;
  private readonly pending = new Set<PendingWait>();
  private closing: (() => void) | null = null;

  constructor(parties: number, opts?: BarrierOptions);
  /** @internal */
  constructor(parties: number, opts?: BarrierOptions & AttachOptions);
  constructor(parties: number, opts?: BarrierOptions & AttachOptions) {
    const o = checkObject<BarrierOptions & AttachOptions>(opts, 'options') ?? {};
    const action = checkAction(o.action);
    let seg = o[kAttach];
    if (!seg) {
      checkInt(parties, 'parties', 1, MAX_PARTIES);
      seg = createSegment({ kind: 'Barrier', params: [parties, encodeTimeout(o.timeout)] }, o);
    }
    super(seg);
    this.#action = action;
  }

  /** Opens an existing Barrier by name; the action (a JS function) is given per process. */
  static open(name: string, opts?: { action?: BarrierAction | null }): Barrier {
    const action = checkAction(checkObject<{ action?: unknown }>(opts, 'options')?.action);
    return new Barrier(1, { [kAttach]: openSegment(name, 'Barrier'), action });
  }

  get kind(): 'Barrier' {
    return 'Barrier';
  }

  /** Number of parties needed to pass the barrier. */
  get parties(): number {
    this.seg;
    return this.info.params[0];
  }

  /** The default timeout of wait() in ms, or null. */
  get timeout(): number | null {
    this.seg;
    const p = this.info.params[1];
    return p === 0 ? null : p - 1;
  }

  /** Parties currently waiting in a filling cycle (threading's n_waiting). */
  get nWaiting(): number {
    this.seg;
    return Atomics.load(this.i32, this.base + W_STATE) === ST_FILLING ? Atomics.load(this.i32, this.base + W_COUNT) : 0;
  }

  /** True when the barrier is broken (until reset()). */
  get broken(): boolean {
    this.seg;
    return Atomics.load(this.i32, this.base + W_STATE) === ST_BROKEN;
  }

  /** Blocks until `parties` parties have arrived; returns this party's arrival index. */
  waitSync(opts?: WaitOptions): number {
    const seg = this.seg;
    const t = waitTimeout(opts, this.timeout);
    const action = this.#action;
    const [code, index] = bn.barrierWait(seg, action !== undefined, t);
    if (code !== RUN_ACTION) return this.outcome(code, index);
    try {
      action!();
    } catch (e) {
      bn.barrierComplete(seg, false);
      throw e;
    }
    return this.outcome(bn.barrierComplete(seg, true), index);
  }

  /** Waits without blocking the event loop. An aborted wait withdraws its arrival. */
  async wait(opts?: AsyncWaitOptions): Promise<number> {
    const seg = this.seg;
    const t = waitTimeout(opts, this.timeout);
    const signal = checkSignal(opts);
    if (signal?.aborted) throw abortReason(signal);
    const action = this.#action;
    const [code, index] = await new Promise<[number, number]>((resolve) => {
      const p: PendingWait = { req: 0 };
      p.req = bn.barrierWait(seg, action !== undefined, t, (c, v) => {
        this.pending.delete(p);
        if (p.signal && p.onAbort) p.signal.removeEventListener('abort', p.onAbort);
        if (c === RUN_ACTION && this.isClosed) {
          // Closing while the action is due: the cycle cannot complete through us.
          bn.barrierComplete(this.handle, false);
          c = Code.CANCELLED;
        }
        resolve([c, v]);
        if (this.pending.size === 0 && this.closing) {
          const done = this.closing;
          this.closing = null;
          done();
        }
      });
      if (signal) {
        p.signal = signal;
        p.onAbort = () => native.cancel(p.req);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.add(p);
    });
    if (code === Code.CANCELLED) throw this.isClosed ? closedError(this.kind) : abortReason(signal!);
    if (code !== RUN_ACTION) return this.outcome(code, index);
    try {
      await action!();
    } catch (e) {
      bn.barrierComplete(this.handle, false);
      throw e;
    }
    return this.outcome(bn.barrierComplete(this.handle, true), index);
  }

  /** Returns the barrier to its initial state; current waiters get BrokenBarrierError. */
  reset(): void {
    const r = bn.barrierReset(this.seg);
    if (r < 0) throw this.nativeError(r);
  }

  /** Breaks the barrier: current and later waiters get BrokenBarrierError until reset(). */
  abort(): void {
    const r = bn.barrierAbort(this.seg);
    if (r < 0) throw this.nativeError(r);
  }

  private outcome(code: number, index: number): number {
    if (code === Code.OK) return index;
    if (code === Code.BROKEN) throw new BrokenBarrierError();
    throw this.nativeError(code);
  }

  private nativeError(code: number): Error {
    if (code === Code.CORRUPT) return coded('ERR_CORRUPT', `Barrier '${this.name}': the shared state is corrupt`);
    return new Error(`Barrier '${this.name}': unexpected native result ${code}`);
  }

  protected override beforeClose(): Promise<void> | void {
    if (this.pending.size === 0) return;
    // Cancelled waits withdraw their arrival natively; the segment stays open until they end.
    for (const p of this.pending) native.cancel(p.req);
    return new Promise<void>((resolve) => (this.closing = resolve));
  }

  protected override inspectFields(): Record<string, unknown> {
    const state = Atomics.load(this.i32, this.base + W_STATE);
    return {
      name: this.name,
      parties: this.info.params[0],
      nWaiting: state === ST_FILLING ? Atomics.load(this.i32, this.base + W_COUNT) : 0,
      broken: state === ST_BROKEN,
    };
  }
}
