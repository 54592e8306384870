// procsync.locks: the W3C Web Locks API (navigator.locks) with locks shared by every process and
// thread of the user. One registry segment (native/primitives/weblocks.h) holds every request; this thread
// keeps its own requests here and learns of grants and steals by watching the registry's change
// counter (one native wait in flight while it has requests, none otherwise).
import { threadId as jsThreadId } from 'worker_threads';
import { coded, invalidArgType } from '../core/errors';
import { layout } from '../core/layout';
import { Code, DoneCallback, native, SegHandle } from '../core/native';
import { LockMode, WebLockOptions, checkLockRequest } from './options';
import { AttachOptions, Primitive, createSegment, kAttach } from '../core/primitive';

/** The registry's name in /dev/shm (procsync.<name>). */
export const REGISTRY_NAME = process.env.PROCSYNC_LOCKS_REGISTRY || 'procsync-locks.registry'; // env: tests only
const ENTRIES = 256; // distinct names requested at once
const SLOTS = 2048; // requests (held or pending) at once
// State words and slot states (native/primitives/weblocks.h).
const { genWord: GEN, slotsWord: SLOT0, slotWords: SLOT_WORDS, waiting: WAITING, held: HELD, maxName: MAX_NAME } = layout.weblocks;

type NativeWL = {
  wlRequest(seg: SegHandle, name: string, shared: boolean, ifAvailable: boolean, steal: boolean, pid: number, threadId: number): [number, number, boolean] | null | number;
  wlRelease(seg: SegHandle, slot: number, ticket: number): number;
  wlWatch(seg: SegHandle, gen: number, cb: DoneCallback): number;
  wlQuery(seg: SegHandle): { name: string; shared: boolean; held: boolean; pid: number; threadId: number }[] | number;
};
const wl = native as unknown as NativeWL;

export type { LockMode };
export type LockOptions = WebLockOptions;
/** What a granted callback gets (as navigator.locks' Lock). */
export interface LockInfo {
  name: string;
  mode: LockMode;
}
export interface LockQueryInfo {
  name: string;
  mode: LockMode;
  clientId: string;
}
export interface LockManagerSnapshot {
  held: LockQueryInfo[];
  pending: LockQueryInfo[];
}
export type LockGrantedCallback<T> = (lock: LockInfo | null) => T | PromiseLike<T>;

/** The registry segment, as a primitive (kind 'LockRegistry', for inspect and the CLI). */
export class LockRegistry extends Primitive {
  constructor();
  /** @internal */
  constructor(opts?: AttachOptions);
  constructor(opts?: AttachOptions) {
    super(opts?.[kAttach] ?? createSegment({ kind: 'LockRegistry', params: [ENTRIES, SLOTS] }, { name: REGISTRY_NAME }));
  }
  get kind(): 'LockRegistry' {
    return 'LockRegistry';
  }
  /** @internal */
  get words(): Int32Array {
    return this.i32;
  }
  /** @internal */
  get wordBase(): number {
    return this.base;
  }
  /** @internal */
  get segment(): SegHandle {
    return this.seg;
  }
  protected override inspectFields(): Record<string, unknown> {
    let held = 0;
    let pending = 0;
    const n = this.info.params[1];
    for (let i = 0; i < n; i++) {
      const st = Atomics.load(this.i32, this.base + SLOT0 + i * SLOT_WORDS);
      if (st === HELD) held++;
      else if (st === WAITING) pending++;
    }
    return { name: this.name, held, pending };
  }
}

interface Req {
  slot: number;
  ticket: number;
  name: string;
  mode: LockMode;
  held: boolean;
  done: boolean; // the request's promise is settled
  callback: LockGrantedCallback<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

function dom(name: string, message: string): DOMException {
  return new DOMException(message, name);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? dom('AbortError', 'The operation was aborted');
}

function clientId(): string {
  return jsThreadId === 0 ? String(process.pid) : `${process.pid}/${jsThreadId}`;
}

/** navigator.locks across processes. */
export class ProcsyncLockManager {
  #reg: LockRegistry | null = null;
  #live = new Map<number, Req>(); // by ticket
  #watch: number | null = null;

  #registry(): LockRegistry {
    if (this.#reg === null) this.#reg = new LockRegistry();
    return this.#reg;
  }

  request<T>(name: string, callback: LockGrantedCallback<T>): Promise<Awaited<T>>;
  request<T>(name: string, options: LockOptions, callback: LockGrantedCallback<T>): Promise<Awaited<T>>;
  request(name: unknown, a: unknown, b?: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const callback = (typeof a === 'function' ? a : b) as LockGrantedCallback<unknown>;
      const options = (typeof a === 'function' ? {} : a ?? {}) as LockOptions;
      if (typeof callback !== 'function') throw invalidArgType('callback must be a function');
      if (typeof options !== 'object') throw invalidArgType('options must be an object');
      const n = String(name);
      const { mode, ifAvailable, steal, signal } = checkLockRequest(n, options);
      if (n.length < 1 || n.length > MAX_NAME) {
        const e = new RangeError(`lock names have 1 to ${MAX_NAME} characters`) as RangeError & { code: string };
        e.code = 'ERR_OUT_OF_RANGE';
        throw e;
      }
      if (signal?.aborted) throw abortReason(signal);
      const reg = this.#registry();
      const r = wl.wlRequest(reg.segment, n, mode === 'shared', ifAvailable, steal, process.pid, jsThreadId);
      if (r === null) {
        // ifAvailable and not available: the callback gets null.
        Promise.resolve()
          .then(() => callback(null))
          .then(resolve, reject);
        return;
      }
      if (typeof r === 'number') {
        throw r === Code.OUT_OF_RANGE
          ? coded('ERR_OUT_OF_RANGE', 'procsync.locks: too many lock names or requests at once')
          : coded('ERR_CORRUPT', `procsync.locks: the registry is corrupt (${r})`);
      }
      const req: Req = { slot: r[0], ticket: r[1], name: n, mode, held: false, done: false, callback, resolve, reject };
      this.#live.set(req.ticket, req);
      if (r[2]) this.#grant(req);
      else if (signal) {
        req.signal = signal;
        req.onAbort = () => this.#abort(req);
        signal.addEventListener('abort', req.onAbort, { once: true });
      }
      if (steal) this.#check(); // holders in this thread lose it at once
      this.#ensureWatch();
    });
  }

  /** Every held and pending request of every process, in request order. */
  query(): Promise<LockManagerSnapshot> {
    try {
      const list = wl.wlQuery(this.#registry().segment);
      if (typeof list === 'number') throw coded('ERR_CORRUPT', `procsync.locks: the registry is corrupt (${list})`);
      const held: LockQueryInfo[] = [];
      const pending: LockQueryInfo[] = [];
      for (const x of list) {
        const info = { name: x.name, mode: (x.shared ? 'shared' : 'exclusive') as LockMode, clientId: x.threadId ? `${x.pid}/${x.threadId}` : String(x.pid) };
        (x.held ? held : pending).push(info);
      }
      return Promise.resolve({ held, pending });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** @internal This thread's client id ('<pid>' or '<pid>/<threadId>'). */
  get clientId(): string {
    return clientId();
  }

  #grant(req: Req): void {
    req.held = true;
    if (req.signal && req.onAbort) req.signal.removeEventListener('abort', req.onAbort);
    const lock: LockInfo = { name: req.name, mode: req.mode };
    Promise.resolve()
      .then(() => req.callback(lock))
      .then(
        (v) => this.#finish(req, () => req.resolve(v)),
        (e) => this.#finish(req, () => req.reject(e)),
      );
  }

  /** The callback settled: release (a no-op if stolen) and settle the request like it. */
  #finish(req: Req, settle: () => void): void {
    // A steal this thread has not heard of yet (its watch's result may still be on its way):
    // look at shared memory now, so that a stolen request rejects instead of settling.
    if (!req.done) this.#check();
    this.#live.delete(req.ticket);
    if (this.#reg !== null) wl.wlRelease(this.#reg.segment, req.slot, req.ticket);
    if (!req.done) {
      req.done = true;
      settle();
    }
    this.#maybeStopWatch();
  }

  #abort(req: Req): void {
    if (req.held || req.done) return;
    this.#live.delete(req.ticket);
    if (this.#reg !== null) wl.wlRelease(this.#reg.segment, req.slot, req.ticket);
    req.done = true;
    req.reject(abortReason(req.signal!));
    this.#maybeStopWatch();
  }

  /** Looks at this thread's requests in shared memory: grants and steals. */
  #check(): void {
    const reg = this.#reg;
    if (reg === null) return;
    const i32 = reg.words;
    const base = reg.wordBase + SLOT0;
    for (const req of [...this.#live.values()]) {
      const at = base + req.slot * SLOT_WORDS;
      const st = Atomics.load(i32, at);
      const mine = Atomics.load(i32, at + 2) >>> 0 === req.ticket;
      if (!req.held) {
        if (mine && st === HELD) this.#grant(req);
        else if (!mine || st !== WAITING) {
          // Removed by someone else (a steal does not touch waiting requests): give up.
          this.#live.delete(req.ticket);
          req.done = true;
          req.reject(dom('AbortError', 'The lock request was removed'));
        }
      } else if (!req.done && (!mine || st !== HELD)) {
        // Stolen: the request rejects now; the callback keeps running, no longer holding.
        req.done = true;
        this.#live.delete(req.ticket);
        req.reject(dom('AbortError', "The lock was stolen by a request with the 'steal' option"));
      }
    }
  }

  #ensureWatch(): void {
    const reg = this.#reg;
    if (this.#watch !== null || reg === null || this.#live.size === 0) return;
    const gen = Atomics.load(reg.words, reg.wordBase + GEN) >>> 0;
    this.#check();
    if (this.#live.size === 0) return;
    this.#watch = wl.wlWatch(reg.segment, gen, () => {
      this.#watch = null;
      this.#check();
      this.#ensureWatch();
    });
  }

  #maybeStopWatch(): void {
    if (this.#live.size === 0 && this.#watch !== null) native.cancel(this.#watch);
  }
}

/** procsync.locks: shaped like navigator.locks, shared across processes. */
export const locks = new ProcsyncLockManager();
