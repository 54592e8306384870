// remote.locks: the Web Locks API (navigator.locks' shape, API.md procsync.locks) over the same
// resources as Lock and RWLock: an exclusive request is an 'x' grant (with a fencing token), a
// shared one an 's' grant, FIFO per name. The lock is a lease renewed while the callback runs; a
// stolen or lost lease rejects the request's promise (AbortError when stolen, ERR_LOCK_LOST when
// the lease ran out) while the callback runs on, no longer holding.
import { invalidArgType } from '../core/errors';
import { checkObject } from '../core/options';
import { MAX_WEB_LOCK_NAME } from './constants';
import { checkLease } from './options';
import type { Remote } from './remote';
import { Resource } from './resource';
import { QUERY } from './scripts';
import { LockMode, WebLockOptions, checkLockRequest } from '../locks/options';

export type { LockMode };

export interface LockOptions extends WebLockOptions {
  /** procsync/redis: the lease in ms (default 10,000). */
  lease?: number;
}

export interface LockInfo {
  name: string;
  mode: LockMode;
  clientId: string;
}

/** What the callback gets: the lock, plus procsync/redis's token (exclusive grants) and loss signal. */
export interface GrantedLock {
  name: string;
  mode: LockMode;
  token: bigint | null;
  signal: AbortSignal;
}

function toInfo(name: string, id: string, m: string): LockInfo {
  const remoteId = id.slice(0, id.lastIndexOf('|'));
  return { name, mode: m === 'x' ? 'exclusive' : 'shared', clientId: remoteId.slice(0, remoteId.lastIndexOf('~')) };
}

export class RemoteLocks {
  /** @internal */
  constructor(private readonly remote: Remote) {}

  private get registry(): string {
    return `${this.remote.prefix}weblocks`;
  }
  private get base(): string {
    return `${this.remote.prefix}weblock:`;
  }

  request<R>(name: string, callback: (lock: GrantedLock | null) => R | Promise<R>): Promise<Awaited<R>>;
  request<R>(name: string, options: LockOptions, callback: (lock: GrantedLock | null) => R | Promise<R>): Promise<Awaited<R>>;
  async request<R>(name: string, a: unknown, b?: unknown): Promise<Awaited<R>> {
    const callback = (b === undefined ? a : b) as (lock: GrantedLock | null) => R | Promise<R>;
    const opts = (b === undefined ? undefined : checkObject<LockOptions>(a, 'options')) ?? {};
    if (typeof callback !== 'function') throw invalidArgType('request needs a callback');
    if (typeof name !== 'string' || name.length < 1 || name.length > MAX_WEB_LOCK_NAME) {
      throw invalidArgType(`a lock name is a string of 1 to ${MAX_WEB_LOCK_NAME} characters`);
    }
    const { mode } = checkLockRequest(name, opts);
    const lease = checkLease({ lease: opts.lease });
    const res = new Resource(this.remote, 'Lock', name, this.base + name, 0, this.registry);
    const h = await res.acquire({
      mode: mode === 'exclusive' ? 'x' : 's',
      lease,
      timeout: opts.ifAvailable ? 0 : -1,
      signal: opts.signal,
      steal: opts.steal === true,
      listenForSteal: true,
    });
    if (h === null) return await callback(null);
    let onLost: ((err: unknown) => void) | null = null;
    const lost = new Promise<never>((_, reject) => {
      onLost = reject;
    });
    lost.catch(() => {});
    h.onLost((err) => {
      const stolen = /stolen/.test(err.message);
      onLost!(stolen ? new DOMException(`the lock '${name}' was stolen`, 'AbortError') : err);
    });
    const run = (async () => callback({ name, mode, token: h.token, signal: h.signal }))();
    try {
      return await Promise.race([run, lost]);
    } finally {
      // Held until the callback's promise settles, even when the request already rejected.
      run.then(
        () => h.release().catch(() => {}),
        () => h.release().catch(() => {}),
      );
    }
  }

  /** Held and pending requests across all clients of this server and prefix. */
  async query(): Promise<{ held: LockInfo[]; pending: LockInfo[] }> {
    this.remote.checkOpen();
    const flat = await this.remote.conn.run<string[]>(QUERY, [this.registry, this.base], 'locks.query');
    const held: LockInfo[] = [];
    const pending: LockInfo[] = [];
    let i = 0;
    while (i < flat.length) {
      const name = flat[i++];
      for (const out of [held, pending]) {
        while (flat[i] !== '') {
          out.push(toInfo(name, flat[i], flat[i + 1]));
          i += 2;
        }
        i++;
      }
    }
    return { held, pending };
  }
}
