// Options of procsync/redis that the factories and remote.locks share.
import { hostname } from 'os';
import { isMainThread, threadId } from 'worker_threads';
import { checkInt, checkObject } from '../core/options';
import { DEFAULT_LEASE_MS, MIN_LEASE_MS } from './constants';

export interface LeaseOptions {
  /** ms a grant lasts unless renewed; renewed every lease / 3 while held (default 10,000). */
  lease?: number;
}

/** `<hostname>:<pid>` for a main thread, `<hostname>:<pid>/<threadId>` in a worker (Web Locks clientId). */
export function clientId(): string {
  return `${hostname()}:${process.pid}${isMainThread ? '' : `/${threadId}`}`;
}

export function checkLease(opts: LeaseOptions | undefined): number {
  const o = checkObject<LeaseOptions>(opts, 'options');
  return o?.lease === undefined ? DEFAULT_LEASE_MS : checkInt(o.lease, 'lease', MIN_LEASE_MS, 2 ** 31 - 1);
}
