// The option checks of the Web Locks API's request(name, options, callback), shared by
// procsync.locks (lib/locks) and procsync/redis's remote.locks (lib/redis/locks.ts): a TypeError
// for an unknown mode or a signal that is not one, and the spec's NotSupportedError cases.
import { invalidArgType } from '../core/errors';

export type LockMode = 'exclusive' | 'shared';

export interface WebLockOptions {
  mode?: LockMode;
  ifAvailable?: boolean;
  steal?: boolean;
  signal?: AbortSignal;
}

export interface CheckedLockOptions {
  mode: LockMode;
  ifAvailable: boolean;
  steal: boolean;
  signal: AbortSignal | undefined;
}

function notSupported(message: string): DOMException {
  return new DOMException(message, 'NotSupportedError');
}

/** Checks a request's name and options as the spec says; returns the options with defaults. */
export function checkLockRequest(name: string, options: WebLockOptions): CheckedLockOptions {
  const mode = options.mode === undefined ? 'exclusive' : options.mode;
  if (mode !== 'exclusive' && mode !== 'shared') throw invalidArgType(`mode must be 'exclusive' or 'shared', not ${String(mode)}`);
  const ifAvailable = !!options.ifAvailable;
  const steal = !!options.steal;
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean')) {
    throw invalidArgType('signal must be an AbortSignal');
  }
  if (name.startsWith('-')) throw notSupported("Lock names starting with '-' are reserved");
  if (steal && ifAvailable) throw notSupported("'steal' and 'ifAvailable' cannot be used together");
  if (steal && mode !== 'exclusive') throw notSupported("'steal' is only supported with mode 'exclusive'");
  if (signal && (steal || ifAvailable)) throw notSupported("'signal' cannot be used with 'steal' or 'ifAvailable'");
  return { mode, ifAvailable, steal, signal };
}
