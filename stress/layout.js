// The shared state of a stress run: one primitive of every kind (the objects under test) and the
// bookkeeping the invariants are computed from (RawArrays that no procsync lock protects, written
// with Atomics so that a SIGKILL leaves every word either old or new).
//
// Bookkeeping is per *slot*: every actor (a process's main thread, or a worker thread) takes a
// fresh slot when it starts and never shares or reuses it, so the record of an actor that was
// killed stays as it was at the moment of death and the supervisor can read what it was doing.
'use strict';

const procsync = require('..');

/** Primitive indices (for per-primitive stall tracking and the report). */
const K = ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore', 'Event', 'Condition', 'Barrier', 'Queue', 'JoinableQueue', 'SharedArray'];
const KI = Object.fromEntries(K.map((k, i) => [k, i]));
/** What a waiter can wait on: the primitives, plus the locks inside a Condition and a SharedArray
 *  (waiting for those is a different condition: "the lock is free"). */
const W = [...K, 'Condition.lock', 'SharedArray.lock'];
const WI = Object.fromEntries(W.map((k, i) => [k, i]));

const SEM_INITIAL = 3;
const BSEM_INITIAL = 2;
const BARRIER_PARTIES = 2;
const QUEUE_MAXSIZE = 8;
const ARRAY_LENGTH = 8;

// Control words (ctrl RawArray).
const C = {
  STOP: 0, // 1: actors finish their current operation and exit
  PAUSE: 1, // 1: actors park between operations (checkpoint)
  NEXT_SLOT: 2,
  RECOVERIES: 3, // PROCSYNC_OWNER_DIED warnings seen by actors
  OPS: 4,
  VIOLATIONS: 5,
  EVENT_SETS: 6, // Event.set() calls (a waiter records the count when it starts)
  BARRIER_ACTIONS: 7, // runs of the barrier action
  BARRIER_BROKEN: 8, // BrokenBarrierError seen by waiters
  TIMEOUTS: 9, // waits that ended by their timeout
  Q_NEXT: 10, // next item id, Queue
  JQ_NEXT: 11, // next item id, JoinableQueue
  BARRIER_INDEX: 12, // .. +BARRIER_PARTIES-1: successful waits per arrival index
  TERMINATES: 16, // worker.terminate() calls
  TERMINATE_MAX_MS: 17, // longest worker.terminate(), ms
  NOTIFY_ALLS: 18, // Condition.notifyAll() calls (counted under the Condition's lock)
  LAST_DONE: 20, // .. +W.length-1: ms since t0 of the last completed operation per wait kind
  SIZE: 40,
};

// Fields of a slot record (recs RawArray, F words per slot).
const F = {
  STATUS: 0, // 0 unused, 1 alive, 2 dead (killed / terminated), 3 exited normally
  PID: 1,
  THREAD: 2, // 0 main thread, 1 worker thread
  PARKED: 3,
  OPS: 4,
  WAIT_ON: 5, // 1 + index of the primitive it is blocked on, 0 when not blocked
  WAIT_START: 6, // ms since t0
  WAIT_ARG: 7, // what the waiter waits for (Event: sets seen; Condition: value seen)
  MAX_WAIT: 8, // longest successful wait, ms
  LOCK_INTENT: 9,
  LOCK_DONE: 10,
  RLOCK_INTENT: 11,
  RLOCK_DONE: 12,
  ARR_INTENT: 13,
  ARR_DONE: 14,
  COND_INTENT: 15,
  COND_DONE: 16,
  SEM_HELD: 17,
  SEM_PHASE: 18, // 1 acquiring, 2 releasing
  BSEM_HELD: 19,
  BSEM_PHASE: 20,
  Q_PUT_ID: 21, // 1 + id being put (0: not putting)
  Q_GET_PHASE: 22, // 1 inside get (item not yet recorded)
  JQ_PUT_ID: 23,
  JQ_GET_PHASE: 24, // 1 inside get, 2 got (recorded), not taskDone'd yet, 3 inside taskDone
  SETTLED: 25, // supervisor: the Semaphore counts of this dead slot were given back
  BARRIER_PHASE: 26, // 1 inside wait
  KILLED_BY: 27, // 1 SIGKILL of its process, 2 worker.terminate()
  WAIT_TIMEOUT: 28, // the timeout of the current wait, ms (-1: none)
  ERRORS: 29,
  OP_SYNC: 30, // the current operation uses the sync forms
  OP: 31, // 1 + index of the current operation in actor.js's OPS
  WAIT_ARG2: 32, // Condition: notifyAll() calls seen when the wait started
  SIZE: 33,
};

const MAX_SLOTS = 16384;
const MAX_ITEMS = 1 << 23; // item ids per queue (bitmaps of put and got items)

function names(run) {
  const n = (s) => `${run}.${s}`;
  return {
    lock: n('lock'), lockCount: n('lock-count'),
    rlock: n('rlock'), rlockCount: n('rlock-count'),
    sem: n('sem'), bsem: n('bsem'), event: n('event'),
    cond: n('cond'), condValue: n('cond-value'), barrier: n('barrier'),
    queue: n('queue'), jqueue: n('jqueue'), array: n('array'),
    ctrl: n('ctrl'), recs: n('recs'),
    qPut: n('q-put'), qGot: n('q-got'), jqPut: n('jq-put'), jqGot: n('jq-got'),
  };
}

/** Creates everything (the supervisor). The supervisor keeps it open until the end. */
function create(run) {
  const N = names(run);
  const o = (name) => ({ name });
  const raw = (name, len) => new procsync.RawArray('i', len, o(name));
  return {
    lock: new procsync.Lock(o(N.lock)),
    lockCount: new procsync.RawValue('i', 0, o(N.lockCount)),
    rlock: new procsync.RLock(o(N.rlock)),
    rlockCount: new procsync.RawValue('i', 0, o(N.rlockCount)),
    sem: new procsync.Semaphore(SEM_INITIAL, o(N.sem)),
    bsem: new procsync.BoundedSemaphore(BSEM_INITIAL, o(N.bsem)),
    event: new procsync.Event(o(N.event)),
    cond: new procsync.Condition(undefined, o(N.cond)),
    condValue: new procsync.RawValue('i', 0, o(N.condValue)),
    barrier: new procsync.Barrier(BARRIER_PARTIES, o(N.barrier)),
    queue: new procsync.Queue({ maxsize: QUEUE_MAXSIZE, capacity: 64 * 1024, name: N.queue }),
    jqueue: new procsync.JoinableQueue({ maxsize: QUEUE_MAXSIZE, capacity: 64 * 1024, name: N.jqueue }),
    array: new procsync.SharedArray('i', ARRAY_LENGTH, o(N.array)),
    ctrl: raw(N.ctrl, C.SIZE),
    recs: raw(N.recs, MAX_SLOTS * F.SIZE),
    qPut: raw(N.qPut, MAX_ITEMS / 32), qGot: raw(N.qGot, MAX_ITEMS / 32),
    jqPut: raw(N.jqPut, MAX_ITEMS / 32), jqGot: raw(N.jqGot, MAX_ITEMS / 32),
  };
}

/** Opens everything by name (an actor). `barrierAction` is per process (API.md). */
function open(run, barrierAction) {
  const N = names(run);
  const p = procsync;
  return {
    lock: p.Lock.open(N.lock), lockCount: p.RawValue.open(N.lockCount),
    rlock: p.RLock.open(N.rlock), rlockCount: p.RawValue.open(N.rlockCount),
    sem: p.Semaphore.open(N.sem), bsem: p.BoundedSemaphore.open(N.bsem),
    event: p.Event.open(N.event),
    cond: p.Condition.open(N.cond), condValue: p.RawValue.open(N.condValue),
    barrier: p.Barrier.open(N.barrier, { action: barrierAction }),
    queue: p.Queue.open(N.queue), jqueue: p.JoinableQueue.open(N.jqueue),
    array: p.SharedArray.open(N.array),
    ctrl: p.RawArray.open(N.ctrl), recs: p.RawArray.open(N.recs),
    qPut: p.RawArray.open(N.qPut), qGot: p.RawArray.open(N.qGot),
    jqPut: p.RawArray.open(N.jqPut), jqGot: p.RawArray.open(N.jqGot),
  };
}

function closeAll(s) {
  for (const v of Object.values(s)) v.close();
}

/** Accessors for one slot's record. */
function slotView(recs, slot) {
  const v = recs.view;
  const b = slot * F.SIZE;
  return {
    slot,
    get: (f) => Atomics.load(v, b + f),
    set: (f, x) => Atomics.store(v, b + f, x),
    add: (f, x) => Atomics.add(v, b + f, x),
  };
}

module.exports = { K, KI, W, WI, C, F, MAX_SLOTS, MAX_ITEMS, SEM_INITIAL, BSEM_INITIAL, BARRIER_PARTIES, QUEUE_MAXSIZE, ARRAY_LENGTH, names, create, open, closeAll, slotView };
