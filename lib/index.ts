// procsync: multiprocessing-style synchronization primitives for Node.js processes and threads.
import { isMainThread } from 'worker_threads';
import { native } from './native';
import { checkName } from './options';
import { registerKind, openByName } from './registry';
import { kAttach, Primitive } from './primitive';
import { Lock } from './lock';
import { RLock } from './rlock';
import { Semaphore, BoundedSemaphore } from './semaphore';
import { Event } from './event';
import { Value, RawValue } from './value';
import { SharedArray, RawArray } from './array';
import { Condition } from './condition';
import { Barrier } from './barrier';
import { Queue, JoinableQueue, SimpleQueue } from './queue';
import { RWLock } from './rwlock';
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

export { Primitive } from './primitive';
export { Lock } from './lock';
export { RLock } from './rlock';
export { Semaphore, BoundedSemaphore } from './semaphore';
export { Event } from './event';
export { Value, RawValue } from './value';
export type { ValueOptions, AnyLock } from './value';
export { SharedArray, RawArray } from './array';
export { Condition } from './condition';
export type { ConditionOptions } from './condition';
export { Barrier } from './barrier';
export type { BarrierOptions, BarrierAction } from './barrier';
export { Queue, JoinableQueue, SimpleQueue } from './queue';
export type { QueueOptions } from './queue';
export { RWLock, RWLockView } from './rwlock';
export { inspect } from './inspect';
export type { SegmentInfo } from './inspect';
export { locks, ProcsyncLockManager } from './locks';
export type { LockMode, LockOptions, LockInfo, LockQueryInfo, LockManagerSnapshot, LockGrantedCallback } from './locks';
export { serialize, deserialize } from './serialize';
export type { Marker } from './serialize';
export { BrokenBarrierError, Empty, Full, ProcsyncError } from './errors';
export type { ErrorCode } from './errors';
export type { CreateOptions, WaitOptions, AsyncWaitOptions } from './options';
export type { KindName } from './kinds';
export type { TypeSpec, TypeName, TypeCode, ValueOf, InputOf, ViewOf } from './types';

// Process (lib/process.ts)
export { Process, currentProcess, cpuCount, activeChildren } from './process';
export type { ProcessOptions } from './process';

// The shapes shared with procsync/redis (lib/contract.ts)
export type { AsyncLock, AsyncSemaphore, AsyncEvent } from './contract';
