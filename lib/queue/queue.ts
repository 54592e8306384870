// Queue, JoinableQueue, SimpleQueue: a ring buffer of length-prefixed records (lib/queue/item-codec.ts) in
// one shared segment (layout and crash-safety protocol: native/primitives/queue.h). A put/get that finds
// its side's mutex free (puts and gets have one each) runs on the JS thread over the mapped
// ring (lib/queue/ring.ts); otherwise it is one native call that copies the record under that
// mutex. Blocking sync forms wait natively, async forms wait natively for "could succeed now"
// and then try on the JS thread (lib/queue/waits.ts), so an aborted or timed-out async call has
// changed nothing.
import { layout } from '../core/layout';
import { Empty, Full, ProcsyncError, coded, invalidArgType, invalidArgValue, outOfRange } from '../core/errors';
import { Code, DoneCallback, SegHandle, native } from '../core/native';
import { AsyncWaitOptions, CreateOptions, WaitOptions, checkInt, checkObject, checkSignal, waitTimeout } from '../core/options';
import { AttachOptions, Primitive, createSegment, kAttach, openSegment } from '../core/primitive';
import { KindName } from '../core/kinds';
import { ItemWriter, MIN_ITEM_BYTES, decodeItem } from './item-codec';
import { NOT_NOW, WaitLine } from './waits';
import { RING_NONE, RING_SLOW, Ring } from './ring';
import { abortReason } from '../core/abort';

/** Word indices in the state and what queueWait waits for (native/primitives/queue.h). */
const { putCountWord: W_PUT_COUNT, canGet: CAN_GET, canPut: CAN_PUT, joined: JOINED } = layout.queue;
/** The smallest encoded item plus the 4-byte length prefix. */
const MIN_RECORD = MIN_ITEM_BYTES + 4;

export const DEFAULT_CAPACITY = 1024 * 1024;
const { maxCapacity: MAX_CAPACITY, maxMaxsize: MAX_MAXSIZE } = layout.queue;

interface QueueNative {
  queuePut(seg: SegHandle, bytes: Uint8Array, length: number, timeoutMs: number): number;
  queueGet(seg: SegHandle, timeoutMs: number, into: Uint8Array): number;
  queueWait(seg: SegHandle, what: number, need: number, timeoutMs: number): number;
  queueWait(seg: SegHandle, what: number, need: number, timeoutMs: number, cb: DoneCallback): number;
  queueTaskDone(seg: SegHandle): number;
  queueStat(seg: SegHandle): [code: number, count: number, used: number, unfinished: number, repairs: number];
}
const qn = native as unknown as QueueNative;

export interface QueueOptions extends CreateOptions {
  /** Most items the queue holds; 0 (default): limited only by `capacity`. */
  maxsize?: number;
  /** Bytes of ring buffer (default 1 MiB); also the largest serialized item. */
  capacity?: number;
}
type Opts = QueueOptions & AttachOptions;

function parseOptions(arg: unknown): Opts {
  const o: Opts = typeof arg === 'number' ? { maxsize: arg } : (checkObject<Opts>(arg, 'options') ?? {});
  if (o.maxsize !== undefined) checkInt(o.maxsize, 'maxsize', 0, MAX_MAXSIZE);
  if (o.capacity !== undefined) checkInt(o.capacity, 'capacity', 1, MAX_CAPACITY);
  return o;
}

function nativeError(code: number, what: string): Error {
  switch (code) {
    case Code.MESSAGE_TOO_LARGE:
      return coded('ERR_MESSAGE_TOO_LARGE', `${what}: the item is larger than the queue's capacity`);
    case Code.CORRUPT:
      return coded('ERR_CORRUPT', `${what}: the queue's shared state is corrupt`);
    case Code.CLOSED:
      return coded('ERR_CLOSED', `${what} is closed`);
    case Code.OUT_OF_RANGE:
      return outOfRange(`${what}: taskDone() called more times than there were items`);
    default:
      return new ProcsyncError('ERR_SYSTEM', `${what}: native error ${code}`);
  }
}

/** What Queue, JoinableQueue and SimpleQueue share: the ring, put/get, empty. */
abstract class QueueCore<T> extends Primitive {
  /** Most items the queue holds (0: limited by capacity only). */
  readonly maxsize: number;
  /** Bytes of ring buffer; the largest serialized item. */
  readonly capacity: number;
  /** Reused for every get: [length u32][record]; grows to the largest item seen. */
  private scratch: Buffer = Buffer.allocUnsafe(4096);
  /** Encodes every put (its buffer is reused: copied only by a put that has to wait). */
  private readonly writer = new ItemWriter();
  private readonly gets: WaitLine<T>;
  private readonly puts: WaitLine<void>;
  /** The JS fast path over the mapped ring (native calls only to wait or repair). */
  private readonly ring: Ring;

  /** The kind a subclass creates (read through new.target, before `this` exists). */
  static readonly queueKind: KindName;

  protected constructor(opts: QueueOptions);
  /** @internal */
  protected constructor(opts: Opts);
  protected constructor(opts: Opts) {
    const kind = (new.target as unknown as { queueKind: KindName }).queueKind;
    const seg =
      opts[kAttach] ??
      createSegment({ kind, params: [opts.maxsize ?? 0, opts.capacity ?? DEFAULT_CAPACITY] }, opts);
    super(seg);
    this.maxsize = this.info.params[0];
    this.capacity = this.info.params[1];
    this.ring = new Ring(this.i32.buffer as ArrayBuffer, this.info.stateOffset, this.capacity, this.maxsize, this.me);
    this.gets = new WaitLine<T>({
      start: (_need, t, cb) => qn.queueWait(this.seg, CAN_GET, 0, t, cb),
      // Getters are woken one per put: a wake-up that reached an abandoned wait goes on.
      passOn: () => {
        if (!this.isClosed) native.wake(this.seg, this.off(W_PUT_COUNT), 1);
      },
      error: (code) => nativeError(code, this.kind),
    });
    this.puts = new WaitLine<void>({
      start: (need, t, cb) => qn.queueWait(this.seg, CAN_PUT, need, t, cb),
      error: (code) => nativeError(code, this.kind),
    });
  }

  // ---- encoding -------------------------------------------------------------------------

  /** Encodes into this.writer.out; returns the length. */
  private encode(item: unknown): number {
    let n: number;
    try {
      n = this.writer.write(item);
    } catch (e) {
      const err = invalidArgType(`${this.kind}: the item cannot be serialized (${(e as Error).message})`);
      (err as Error).cause = e;
      throw err;
    }
    if (n > this.capacity) {
      throw coded('ERR_MESSAGE_TOO_LARGE', `${this.kind}: a ${n}-byte item exceeds the capacity of ${this.capacity} bytes`);
    }
    return n;
  }

  private decode(bytes: Buffer, start: number, end: number): T {
    try {
      return decodeItem(bytes, start, end) as T;
    } catch (e) {
      if (e instanceof ProcsyncError) throw e; // e.g. a primitive inside that cannot be reopened
      throw coded('ERR_CORRUPT', `${this.kind}: an item could not be deserialized (${(e as Error).message})`);
    }
  }

  // ---- one attempt (never blocks) ---------------------------------------------------------

  private tryPut(bytes: Buffer, length: number): boolean {
    const seg = this.seg;
    const r = this.ring.put(seg, bytes, length);
    if (r !== RING_SLOW) return r !== RING_NONE;
    const code = qn.queuePut(seg, bytes, length, 0);
    if (code === Code.OK) return true;
    if (code === Code.TIMEOUT) return false;
    throw nativeError(code, this.kind);
  }

  private tryGet(): T | typeof NOT_NOW {
    return this.take(this.seg, 0);
  }

  /** One native get (waiting up to timeoutMs; -1 = no limit) into the reused scratch buffer. */
  private take(seg: SegHandle, timeoutMs: number): T | typeof NOT_NOW {
    const n = this.ring.get(seg, this.scratch);
    if (n >= 0) return this.decode(this.scratch, 4, 4 + n);
    if (n === RING_NONE && timeoutMs === 0) return NOT_NOW;
    const end = timeoutMs > 0 ? performance.now() + timeoutMs : 0;
    for (;;) {
      const r = qn.queueGet(seg, timeoutMs, this.scratch);
      const len = this.scratch.readUInt32LE(0);
      if (r === Code.OK) return this.decode(this.scratch, 4, 4 + len);
      if (r === Code.TIMEOUT) return NOT_NOW;
      if (r === Code.SYS && len + 4 > this.scratch.length) {
        // The item is larger than any so far: grow the buffer (it was not removed) and retry.
        this.scratch = Buffer.allocUnsafe(len + 4);
        if (timeoutMs > 0) timeoutMs = Math.max(0, end - performance.now());
        continue;
      }
      throw nativeError(r, this.kind);
    }
  }

  // ---- put --------------------------------------------------------------------------------

  /** Puts an item, waiting for room (block/timeout); throws Full when there is none in time. */
  putSync(item: T, opts?: WaitOptions): void {
    const seg = this.seg;
    const t = opts === undefined ? -1 : waitTimeout(opts);
    const n = this.encode(item);
    const r = this.ring.put(seg, this.writer.out, n);
    if (r === 0) return;
    if (r === RING_NONE && t === 0) throw new Full();
    const code = qn.queuePut(seg, this.writer.out, n, t);
    if (code === Code.OK) return;
    if (code === Code.TIMEOUT) throw new Full();
    throw nativeError(code, this.kind);
  }

  /** Puts an item without blocking the event loop; rejects with Full when there is no room in time. */
  put(item: T, opts?: AsyncWaitOptions): Promise<void> {
    try {
      this.seg;
      const t = waitTimeout(opts);
      const signal = checkSignal(opts);
      const n = this.encode(item);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.puts.idle && this.tryPut(this.writer.out, n)) return Promise.resolve();
      if (t === 0) return Promise.reject(new Full());
      // It waits: keep its own copy, the writer's buffer is reused by the next put.
      const bytes = Buffer.from(this.writer.out.subarray(0, n));
      return this.puts.wait({
        attempt: () => (this.tryPut(bytes, n) ? undefined : NOT_NOW),
        timedOut: (_res, rej) => rej(new Full()),
        need: n,
        timeoutMs: t,
        signal,
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- get --------------------------------------------------------------------------------

  /** Takes the oldest item, waiting for one (block/timeout); throws Empty when none comes in time. */
  getSync(opts?: WaitOptions): T {
    const seg = this.seg;
    const v = this.take(seg, opts === undefined ? -1 : waitTimeout(opts));
    if (v === NOT_NOW) throw new Empty();
    return v;
  }

  /** Takes the oldest item without blocking the event loop; rejects with Empty on timeout. */
  get(opts?: AsyncWaitOptions): Promise<T> {
    try {
      this.seg;
      const t = waitTimeout(opts);
      const signal = checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.gets.idle) {
        const v = this.tryGet();
        if (v !== NOT_NOW) return Promise.resolve(v);
      }
      if (t === 0) return Promise.reject(new Empty());
      return this.gets.wait({
        attempt: () => this.tryGet(),
        timedOut: (_res, rej) => rej(new Empty()),
        timeoutMs: t,
        signal,
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // ---- sizes ------------------------------------------------------------------------------

  /** Internal snapshot; `repairs`: how often a process died holding one of the queue's mutexes. */
  protected stat(): { count: number; used: number; unfinished: number; repairs: number } {
    const [code, count, used, unfinished, repairs] = qn.queueStat(this.seg);
    if (code !== Code.OK) throw nativeError(code, this.kind);
    return { count, used, unfinished, repairs };
  }

  /** True when no item is in the queue (a snapshot: other processes may change it at once). */
  empty(): boolean {
    return this.stat().count === 0;
  }

  protected override beforeClose(): Promise<void> | void {
    const pending = [this.gets.close(this.kind), this.puts.close(this.kind), this.closeMore()].filter(
      (p): p is Promise<void> => p instanceof Promise,
    );
    if (pending.length) return Promise.all(pending).then(() => undefined);
  }

  /** JoinableQueue closes its join waits here. */
  protected closeMore(): Promise<void> | void {}

  protected override inspectFields(): Record<string, unknown> {
    return { name: this.name, maxsize: this.maxsize, capacity: this.capacity, qsize: this.stat().count };
  }
}

export class Queue<T = unknown> extends QueueCore<T> {
  static override readonly queueKind: KindName = 'Queue';
  /** `new Queue({ maxsize = 0, capacity = 1 MiB, name?, mode?, persistent? })` (or `new Queue(maxsize)`). */
  constructor(opts?: QueueOptions | number) {
    super(parseOptions(opts));
  }

  static open<T = unknown>(name: string): Queue<T> {
    return new Queue<T>({ [kAttach]: openSegment(name, 'Queue') } as Opts);
  }

  get kind(): KindName {
    return 'Queue';
  }

  /** putSync(item, { block: false }): throws Full at once when there is no room. */
  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /** getSync({ block: false }): throws Empty at once when there is no item. */
  getNowait(): T {
    return this.getSync({ block: false });
  }

  /** Number of items in the queue (a snapshot). */
  qsize(): number {
    return this.stat().count;
  }

  /** True when `maxsize` items are queued or the byte capacity has no room for any item. */
  full(): boolean {
    const s = this.stat();
    return (this.maxsize > 0 && s.count >= this.maxsize) || this.capacity + 4 - s.used < MIN_RECORD;
  }
}

export class JoinableQueue<T = unknown> extends Queue<T> {
  static override readonly queueKind: KindName = 'JoinableQueue';
  private readonly joins: WaitLine<boolean>;

  constructor(opts?: QueueOptions | number) {
    super(opts as QueueOptions);
    this.joins = new WaitLine<boolean>({
      start: (_need, t, cb) => qn.queueWait(this.seg, JOINED, 0, t, cb),
      error: (code) => nativeError(code, this.kind),
    });
  }

  static override open<T = unknown>(name: string): JoinableQueue<T> {
    return new JoinableQueue<T>({ [kAttach]: openSegment(name, 'JoinableQueue') } as Opts);
  }

  override get kind(): KindName {
    return 'JoinableQueue';
  }

  /** Marks one item taken by get as processed; ERR_OUT_OF_RANGE when more than were put. */
  taskDone(): void {
    const code = qn.queueTaskDone(this.seg);
    if (code !== Code.OK) throw nativeError(code, this.kind);
  }

  private joinedNow(): boolean {
    return this.stat().unfinished === 0;
  }

  /** Waits until every item put has been taskDone()'d; false on timeout. */
  joinSync(opts?: WaitOptions): boolean {
    const seg = this.seg;
    const t = waitTimeout(opts);
    const code = qn.queueWait(seg, JOINED, 0, t);
    if (code === Code.OK) return true;
    if (code === Code.TIMEOUT) return false;
    throw nativeError(code, this.kind);
  }

  /** join() without blocking the event loop; resolves false on timeout. */
  join(opts?: AsyncWaitOptions): Promise<boolean> {
    try {
      this.seg;
      const t = waitTimeout(opts);
      const signal = checkSignal(opts);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      if (this.joinedNow()) return Promise.resolve(true);
      if (t === 0) return Promise.resolve(false);
      return this.joins.wait({
        attempt: () => (this.joinedNow() ? true : NOT_NOW),
        timedOut: (res) => res(false),
        timeoutMs: t,
        signal,
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  protected override closeMore(): Promise<void> | void {
    return this.joins.close(this.kind);
  }

  protected override inspectFields(): Record<string, unknown> {
    return { ...super.inspectFields(), unfinished: this.stat().unfinished };
  }
}

/** Python's SimpleQueue: put, get, empty, close (bounded by `capacity` bytes only). */
export class SimpleQueue<T = unknown> extends QueueCore<T> {
  static override readonly queueKind: KindName = 'SimpleQueue';
  /** `new SimpleQueue({ capacity = 1 MiB, name?, mode?, persistent? })`. */
  constructor(opts?: Omit<QueueOptions, 'maxsize'>) {
    const o = parseOptions(opts);
    if (o.maxsize !== undefined && o.maxsize !== 0) throw invalidArgValue('SimpleQueue has no maxsize');
    super(o);
  }

  static open<T = unknown>(name: string): SimpleQueue<T> {
    return new SimpleQueue<T>({ [kAttach]: openSegment(name, 'SimpleQueue') } as Opts);
  }

  get kind(): KindName {
    return 'SimpleQueue';
  }
}
