// The public shapes that the shared-memory classes and procsync/redis's classes both have, so
// that code (and the shared behaviour suite, test/contract.test.ts) can take either. The
// shared-memory forms return plain values where the remote ones return Promises; `await`
// works on both.
import type { AsyncWaitOptions } from './core/options';
import type { Lock } from './primitives/lock';
import type { Semaphore } from './primitives/semaphore';
import type { Event } from './primitives/event';
import type { LeaseLock, RemoteSemaphore } from './redis/lock';
import type { RemoteEvent } from './redis/event';

export interface AsyncLock {
  readonly name: string;
  acquire(opts?: AsyncWaitOptions): Promise<boolean>;
  release(): void | Promise<void>;
  locked(): boolean | Promise<boolean>;
  withLock<R>(fn: () => R | Promise<R>, opts?: AsyncWaitOptions): Promise<Awaited<R>>;
}

export interface AsyncSemaphore extends AsyncLock {
  release(n?: number): void | Promise<void>;
  getValue(): number | Promise<number>;
}

export interface AsyncEvent {
  readonly name: string;
  set(): void | Promise<void>;
  clear(): void | Promise<void>;
  isSet(): boolean | Promise<boolean>;
  wait(opts?: AsyncWaitOptions): Promise<boolean>;
}

// Compile-time proof that both backends implement the contract (erased from the output).
type Implements<T, C> = T extends C ? true : never;
export type ContractHolds = [
  Implements<Lock, AsyncLock>,
  Implements<LeaseLock, AsyncLock>,
  Implements<Semaphore, AsyncSemaphore>,
  Implements<RemoteSemaphore, AsyncSemaphore>,
  Implements<Event, AsyncEvent>,
  Implements<RemoteEvent, AsyncEvent>,
];
const contractHolds: ContractHolds = [true, true, true, true, true, true];
void contractHolds;
