// withLock / withLockSync, one implementation for every Lock-shaped thing (Lock, RLock,
// Semaphore, the views of an RWLock): acquire, run fn, always release; ERR_TIMEOUT when the
// acquire timed out.
import { coded, invalidArgType, ProcsyncError } from '../core/errors';
import { AsyncWaitOptions, WaitOptions } from '../core/options';

/** What withLock needs from its lock. */
export interface Acquirable {
  acquire(opts?: AsyncWaitOptions): Promise<boolean>;
  acquireSync(opts?: WaitOptions): boolean;
  release(): void;
}

/** What an ERR_TIMEOUT message names. */
export interface Named {
  kind: string;
  name: string;
}

export function timeoutError(p: Named): ProcsyncError {
  return coded('ERR_TIMEOUT', `${p.kind} '${p.name}': not acquired within the timeout`);
}

export async function withLock<R>(l: Acquirable, named: Named, fn: () => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>> {
  if (typeof fn !== 'function') throw invalidArgType('fn must be a function');
  if (!(await l.acquire(opts))) throw timeoutError(named);
  try {
    return await fn();
  } finally {
    l.release();
  }
}

export function withLockSync<R>(l: Acquirable, named: Named, fn: () => R, opts?: WaitOptions): R {
  if (typeof fn !== 'function') throw invalidArgType('fn must be a function');
  if (!l.acquireSync(opts)) throw timeoutError(named);
  try {
    return fn();
  } finally {
    l.release();
  }
}
