'use strict';
// The benchmark cases and, per case, which implementations run it with how many
// iterations per repetition (full run; --quick divides them, see run.js).
// Every sample is a time per operation in ns; `rate: true` cases also show ops/s.
//
//   roles:  processes taking part (bench children for the Node implementations)
//   pinned: a ping-pong between 2 processes, run once per CPU placement (same/cross)
//   placements: the placements of a pinned case when not the default ['same', 'cross']
//               ('any' = unpinned)
//   sequential: the roles run one after the other, times add up (create, then open)
//   fixed:  the iteration count is the case itself (10,000 primitives), never scaled
//   ops:    operations per iteration (the counter: one increment per process)
//   impl.run: procsync | python | floor | ipc | lockfile | navlocks; impl.arg: the floor program's case;
//   impl.variant: a variant of the procsync child's case (child.js: a JS floor of pair(), 'none' of rw_mostly)
//   impl.iters: a number, or { same, cross } for a pinned case

const PS = 'procsync';
const PY = 'python mp';
// Issue 15's definition of a hand-off case: 10,000 round trips per repetition after a warm-up
// of 1,000 (warm = iters / 10), for every ping-pong of a JIT-compiled implementation (procsync,
// Node IPC) and the C futex. Before, the sync ping-pongs and the Queue round trip ran 2,000-3,000
// per repetition, and their median repetition (round trips ~4,000-6,000 of the process) still
// fell in V8's warm-up: a fresh Queue round trip across CPUs measured ~150 µs over its first
// 1,000, 10-15 µs up to ~7,000 and 2-3 µs after (per 1,000, one run). Python's figures do not
// move with the count (no JIT), so its counts stay lower to keep the run short.
const HANDOFF_ITERS = 10000;
const NAV = 'navigator.locks (node 24, in-process)';

module.exports = [
  {
    name: 'lock_pair_sync',
    title: 'Lock acquireSync+release, uncontended',
    roles: 1,
    impls: [
      { impl: PS, run: 'procsync', iters: 1e6 },
      { impl: PY, run: 'python', iters: 1e6 },
      { impl: 'C robust mutex', run: 'floor', arg: 'mutex_pair', iters: 4e6 },
      { impl: 'C CAS pair', run: 'floor', arg: 'cas_pair', iters: 2e7 },
      // What JS itself costs: Atomics.compareExchange + Atomics.compareExchange on the mapped
      // word of a Lock, nothing else (the procsync pair is exactly this plus a closed check).
      { impl: 'JS Atomics CAS pair (floor)', run: 'procsync', variant: 'atomics', iters: 1e6 },
      { impl: 'proper-lockfile', run: 'lockfile', iters: 1000 },
    ],
  },
  {
    name: 'lock_pair_async',
    title: 'Lock await acquire()+release, uncontended',
    roles: 1,
    impls: [
      { impl: PS, run: 'procsync', iters: 2e5 },
      // `await` of an already resolved promise: what any async acquire costs at least.
      { impl: 'JS await resolved (floor)', run: 'procsync', variant: 'await', iters: 2e5 },
      { impl: 'proper-lockfile', run: 'lockfile', iters: 500 },
    ],
  },
  {
    name: 'rlock_pair',
    title: 'RLock acquireSync+release, uncontended',
    roles: 1,
    impls: [
      { impl: PS, run: 'procsync', iters: 1e6 },
      { impl: PY, run: 'python', iters: 5e5 },
    ],
  },
  {
    name: 'sem_pingpong_sync',
    title: 'Semaphore ping-pong round trip (sync)',
    roles: 2,
    pinned: true,
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: PY, run: 'python', iters: 3000 },
      { impl: 'C futex', run: 'floor', arg: 'futex_pingpong', iters: { same: 20000, cross: HANDOFF_ITERS } },
      { impl: 'C spin', run: 'floor', arg: 'spin_pingpong', iters: { same: 10000, cross: 1e6 } },
    ],
  },
  // Issue 15's definition: each side loops release() then await acquire() on two
  // Semaphore(0); 10,000 round trips after 1,000 warm-up (warm = iters / 10), median of the
  // reps; unpinned, across two CPUs and both on one CPU, with the C futex ping-pong and Node
  // IPC in the same run (the targets compare against those).
  {
    name: 'sem_pingpong_async',
    title: 'Semaphore ping-pong round trip (await)',
    roles: 2,
    pinned: true,
    placements: ['any', 'same', 'cross'],
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: 'C futex', run: 'floor', arg: 'futex_pingpong', iters: HANDOFF_ITERS },
      { impl: 'node IPC', run: 'ipc', roles: 1, iters: HANDOFF_ITERS },
    ],
  },
  {
    name: 'event_pingpong',
    title: 'Event ping-pong round trip',
    roles: 2,
    pinned: true,
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: PY, run: 'python', iters: 1000 },
    ],
  },
  {
    name: 'cond_pingpong',
    title: 'Condition ping-pong round trip',
    roles: 2,
    pinned: true,
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: PY, run: 'python', iters: 1000 },
    ],
  },
  {
    name: 'barrier_round',
    title: 'Barrier(2) round',
    roles: 2,
    pinned: true,
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: PY, run: 'python', iters: 1000 },
    ],
  },
  {
    name: 'counter_2',
    title: 'contended counter, Lock + Value, 2 processes',
    roles: 2,
    ops: 2,
    rate: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 2e5 },
      { impl: PY, run: 'python', iters: 5e4 },
      { impl: 'C futex lock', run: 'floor', arg: 'futex_counter_2', iters: 2e6 },
      { impl: 'proper-lockfile', run: 'lockfile', iters: 100 },
    ],
  },
  {
    name: 'counter_4',
    title: 'contended counter, Lock + Value, 4 processes',
    roles: 4,
    ops: 4,
    rate: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 1e5 },
      { impl: PY, run: 'python', iters: 5e4 },
      { impl: 'C futex lock', run: 'floor', arg: 'futex_counter_4', iters: 1e6 },
      { impl: 'proper-lockfile', run: 'lockfile', iters: 50 },
    ],
  },
  {
    name: 'queue_roundtrip',
    title: 'Queue round trip of a small object',
    roles: 2,
    pinned: true,
    impls: [
      { impl: PS, run: 'procsync', iters: HANDOFF_ITERS },
      { impl: PY, run: 'python', iters: 1000 },
      { impl: 'node IPC', run: 'ipc', roles: 1, iters: HANDOFF_ITERS },
    ],
  },
  {
    name: 'queue_throughput',
    title: 'Queue one-way throughput of small objects',
    roles: 2,
    rate: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 3e5 },
      { impl: PY, run: 'python', iters: 2e4 },
      { impl: 'node IPC', run: 'ipc', roles: 1, iters: 2e4 },
    ],
  },
  {
    name: 'queue_throughput_int',
    title: 'Queue one-way throughput of small ints',
    roles: 2,
    rate: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 3e5 },
      { impl: PY, run: 'python', iters: 2e4 },
      { impl: 'node IPC', run: 'ipc', roles: 1, iters: 2e4 },
    ],
  },
  {
    name: 'create_open_10k',
    title: 'create 10,000 named Locks, open them in another process (per Lock)',
    roles: 2,
    sequential: true,
    fixed: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 10000 },
      { impl: 'C shm_open+mmap', run: 'floor', arg: 'shm_create_open', iters: 10000 },
    ],
  },
  // Issue 15 splits the two: a create, and an open in another process (of a Lock that process
  // has never had open, so it takes its own identity in the segment).
  {
    name: 'lock_create',
    title: 'create a named Lock (per Lock, 2,000 in a row)',
    roles: 1,
    fixed: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 2000 },
      { impl: 'C shm_open+mmap', run: 'floor', arg: 'shm_create', iters: 2000 },
    ],
  },
  {
    name: 'lock_open',
    title: 'open a named Lock in another process (per Lock, 2,000 in a row)',
    roles: 2,
    sequential: true,
    fixed: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 2000 },
      { impl: 'C shm_open+mmap', run: 'floor', arg: 'shm_open', iters: 2000 },
    ],
  },
  {
    name: 'async_waits_10k_event',
    title: '10,000 pending Event.wait() in one process (per wait)',
    roles: 1,
    fixed: true,
    impls: [{ impl: PS, run: 'procsync', iters: 10000 }],
  },
  {
    name: 'async_waits_10k_sem',
    title: '10,000 pending Semaphore.acquire() in one process (per wait)',
    roles: 1,
    fixed: true,
    impls: [{ impl: PS, run: 'procsync', iters: 10000 }],
  },
  // procsync/redis against the Redis lock libraries people use today, on one local
  // redis-server started by run.js (peers/redis_child.js); 'ioredis 2× PING' is the floor of
  // two round trips, what one acquire plus one release cannot beat.
  {
    name: 'redis_lock_pair',
    title: 'Redis lock acquire+release, uncontended (local redis-server)',
    roles: 1,
    impls: [
      { impl: PS, run: 'redis', lib: 'procsync', iters: 3000 },
      { impl: 'redlock', run: 'redis', lib: 'redlock', iters: 3000 },
      { impl: 'redis-semaphore', run: 'redis', lib: 'redis-semaphore', iters: 3000 },
      { impl: 'ioredis 2× PING (floor)', run: 'redis', lib: 'ping', iters: 3000 },
    ],
  },
  {
    name: 'redis_counter_4',
    title: 'Redis lock, contended counter in Redis, 4 processes',
    roles: 4,
    ops: 4,
    rate: true,
    impls: [
      { impl: PS, run: 'redis', lib: 'procsync', iters: 300 },
      { impl: 'redlock', run: 'redis', lib: 'redlock', iters: 300 },
      { impl: 'redis-semaphore', run: 'redis', lib: 'redis-semaphore', iters: 300 },
    ],
  },
  // issue 13: RWLock and procsync.locks
  {
    name: 'rwlock_read_pair',
    title: 'RWLock read.acquireSync+release, uncontended',
    roles: 1,
    impls: [{ impl: PS, run: 'procsync', iters: 1e6 }],
  },
  {
    name: 'rwlock_write_pair',
    title: 'RWLock write.acquireSync+release, uncontended',
    roles: 1,
    impls: [{ impl: PS, run: 'procsync', iters: 1e6 }],
  },
  {
    name: 'read_mostly_rwlock',
    title: 'read-mostly load, 2 processes, 95 % reads holding ~10 µs: RWLock',
    roles: 2,
    ops: 2,
    rate: true,
    impls: [{ impl: PS, run: 'procsync', iters: 4000 }],
  },
  {
    name: 'read_mostly_lock',
    title: 'read-mostly load, 2 processes, 95 % reads holding ~10 µs: plain Lock',
    roles: 2,
    ops: 2,
    rate: true,
    impls: [
      { impl: PS, run: 'procsync', iters: 4000 },
      // The same work with no lock at all: what the machine allows (2 CPUs, if idle: 2 × 100 k/s).
      { impl: 'no lock (ceiling)', run: 'procsync', variant: 'none', iters: 4000 },
    ],
  },
  {
    name: 'locks_request_rt',
    title: 'procsync.locks.request round trip (request -> callback -> release), uncontended',
    roles: 1,
    impls: [
      { impl: PS, run: 'procsync', iters: 2e4 },
      { impl: NAV, run: 'navlocks', iters: 2e4 },
    ],
  },
];
