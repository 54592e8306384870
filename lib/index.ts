// procsync: multiprocessing-style synchronization primitives for Node.js processes and threads.
import { isMainThread } from 'worker_threads';
import { native } from './core/native';
import { checkName } from './core/options';
import { registerKind, openByName } from './core/registry';
import { kAttach, Primitive } from './core/primitive';
import { Lock } from './primitives/lock';
import { RLock } from './primitives/rlock';
import { Semaphore, BoundedSemaphore } from './primitives/semaphore';
import { Event } from './primitives/event';
import { Value, RawValue } from './memory/value';
import { SharedArray, RawArray } from './memory/array';
import { Condition } from './primitives/condition';
import { Barrier } from './primitives/barrier';
import { Queue, JoinableQueue, SimpleQueue } from './queue/queue';
import { RWLock } from './primitives/rwlock';
import { listSegments as listDetailed, SegmentInfo } from './inspect';
import { LockRegistry } from './locks';

registerKind('Lock', (seg) => new Lock({ [kAttach]: seg }));
registerKind('RLock', (seg) => new RLock({ [kAttach]: seg }));
registerKind('Semaphore', (seg) => new Semaphore(1, { [kAttach]: seg }));
registerKind('BoundedSemaphore', (seg) => new BoundedSemaphore(1, { [kAttach]: seg }));
registerKind('Event', (seg) => new Event({ [kAttach]: seg }));
registerKind('Value', (seg) => new Value('i', 0, { [kAttach]: seg }));
registerKind('RawValue', (seg) => new RawValue('i', 0, { [kAttach]: seg }));
registerKind('SharedArray', (seg) => new SharedArray('i', 0, { [kAttach]: seg }));
registerKind('RawArray', (seg) => new RawArray('i', 0, { [kAttach]: seg }));
registerKind('Condition', (seg) => new Condition(undefined, { [kAttach]: seg }));
registerKind('Barrier', (seg) => new Barrier(1, { [kAttach]: seg }));
registerKind('Queue', (seg) => new Queue({ [kAttach]: seg } as object));
registerKind('JoinableQueue', (seg) => new JoinableQueue({ [kAttach]: seg } as object));
registerKind('SimpleQueue', (seg) => new SimpleQueue({ [kAttach]: seg } as object));
registerKind('RWLock', (seg) => new RWLock({ [kAttach]: seg }));
registerKind('LockRegistry', (seg) => new LockRegistry({ [kAttach]: seg }));

/**
 * Opens the named primitive, whichever class it is. `allowOwner`: the uid of another user
 * whose primitive this is (else such a segment is ERR_PERMISSION).
 */
export function open(name: string, opts?: { allowOwner?: number }): Primitive {
  return openByName(name, undefined, opts);
}

/** Removes a name (a persistent primitive's, typically). Processes that have it open keep it. */
export function unlink(name: string): boolean {
  return native.unlink(checkName(name));
}

/** Removes leftovers of processes that all died (also done once when procsync loads). */
export function sweep(): number {
  return native.sweep();
}

/** procsync's segments in /dev/shm: whether a live process holds each, kind, users, state (lib/inspect.ts). */
export function listSegments(): SegmentInfo[] {
  return listDetailed();
}

if (isMainThread) sweep();

/** The native backend that was loaded: 'linux' (futex, /dev/shm, OFD locks), 'posix' or 'windows'. */
export const backend: 'linux' | 'posix' | 'windows' = native.backend as 'linux' | 'posix' | 'windows';

export { Primitive } from './core/primitive';
export { Lock } from './primitives/lock';
export { RLock } from './primitives/rlock';
export { Semaphore, BoundedSemaphore } from './primitives/semaphore';
export { Event } from './primitives/event';
export { Value, RawValue } from './memory/value';
export type { ValueOptions } from './memory/value';
export type { AnyLock } from './primitives/linked-lock';
export { SharedArray, RawArray } from './memory/array';
export { Condition } from './primitives/condition';
export type { ConditionOptions } from './primitives/condition';
export { Barrier } from './primitives/barrier';
export type { BarrierOptions, BarrierAction } from './primitives/barrier';
export { Queue, JoinableQueue, SimpleQueue } from './queue/queue';
export type { QueueOptions } from './queue/queue';
export { RWLock, RWLockView } from './primitives/rwlock';
export { inspect } from './inspect';
export type { SegmentInfo } from './inspect';
export { locks, ProcsyncLockManager } from './locks';
export type { LockMode, LockOptions, LockInfo, LockQueryInfo, LockManagerSnapshot, LockGrantedCallback } from './locks';
export { serialize, deserialize } from './core/serialize';
export type { Marker } from './core/serialize';
export { BrokenBarrierError, Empty, Full, ProcsyncError } from './core/errors';
export type { ErrorCode } from './core/errors';
export type { CreateOptions, WaitOptions, AsyncWaitOptions } from './core/options';
export type { KindName } from './core/kinds';
export type { TypeSpec, TypeName, TypeCode, ValueOf, InputOf, ViewOf } from './memory/types';

// Process (lib/process/process.ts)
export { Process, currentProcess, cpuCount, activeChildren } from './process/process';
export type { ProcessOptions } from './process/process';

// The shapes shared with procsync/redis (lib/contract.ts)
export type { AsyncLock, AsyncSemaphore, AsyncEvent } from './contract';
