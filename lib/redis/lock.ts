// The lock-shaped classes of procsync/redis: Lock, Semaphore and the two views of an RWLock.
// All are leases of one Resource (resource.ts); what differs is the mode (exclusive or
// shared), the bound on shared holders (a Semaphore's value) and what locked() means.
import { coded, invalidArgType, ProcsyncError } from '../core/errors';
import { AsyncWaitOptions, checkInt, checkSignal, waitTimeout } from '../core/options';
import type { Holding } from './lease';
import type { Remote } from './remote';
import { Mode, Resource } from './resource';
import { STATE } from './scripts';

/** What withLock passes to its function. */
export interface LockContext {
  /** The fencing token of this holding (exclusive grants); null for shared grants and Semaphore counts. */
  token: bigint | null;
  /** Aborts (reason: an ERR_LOCK_LOST error) when the lease is lost while fn runs. */
  signal: AbortSignal;
}

function timeoutError(kind: string, name: string): ProcsyncError {
  return coded('ERR_TIMEOUT', `${kind} '${name}': not acquired within the timeout`);
}

/** A lease-based lock (Lock, RWLock.read / RWLock.write, and the base of Semaphore). */
export class LeaseLock {
  /** @internal */ protected readonly res: Resource;
  /** Grants of this object that are not released yet (lost ones too, until release reports them), oldest first. */
  /** @internal */ protected readonly mine: Holding[] = [];
  private readonly lostCallbacks: ((err: ProcsyncError) => void)[] = [];

  /** @internal Use the factories of connect()'s result. */
  constructor(
    remote: Remote,
    readonly kind: string,
    readonly name: string,
    key: string,
    /** @internal */ protected readonly mode: Mode,
    /** The lease in ms. */
    readonly lease: number,
    cap = 0,
  ) {
    this.res = new Resource(remote, kind, name, key, cap);
  }

  /** The fencing token of this object's newest live exclusive grant; null when it holds none. */
  get token(): bigint | null {
    for (let i = this.mine.length - 1; i >= 0; i--) {
      const h = this.mine[i];
      if (h.held && h.token !== null) return h.token;
    }
    return null;
  }

  /** Calls cb(err) (err.code 'ERR_LOCK_LOST') whenever a grant of this object is lost. */
  onLost(cb: (err: ProcsyncError) => void): void {
    if (typeof cb !== 'function') throw invalidArgType('onLost needs a function');
    this.lostCallbacks.push(cb);
  }

  /** @internal Acquires one grant; null on timeout. */
  protected async take(opts: AsyncWaitOptions | undefined): Promise<Holding | null> {
    const timeout = waitTimeout(opts);
    const signal = checkSignal(opts);
    const h = await this.res.acquire({ mode: this.mode, lease: this.lease, timeout, signal });
    if (h === null) return null;
    h.onLost((err) => {
      for (const cb of this.lostCallbacks) cb(err);
    });
    return h;
  }

  /** Resolves true when acquired, false on timeout; rejects with the signal's reason on abort. */
  async acquire(opts?: AsyncWaitOptions): Promise<boolean> {
    const h = await this.take(opts);
    if (h === null) return false;
    this.mine.push(h);
    return true;
  }

  /**
   * Releases this object's oldest grant. ERR_RELEASED_TOO_MANY_TIMES when it holds none;
   * ERR_LOCK_LOST when that grant's lease was lost (it is gone either way).
   */
  async release(): Promise<void> {
    const h = this.mine.shift();
    if (h === undefined) throw coded('ERR_RELEASED_TOO_MANY_TIMES', `release of a ${this.kind} '${this.name}' not held here`);
    await h.release();
  }

  /** True while someone (anywhere) holds it. */
  async locked(): Promise<boolean> {
    const [n] = await this.state();
    return n > 0;
  }

  /** @internal [live holders, 1 if exclusively held, waiters] */
  protected state(): Promise<[number, number, number]> {
    this.res.remote.checkOpen();
    return this.res.remote.conn.run(STATE, [this.res.key], `${this.kind} '${this.name}': state`);
  }

  /**
   * Acquires, runs fn({ token, signal }), always releases. Rejects with ERR_TIMEOUT when not
   * acquired in time; with ERR_LOCK_LOST when fn completed but the lease was lost meanwhile
   * (fn's signal aborted at that moment).
   */
  async withLock<R>(fn: (ctx: LockContext) => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw invalidArgType('fn must be a function');
    const h = await this.take(opts);
    if (h === null) throw timeoutError(this.kind, this.name);
    let result: Awaited<R>;
    try {
      result = await fn({ token: h.token, signal: h.signal });
    } catch (e) {
      await h.release().catch(() => {});
      throw e;
    }
    await h.release();
    return result;
  }
}

/** remote.Semaphore: `value` counts, each a lease; release gives back this object's own counts. */
export class RemoteSemaphore extends LeaseLock {
  /** @internal */
  constructor(remote: Remote, name: string, key: string, readonly value: number, lease: number) {
    super(remote, 'Semaphore', name, key, 's', lease, value);
  }

  /** Releases n of this object's counts (ERR_RELEASED_TOO_MANY_TIMES, nothing released, if it holds fewer). */
  override async release(n = 1): Promise<void> {
    checkInt(n, 'n', 1, 2 ** 31 - 1);
    const mine = this.mine;
    if (mine.length < n) throw coded('ERR_RELEASED_TOO_MANY_TIMES', `Semaphore '${this.name}': release(${n}) with ${mine.length} held here`);
    const results = await Promise.allSettled(mine.splice(0, n).map((h) => h.release()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The counts free now (value minus live grants, all clients). */
  async getValue(): Promise<number> {
    const [n] = await this.state();
    return Math.max(0, this.value - n);
  }

  /** True when no count is free. */
  override async locked(): Promise<boolean> {
    return (await this.getValue()) === 0;
  }
}

/** RWLock.read: locked() is true while a writer holds the lock. */
class ReadView extends LeaseLock {
  override async locked(): Promise<boolean> {
    const [, x] = await this.state();
    return x === 1;
  }

  /** The number of live read grants (all clients). */
  async readers(): Promise<number> {
    const [n, x] = await this.state();
    return x === 1 ? 0 : n;
  }
}

/** remote.RWLock: any number of readers or one writer; writer-preferring FIFO. */
export class RemoteRWLock {
  readonly kind = 'RWLock';
  readonly read: LeaseLock & { readers(): Promise<number> };
  readonly write: LeaseLock;

  /** @internal */
  constructor(remote: Remote, readonly name: string, key: string, lease: number) {
    this.read = new ReadView(remote, 'RWLock', name, key, 's', lease);
    this.write = new LeaseLock(remote, 'RWLock', name, key, 'x', lease);
  }

  /** The number of live read grants (all clients). */
  readers(): Promise<number> {
    return this.read.readers();
  }
}
