// procsync/redis: Lock, Semaphore, RWLock, Event and the Web Locks API across machines, on a
// Redis server (≥ 6.2). Loading this entry loads the 'ioredis' client (an optional peer
// dependency); the main 'procsync' entry never does.
import type { Redis } from 'ioredis';
import { invalidArgType } from '../core/errors';
import { checkInt, checkObject } from '../core/options';
import { bounded, loadClientLibrary, unavailable } from './client';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_PREFIX, INBOX_RETRY_MS } from './constants';
import { checkPrefix, Remote } from './remote';
import * as scripts from './scripts';

export interface ConnectOptions {
  /** Prefix of every key (default 'procsync:'): clients with different prefixes do not meet. */
  prefix?: string;
  /** Bound on one server round trip before it counts as ERR_BACKEND_UNAVAILABLE (ms, default 5,000). */
  commandTimeout?: number;
}

function isClient(x: unknown): x is Redis {
  const c = x as Redis;
  return typeof x === 'object' && x !== null && typeof c.evalsha === 'function' && typeof c.duplicate === 'function';
}

function quiet(c: Redis): Redis {
  // Connection errors surface as ERR_BACKEND_UNAVAILABLE from the calls; without a listener
  // the client would also print each one.
  c.on('error', () => {});
  return c;
}

/**
 * Connects to a Redis server: `url` ('redis://host:6379/0') or an ioredis client of yours
 * (left open by close()). Rejects with ERR_BACKEND_UNAVAILABLE when the server cannot be reached.
 */
export async function connect(urlOrClient: string | object, opts?: ConnectOptions): Promise<Remote> {
  const o = checkObject<ConnectOptions>(opts, 'options') ?? {};
  const prefix = o.prefix === undefined ? DEFAULT_PREFIX : checkPrefix(o.prefix);
  const timeout = o.commandTimeout === undefined ? DEFAULT_COMMAND_TIMEOUT_MS : checkInt(o.commandTimeout, 'commandTimeout', 1, 2 ** 31 - 1);
  let client: Redis;
  let own: boolean;
  if (typeof urlOrClient === 'string') {
    const { Redis: Ctor } = loadClientLibrary();
    client = quiet(
      new Ctor(urlOrClient, {
        lazyConnect: true,
        // Fail fast while the server is away (ERR_BACKEND_UNAVAILABLE) instead of queueing
        // commands for later: a lock call that runs minutes late is worse than an error.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => INBOX_RETRY_MS,
      }),
    );
    own = true;
    try {
      await bounded(client.connect(), timeout, 'connect');
    } catch (e) {
      client.disconnect();
      throw e;
    }
  } else if (isClient(urlOrClient)) {
    client = urlOrClient;
    own = false;
    await bounded(client.ping(), timeout, 'connect');
  } else {
    throw invalidArgType('connect needs a redis:// URL or an ioredis client');
  }
  // The wake loop blocks in BLPOP, so it needs a connection of its own.
  const blocker = quiet(client.duplicate({ lazyConnect: true }));
  try {
    await bounded(blocker.connect(), timeout, 'connect');
  } catch (e) {
    blocker.disconnect();
    if (own) client.disconnect();
    throw e instanceof Error && 'code' in e ? e : unavailable('connect', e);
  }
  const remote = new Remote(client, blocker, own, prefix, timeout);
  try {
    // Each call is then one round trip in order (no NOSCRIPT retry that could reorder calls).
    await remote.conn.preload(Object.values(scripts), 'connect');
  } catch (e) {
    await remote.close();
    throw e;
  }
  return remote;
}

export type { Remote } from './remote';
export type { LeaseOptions } from './options';
export type { LeaseLock, RemoteSemaphore, RemoteRWLock, LockContext } from './lock';
export type { RemoteEvent } from './event';
export type { RemoteLocks, LockOptions, LockInfo, LockMode, GrantedLock } from './locks';
export type { AsyncLock, AsyncSemaphore, AsyncEvent } from '../contract';
export { ProcsyncError } from '../core/errors';
