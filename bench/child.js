'use strict';
// The procsync side of every case, run in children forked by the runner (pool.js).
// Role 0 creates the named primitives (`new X(..., { name })`); the other roles open
// them (`X.open(name)`) after role 0 is ready. Role 0 times ping-pongs; for counters
// and throughput every role reports its own start/end stamps.
// Anything missing from the library (not built, class or method absent) is reported
// as n/a by throwing NotAvailable during setup.
const path = require('path');
const { serve, NotAvailable } = require('./worker');
const { now, procStatus, sleep } = require('./util');

const ITEM = { i: 1, s: 'hello' }; // the small object of the Queue cases (same in Python)

function load(classes) {
  let ps;
  try {
    // PROCSYNC_PATH lets the bench measure another checkout of the library.
    ps = require(process.env.PROCSYNC_PATH || path.join(__dirname, '..'));
  } catch (e) {
    throw new NotAvailable(`procsync not loadable: ${String(e.message).split('\n')[0].split('. ')[0]}`);
  }
  for (const c of classes) if (typeof ps[c] !== 'function') throw new NotAvailable(`procsync.${c} missing`);
  return ps;
}

function need(obj, ...methods) {
  for (const m of methods)
    if (typeof obj[m] !== 'function') throw new NotAvailable(`${obj.constructor.name}.${m}() missing`);
  return obj;
}

// Role 0 creates with `create()`, the others open by name.
function createOrOpen(cls, m, k, create) {
  if (m.role === 0) return create(m.names[k]);
  need(cls, 'open');
  return cls.open(m.names[k]);
}

const closeAll = (...objs) => objs.forEach((o) => o && o.close());

// --- single process -----------------------------------------------------------

function pair(cls, async) {
  return (m) => {
    const ps = load([cls]);
    const lock = need(new ps[cls]({ name: m.names[0] }), async ? 'acquire' : 'acquireSync', 'release');
    if (m.variant) return jsFloor(m.variant, lock);
    return {
      rep: async (n) => {
        const start = now();
        if (async) {
          for (let i = 0; i < n; i++) {
            await lock.acquire();
            lock.release();
          }
        } else {
          for (let i = 0; i < n; i++) {
            lock.acquireSync();
            lock.release();
          }
        }
        return { start, end: now() };
      },
      close: () => lock.close(),
    };
  };
}

// The JS floors of the uncontended pairs: the same loop over raw Atomics on the Lock's mapped
// word (what acquireSync + release do on their fast paths, without the method calls and the
// closed check), or over `await` of a resolved promise.
function jsFloor(variant, lock) {
  const i32 = lock.i32; // internal fields, read only here
  const w = lock.ownerAt;
  const me = lock.me;
  const resolved = Promise.resolve(true);
  return {
    rep: async (n) => {
      const start = now();
      if (variant === 'await') {
        for (let i = 0; i < n; i++) await resolved;
      } else {
        for (let i = 0; i < n; i++) {
          if (Atomics.compareExchange(i32, w, 0, me) !== 0) throw new Error('held');
          Atomics.compareExchange(i32, w, me, 0);
        }
      }
      return { start, end: now() };
    },
    close: () => lock.close(),
  };
}

// Role 0 creates `n` named Locks, then role 1 opens each of them by name; the runner
// runs the two sequentially (case flag `sequential`) and adds the two times.
// Closing is not timed: role 1 closes right away, role 0 before its next round.
// timed: 'both' (create_open_10k), 'create' (lock_create: role 0 alone), 'open' (lock_open:
// role 0's creating is not timed).
const createOpen = (timed) => (m) => {
  const ps = load(['Lock']);
  need(ps.Lock, 'open');
  let round = 0;
  let held = [];
  return {
    rep: async (n) => {
      const prefix = `${m.names[0]}.${round++}`;
      closeAll(...held.splice(0));
      const start = now();
      if (m.role === 0) for (let i = 0; i < n; i++) held.push(new ps.Lock({ name: `${prefix}.${i}` }));
      else for (let i = 0; i < n; i++) held.push(ps.Lock.open(`${prefix}.${i}`));
      const end = now();
      if (m.role === 1) closeAll(...held.splice(0));
      return timed === 'open' && m.role === 0 ? { start, end: start } : { start, end };
    },
    close: () => closeAll(...held.splice(0)),
  };
};

// n pending async waits in one process; reports native threads and RSS while they pend.
function pendingWaits(kind) {
  return (m) => {
    const ps = load([kind]);
    const prim = kind === 'Event' ? need(new ps.Event({ name: m.names[0] }), 'wait', 'set', 'clear')
      : need(new ps.Semaphore(0, { name: m.names[0] }), 'acquire', 'release');
    const before = procStatus();
    return {
      rep: async (n) => {
        const t0 = now();
        const waits = [];
        for (let i = 0; i < n; i++) waits.push(kind === 'Event' ? prim.wait() : prim.acquire());
        const t1 = now();
        await sleep(50); // let any native waiters start; not timed
        const during = procStatus();
        const t2 = now();
        if (kind === 'Event') prim.set();
        else prim.release(n);
        const results = await Promise.all(waits);
        const t3 = now();
        if (kind === 'Event') prim.clear();
        const bad = results.filter((r) => r !== true).length;
        if (bad) throw new Error(`${bad} of ${n} waits did not return true`);
        // One sample = time to start the waits + time for all of them to complete.
        return {
          start: 0,
          end: t1 - t0 + (t3 - t2),
          extra: { threads: during.threads, threadsBefore: before.threads, rssMB: during.rssMB },
        };
      },
      close: () => prim.close(),
    };
  };
}

// --- two processes passing the turn back and forth ---------------------------
// Each case gives setup(ps, m) -> objs, and a(objs, n) / b(objs, n): n round trips
// seen from role 0 (timed) and role 1.

const PINGPONG = {
  sem_pingpong_sync: {
    classes: ['Semaphore'],
    setup: (ps, m) => [0, 1].map((k) => need(createOrOpen(ps.Semaphore, m, k, (name) => new ps.Semaphore(0, { name })), 'acquireSync', 'release')),
    a([s1, s2], n) {
      for (let i = 0; i < n; i++) {
        s1.release();
        s2.acquireSync();
      }
    },
    b([s1, s2], n) {
      for (let i = 0; i < n; i++) {
        s1.acquireSync();
        s2.release();
      }
    },
  },
  sem_pingpong_async: {
    classes: ['Semaphore'],
    setup: (ps, m) => [0, 1].map((k) => need(createOrOpen(ps.Semaphore, m, k, (name) => new ps.Semaphore(0, { name })), 'acquire', 'release')),
    async a([s1, s2], n) {
      for (let i = 0; i < n; i++) {
        s1.release();
        await s2.acquire();
      }
    },
    async b([s1, s2], n) {
      for (let i = 0; i < n; i++) {
        await s1.acquire();
        s2.release();
      }
    },
  },
  event_pingpong: {
    classes: ['Event'],
    setup: (ps, m) => [0, 1].map((k) => need(createOrOpen(ps.Event, m, k, (name) => new ps.Event({ name })), 'waitSync', 'set', 'clear')),
    a([e1, e2], n) {
      for (let i = 0; i < n; i++) {
        e1.set();
        e2.waitSync();
        e2.clear();
      }
    },
    b([e1, e2], n) {
      for (let i = 0; i < n; i++) {
        e1.waitSync();
        e1.clear(); // cleared before answering, so the next set() is a new one
        e2.set();
      }
    },
  },
  cond_pingpong: {
    classes: ['Condition', 'Value'],
    setup: (ps, m) => [
      need(createOrOpen(ps.Condition, m, 0, (name) => new ps.Condition(undefined, { name })), 'acquireSync', 'release', 'waitSync', 'notify'),
      createOrOpen(ps.Value, m, 1, (name) => new ps.Value('i', 0, { lock: false, name })),
    ],
    a([cond, turn], n) {
      cond.acquireSync();
      for (let i = 0; i < n; i++) {
        turn.value = 1;
        cond.notify();
        while (turn.value !== 0) cond.waitSync();
      }
      cond.release();
    },
    b([cond, turn], n) {
      cond.acquireSync();
      for (let i = 0; i < n; i++) {
        while (turn.value !== 1) cond.waitSync();
        turn.value = 0;
        cond.notify();
      }
      cond.release();
    },
  },
  barrier_round: {
    classes: ['Barrier'],
    setup: (ps, m) => need(createOrOpen(ps.Barrier, m, 0, (name) => new ps.Barrier(2, { name })), 'waitSync'),
    a(bar, n) {
      for (let i = 0; i < n; i++) bar.waitSync();
    },
    b(bar, n) {
      for (let i = 0; i < n; i++) bar.waitSync();
    },
  },
  queue_roundtrip: {
    classes: ['Queue'],
    setup: (ps, m) => [0, 1].map((k) => need(createOrOpen(ps.Queue, m, k, (name) => new ps.Queue({ name })), 'putSync', 'getSync')),
    a([q1, q2], n) {
      for (let i = 0; i < n; i++) {
        q1.putSync(ITEM);
        q2.getSync();
      }
    },
    b([q1, q2], n) {
      for (let i = 0; i < n; i++) q2.putSync(q1.getSync());
    },
  },
  // One way: role 0 puts, role 1 gets; both report stamps (time = first start to last end).
  queue_throughput: {
    classes: ['Queue'],
    both: true,
    setup: (ps, m) => need(createOrOpen(ps.Queue, m, 0, (name) => new ps.Queue({ name })), 'putSync', 'getSync'),
    a(q, n) {
      for (let i = 0; i < n; i++) q.putSync(ITEM);
    },
    b(q, n) {
      for (let i = 0; i < n; i++) q.getSync();
    },
  },
  // The same with a small int as the item (the "small ints").
  queue_throughput_int: {
    classes: ['Queue'],
    both: true,
    setup: (ps, m) => need(createOrOpen(ps.Queue, m, 0, (name) => new ps.Queue({ name })), 'putSync', 'getSync'),
    a(q, n) {
      for (let i = 0; i < n; i++) q.putSync(7);
    },
    b(q, n) {
      for (let i = 0; i < n; i++) q.getSync();
    },
  },
};

function pingpong(spec) {
  return (m) => {
    const ps = load(spec.both ? [...spec.classes, 'Semaphore'] : spec.classes);
    const objs = spec.setup(ps, m);
    const timed = m.role === 0 || spec.both;
    // Both roles timed (one-way throughput): they start together (startGate).
    const gate = spec.both ? startGate(ps, m) : null;
    return {
      rep: async (n) => {
        if (gate) gate.wait();
        const start = now();
        await (m.role === 0 ? spec.a : spec.b)(objs, n);
        return timed ? { start, end: now() } : { start: null, end: null };
      },
      close: () => closeAll(...[objs].flat(), gate),
    };
  };
}

// --- a start gate: every role's timed loop starts at the same moment ---------------------
// Issue 15's definition for the contended counter, also used by the one-way Queue cases: every
// role waits at the gate until role 0 opens it, which role 0 does once all others said they are
// ready, so the timed loops really run at the same time; time = last end - first start.
// (Started by the runner's messages instead, one role began up to tens of ms before the other,
// and that skew counted in the time: Queue small ints 525 ns per item against ~270 ns per item
// in each role's own loop.) Two Semaphores, so every rep's gate starts closed again.
function startGate(ps, m) {
  const goName = `${m.names[0]}.go`;
  const readyName = `${m.names[0]}.ready`;
  const go = m.role === 0 ? new ps.Semaphore(0, { name: goName }) : ps.Semaphore.open(goName);
  const ready = m.role === 0 ? new ps.Semaphore(0, { name: readyName }) : ps.Semaphore.open(readyName);
  return {
    wait() {
      if (m.role === 0) {
        for (let r = 1; r < m.roles; r++) ready.acquireSync();
        go.release(m.roles - 1);
      } else {
        ready.release();
        go.acquireSync();
      }
    },
    close: () => closeAll(go, ready),
  };
}

// --- contended counter: every role adds 1 to a shared Value('i') n times under a Lock ---

function counter(m) {
  const ps = load(['Lock', 'Value', 'Semaphore']);
  const lock = need(createOrOpen(ps.Lock, m, 0, (name) => new ps.Lock({ name })), 'acquireSync', 'release');
  const v = createOrOpen(ps.Value, m, 1, (name) => new ps.Value('i', 0, { lock: false, name }));
  const gate = startGate(ps, m);
  return {
    rep: async (n) => {
      gate.wait();
      const start = now();
      for (let i = 0; i < n; i++) {
        lock.acquireSync();
        v.value += 1;
        lock.release();
      }
      return { start, end: now() };
    },
    check(expect) {
      const got = v.value;
      v.value = 0;
      return got === expect ? undefined : `wrong total: ${got} != ${expect}`;
    },
    close: () => closeAll(v, lock, gate),
  };
}

// --- issue 13 ----------------------------------------------------------------

function rwPair(side) {
  return (m) => {
    const ps = load(['RWLock']);
    const rw = new ps.RWLock({ name: m.names[0] });
    const v = rw[side];
    return {
      rep: async (n) => {
        const start = now();
        for (let i = 0; i < n; i++) {
          v.acquireSync();
          v.release();
        }
        return { start, end: now() };
      },
      close: () => rw.close(),
    };
  };
}

// Every role: n operations, 1 in 20 a write, each holding ~10 µs of work (variant 'none': the
// same work without any lock, the ceiling the machine allows).
function readMostly(useRw) {
  return (m) => {
    const ps = load([useRw ? 'RWLock' : 'Lock']);
    const none = { acquireSync() {}, release() {}, close() {} };
    const lock =
      m.variant === 'none'
        ? Object.assign(none, { read: none, write: none })
        : createOrOpen(useRw ? ps.RWLock : ps.Lock, m, 0, (name) => (useRw ? new ps.RWLock({ name }) : new ps.Lock({ name })));
    const work = () => {
      const end = now() + 10_000;
      while (now() < end);
    };
    return {
      rep: async (n) => {
        const start = now();
        for (let i = 0; i < n; i++) {
          const l = useRw ? (i % 20 === 0 ? lock.write : lock.read) : lock;
          l.acquireSync();
          work();
          l.release();
        }
        return { start, end: now() };
      },
      close: () => lock.close(),
    };
  };
}

function locksRoundTrip(m) {
  const ps = load([]);
  if (!ps.locks || typeof ps.locks.request !== 'function') throw new NotAvailable('procsync.locks missing');
  const name = m.names[0];
  const cb = () => {};
  return {
    rep: async (n) => {
      const start = now();
      for (let i = 0; i < n; i++) await ps.locks.request(name, cb);
      return { start, end: now() };
    },
    close: () => {},
  };
}

serve({
  rwlock_read_pair: rwPair('read'),
  rwlock_write_pair: rwPair('write'),
  read_mostly_rwlock: readMostly(true),
  read_mostly_lock: readMostly(false),
  locks_request_rt: locksRoundTrip,
  lock_pair_sync: pair('Lock', false),
  lock_pair_async: pair('Lock', true),
  rlock_pair: pair('RLock', false),
  counter_2: counter,
  counter_4: counter,
  create_open_10k: createOpen('both'),
  lock_create: createOpen('create'),
  lock_open: createOpen('open'),
  async_waits_10k_event: pendingWaits('Event'),
  async_waits_10k_sem: pendingWaits('Semaphore'),
  ...Object.fromEntries(Object.entries(PINGPONG).map(([k, spec]) => [k, pingpong(spec)])),
});
