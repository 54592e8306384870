// The invariants, checked at checkpoints (every few seconds while the run goes on, and once at
// the end). A checkpoint first pauses the actors: each live actor parks between two operations,
// so no live actor is inside a critical section, holds a count, or is in the middle of a put or
// get; only dead actors can have been caught inside one, and their records say where.
'use strict';

const { C, F, SEM_INITIAL, BSEM_INITIAL, BARRIER_PARTIES, MAX_ITEMS } = require('./layout');
const { allSlots, alive, dead, describeSlot } = require('./slots');
const { spec, recordGot } = require('./ops-queues');
const procsync = require('..');

const PARK_BOUND_MS = 15000;
// SETTLED bits: what the supervisor already accounted for in a dead slot.
const SETTLED_SEM = 1;
const SETTLED_BSEM = 2;
const SETTLED_JQ = 4;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function makeCheckpoints(shared, violation) {
  const ctrl = shared.ctrl.view;
  const totals = {
    checkpoints: 0, killedInCS: {}, semLost: 0, bsemLost: 0, drained: 0,
    lost: { q: 0, jq: 0 }, jqCompensated: 0, counters: {}, queues: {},
  };
  const lastSeq = { q: new Map(), jq: new Map() };
  const reportedOff = {};
  let jqLostSettled = 0;
  let jqUnseenSettled = 0;

  /** Asks the actors to park; true when every live one did within the bound. */
  async function pause() {
    Atomics.store(ctrl, C.PAUSE, 1);
    const deadline = Date.now() + PARK_BOUND_MS;
    for (;;) {
      const busy = allSlots(shared).filter((s) => alive(s) && s.get(F.PARKED) !== 1);
      if (busy.length === 0) return true;
      if (Date.now() > deadline) {
        violation(`checkpoint: ${busy.length} actor(s) did not reach the end of their operation within ${PARK_BOUND_MS} ms: ${busy.map(describeSlot).join('; ')}`);
        return false;
      }
      await sleep(10);
    }
  }

  function resume() {
    Atomics.store(ctrl, C.PAUSE, 0);
  }

  /** Live parked actors must have clean records (their operations ended). */
  function checkParkedRecords() {
    const fields = ['LOCK_INTENT', 'RLOCK_INTENT', 'ARR_INTENT', 'COND_INTENT', 'SEM_HELD', 'SEM_PHASE', 'BSEM_HELD', 'BSEM_PHASE', 'Q_PUT_ID', 'Q_GET_PHASE', 'JQ_PUT_ID', 'JQ_GET_PHASE', 'BARRIER_PHASE'];
    for (const s of allSlots(shared)) {
      if (!alive(s)) continue;
      for (const f of fields) if (s.get(F[f]) !== 0) violation(`checkpoint: parked ${describeSlot(s)} has ${f}=${s.get(F[f])}`);
    }
  }

  /** sum(DONE) <= counter <= sum(DONE) + #dead slots with INTENT set, read under the lock. */
  async function checkCounter(label, lock, read, intent, done) {
    if (!(await lock.acquire({ timeout: 5000 }))) return violation(`checkpoint: the ${label} lock could not be taken in 5 s`);
    try {
      const value = read();
      let committed = 0;
      let killedInCS = 0;
      for (const s of allSlots(shared)) {
        committed += s.get(done);
        if (dead(s) && s.get(intent) === 1) killedInCS++;
      }
      totals.counters[label] = { value, committed, killedInCS };
      // The bounds are cumulative: report a breach once, and again only if it changes.
      const off = value < committed ? value - committed : value > committed + killedInCS ? value - committed - killedInCS : 0;
      if (off !== 0 && off !== reportedOff[label]) {
        violation(`${label}: counter ${value} outside [committed ${committed}, committed + holders killed inside ${committed + killedInCS}]`);
      }
      reportedOff[label] = off;
    } finally {
      lock.release();
    }
  }

  /**
   * value + sum(HELD) = initial, up to the dead actors caught between acquire and recording it
   * (PHASE 1, may hold one more than recorded) or between release and recording it (PHASE 2).
   * Then the supervisor gives back what dead holders took (nobody else will: a Semaphore has no
   * owner), so that the run goes on with the full count, and marks those slots settled.
   */
  function checkSemaphore(label, sem, initial, heldF, phaseF, bit) {
    const value = sem.getValue();
    let held = 0;
    let acquiring = 0;
    let releasing = 0;
    const unsettled = [];
    for (const s of allSlots(shared)) {
      if (!dead(s) || s.get(F.SETTLED) & bit) continue;
      unsettled.push(s);
      held += s.get(heldF);
      if (s.get(phaseF) === 1) acquiring++;
      if (s.get(phaseF) === 2) releasing++;
    }
    const sum = value + held;
    if (sum < initial - acquiring || sum > initial + releasing || value > initial) {
      violation(`${label}: value ${value} + counts held by killed holders ${held} = ${sum}, expected ${initial} (-${acquiring} killed while acquiring, +${releasing} killed while releasing)`);
    }
    const lost = initial - value;
    if (lost > 0) sem.release(lost);
    for (const s of unsettled) s.set(F.SETTLED, s.get(F.SETTLED) | bit);
    return Math.max(lost, 0);
  }

  /** Takes every item still queued (the supervisor is a consumer too). */
  function drain(sp, joinable) {
    let n = 0;
    for (;;) {
      let item;
      try {
        item = sp.q.getNowait();
      } catch (e) {
        if (e instanceof procsync.Empty) return n;
        throw e;
      }
      recordGot(sp, item, lastSeq[sp.tag], violation);
      if (joinable) sp.q.taskDone();
      n++;
    }
  }

  /**
   * With the queue drained, every id falls in one case:
   *   put and got ............ delivered once (a second delivery was caught by the getter);
   *   put, not got ........... lost: taken by a getter killed inside get (GET_PHASE 1) -- each
   *                            such getter accounts for at most one item;
   *   got, not put ........... only if its producer was killed after the put (PUT_ID set);
   *   neither ................ its put timed out, or its producer was killed before the commit.
   */
  function checkQueue(joinable) {
    const sp = spec(shared, joinable);
    const drained = drain(sp, joinable);
    totals.drained += drained;
    const next = Math.min(Atomics.load(ctrl, sp.next), MAX_ITEMS);
    const maybePut = new Set();
    let killedGetters = 0;
    for (const s of allSlots(shared)) {
      if (!dead(s)) continue;
      if (s.get(sp.putId) !== 0) maybePut.add(s.get(sp.putId) - 1);
      if (s.get(sp.getPhase) === 1) killedGetters++;
    }
    let put = 0;
    let got = 0;
    let lost = 0;
    let unseen = 0;
    const pv = sp.putBits.view;
    const gv = sp.gotBits.view;
    for (let id = 0; id < next; id++) {
      const p = (pv[id >>> 5] >>> (id & 31)) & 1;
      const g = (gv[id >>> 5] >>> (id & 31)) & 1;
      put += p;
      got += g;
      if (p && !g) lost++;
      if (!p && g && !maybePut.has(id)) violation(`${sp.q.kind}: item ${id} was got but never put`);
      // Its producer died around the put and nobody recorded it: not in the queue (drained),
      // so either never put, or put and then taken by a getter that died inside get.
      if (!p && !g && maybePut.has(id)) unseen++;
    }
    totals.lost[sp.tag] = lost;
    totals.queues[sp.q.kind] = { ids: next, put, got, lost, killedGetters };
    if (lost > killedGetters) violation(`${sp.q.kind}: ${lost} items put and never got, but only ${killedGetters} getters were killed while taking one`);
    return { lost, unseen };
  }

  /**
   * JoinableQueue: with the queue drained (and taskDone'd), the unfinished tasks are those of
   * dead getters: each one killed after its get (GET_PHASE 2) owes one, each item lost since the
   * last checkpoint is one, and one killed inside taskDone (phase 3) may owe one, and so may an
   * item whose producer and getter both died around it (put not recorded, got not recorded:
   * "unseen"). The supervisor then calls taskDone for them, and join() must return true.
   */
  async function checkJoin({ lost: lostNow, unseen: unseenNow }) {
    const { unfinished } = shared.jqueue.stat();
    let owed = 0;
    let maybe = 0;
    const unsettled = [];
    for (const s of allSlots(shared)) {
      if (!dead(s) || s.get(F.SETTLED) & SETTLED_JQ) continue;
      unsettled.push(s);
      if (s.get(F.JQ_GET_PHASE) === 2) owed++;
      if (s.get(F.JQ_GET_PHASE) === 3) maybe++;
    }
    const lostNew = lostNow - jqLostSettled;
    const unseenNew = unseenNow - jqUnseenSettled;
    if (unfinished < owed + lostNew || unfinished > owed + lostNew + maybe + unseenNew) {
      violation(`JoinableQueue: ${unfinished} unfinished tasks with the queue drained; expected ${owed} (getters killed before taskDone) + ${lostNew} (items lost) + up to ${maybe} (killed inside taskDone) + up to ${unseenNew} (unseen items of killed producers)`);
    }
    for (let i = 0; i < unfinished; i++) shared.jqueue.taskDone();
    totals.jqCompensated += unfinished;
    jqLostSettled = lostNow;
    jqUnseenSettled = unseenNow;
    for (const s of unsettled) s.set(F.SETTLED, s.get(F.SETTLED) | SETTLED_JQ);
    if (!(await shared.jqueue.join({ timeout: 2000 }))) violation('JoinableQueue: join() not true within 2 s with nothing queued and every task done');
  }

  /** Each completed cycle gave out every index once and ran the action once (up to dead parties). */
  function checkBarrier() {
    const actions = Atomics.load(ctrl, C.BARRIER_ACTIONS);
    const killed = allSlots(shared).filter((s) => dead(s) && s.get(F.BARRIER_PHASE) === 1).length;
    for (let i = 0; i < BARRIER_PARTIES; i++) {
      const c = Atomics.load(ctrl, C.BARRIER_INDEX + i);
      if (c > actions || c < actions - killed) violation(`Barrier: index ${i} returned ${c} times for ${actions} completed cycles (${killed} parties killed inside wait)`);
    }
  }

  /** One checkpoint. `paused`: false for the final one (every actor has exited). */
  async function check({ final = false } = {}) {
    if (!final && !(await pause())) return resume();
    try {
      if (final) {
        const left = allSlots(shared).filter(alive);
        if (left.length) violation(`at the end, slots still marked alive: ${left.map(describeSlot).join('; ')}`);
      }
      checkParkedRecords();
      await checkCounter('Lock', shared.lock, () => shared.lockCount.value, F.LOCK_INTENT, F.LOCK_DONE);
      await checkCounter('RLock', shared.rlock, () => shared.rlockCount.value, F.RLOCK_INTENT, F.RLOCK_DONE);
      await checkCounter('Condition', shared.cond.lock, () => shared.condValue.value, F.COND_INTENT, F.COND_DONE);
      await checkCounter('SharedArray', shared.array.getLock(), () => shared.array.toArray().reduce((a, b) => a + b, 0), F.ARR_INTENT, F.ARR_DONE);
      totals.semLost += checkSemaphore('Semaphore', shared.sem, SEM_INITIAL, F.SEM_HELD, F.SEM_PHASE, SETTLED_SEM);
      totals.bsemLost += checkSemaphore('BoundedSemaphore', shared.bsem, BSEM_INITIAL, F.BSEM_HELD, F.BSEM_PHASE, SETTLED_BSEM);
      checkQueue(false);
      await checkJoin(checkQueue(true));
      checkBarrier();
      totals.checkpoints++;
    } catch (e) {
      violation(`checkpoint failed: ${e.stack}`);
    } finally {
      resume();
    }
  }

  return { check, totals };
}

module.exports = { makeCheckpoints };
