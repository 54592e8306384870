// A connection to one Redis server and the factories of API.md (procsync/redis): what every
// remote primitive shares — the command connection, the wake loop on its own connection, the
// ids of this client's waiters and holders, and close().
import { randomBytes } from 'crypto';
import type { Redis } from 'ioredis';
import { closedError, invalidArgType } from '../core/errors';
import { checkInt, checkName } from '../core/options';
import { checkLease, clientId, LeaseOptions } from './options';
import { Connection } from './client';
import { INBOX_TTL_MS } from './constants';
import { Inbox } from './inbox';
import type { Holding } from './lease';
import { RemoteEvent } from './event';
import { LeaseLock, RemoteRWLock, RemoteSemaphore } from './lock';
import { RemoteLocks } from './locks';

export class Remote {
  /** @internal */ readonly conn: Connection;
  /** @internal */ readonly inbox: Inbox;
  /** @internal */ readonly inboxPrefix: string;
  /** @internal */ readonly inboxTtl = INBOX_TTL_MS;
  /** This client's id: `<clientId>~<random>`; waiter and holder ids are `<id>|<n>`. */
  private readonly id = `${clientId()}~${randomBytes(6).toString('hex')}`;
  private seq = 0;
  private closed = false;
  private readonly closers = new Set<() => void>();
  /** @internal Live holdings of this client (released by close()). */
  readonly holdings = new Set<Holding>();
  /** The Web Locks API over this server (API.md procsync.locks; clientId '<hostname>:<pid>'). */
  readonly locks: RemoteLocks;

  /** @internal Use connect(). */
  constructor(
    client: Redis,
    private readonly blocker: Redis,
    /** Whether close() also closes the command connection (false for a client passed in). */
    private readonly ownClient: boolean,
    readonly prefix: string,
    commandTimeout: number,
  ) {
    this.conn = new Connection(client, commandTimeout);
    this.inboxPrefix = `${prefix}inbox:`;
    this.inbox = new Inbox(blocker, this.inboxPrefix + this.id);
    this.locks = new RemoteLocks(this);
  }

  /** @internal */
  newId(): string {
    return `${this.id}|${++this.seq}`;
  }

  /** @internal */
  checkOpen(): void {
    if (this.closed) throw this.closedError();
  }

  /** @internal */
  closedError(): Error {
    return closedError('the procsync/redis connection');
  }

  /** @internal Calls fn when close() starts; returns the function that unregisters it. */
  onClose(fn: () => void): () => void {
    this.closers.add(fn);
    return () => void this.closers.delete(fn);
  }

  /** A non-recursive lock; exclusive grants carry fencing tokens. */
  Lock(name: string, opts?: LeaseOptions): LeaseLock {
    this.checkOpen();
    return new LeaseLock(this, 'Lock', checkName(name), `${this.prefix}lock:${name}`, 'x', checkLease(opts));
  }

  /** A counting semaphore of `value` (≥ 1) leased counts. */
  Semaphore(name: string, value = 1, opts?: LeaseOptions): RemoteSemaphore {
    this.checkOpen();
    checkName(name);
    checkInt(value, 'value', 1, 2 ** 31 - 1);
    return new RemoteSemaphore(this, name, `${this.prefix}sem:${name}`, value, checkLease(opts));
  }

  /** A writer-preferring readers-writer lock with `.read` and `.write` views. */
  RWLock(name: string, opts?: LeaseOptions): RemoteRWLock {
    this.checkOpen();
    return new RemoteRWLock(this, checkName(name), `${this.prefix}rw:${name}`, checkLease(opts));
  }

  /** An Event (a flag with waiters), kept on the server until it is cleared. */
  Event(name: string): RemoteEvent {
    this.checkOpen();
    return new RemoteEvent(this, checkName(name), `${this.prefix}event:${name}`);
  }

  /**
   * Closes: pending waits reject with ERR_CLOSED, held leases are released, and the
   * connections this module opened are closed (a client passed to connect() stays open).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fn of [...this.closers]) fn();
    await Promise.allSettled([...this.holdings].map((h) => h.release()));
    this.inbox.close();
    this.blocker.disconnect();
    if (this.ownClient) {
      await this.conn.client.quit().catch(() => this.conn.client.disconnect());
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function checkPrefix(p: unknown): string {
  if (typeof p !== 'string') throw invalidArgType('prefix must be a string');
  return p;
}
