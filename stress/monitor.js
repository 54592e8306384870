// The supervisor's watch over progress, sampled every 25 ms:
//  - stall: a waiter whose condition holds (the lock is free or its holder dead, the semaphore
//    positive, the event set, the Condition's value changed and a notifyAll() came since the
//    waiter looked, the queue non-empty / not full, the barrier broken) while its primitive completes no operation. The
//    stall of a waiter is now - max(when its condition was first seen holding (continuously since),
//    the primitive's last completed operation); above 2 s it is a violation. One waiter losing
//    races to others is not a stall (the primitive completes operations meanwhile).
//  - overrun: a wait still pending 2 s after its own timeout (every wait has one).
//  - the barrier: a broken barrier is reset by the supervisor (actors never reset it).
'use strict';

const { C, F, W, WI } = require('./layout');
const { allSlots, alive, describeSlot } = require('./slots');

const STALL_MS = 2000;
const OVERRUN_MS = 2000;

function threadAlive(tid) {
  try {
    process.kill(tid, 0);
    return true;
  } catch (e) {
    return e.code !== 'ESRCH';
  }
}

/** Free, or held by a thread that no longer exists (owner death: must be taken over). */
function lockFree(lock) {
  if (!lock.locked()) return true;
  const { owner } = lock.inspectFields(); // pid of the holder's process; its own tid once dead
  return owner !== null && !threadAlive(owner);
}

function conditionHolds(shared, w, arg, arg2) {
  switch (W[w]) {
    case 'Lock': return lockFree(shared.lock);
    case 'RLock': return lockFree(shared.rlock);
    case 'Semaphore': return shared.sem.getValue() > 0;
    case 'BoundedSemaphore': return shared.bsem.getValue() > 0;
    case 'Event': return shared.event.isSet();
    case 'Condition': return shared.condValue.value !== arg && Atomics.load(shared.ctrl.view, C.NOTIFY_ALLS) > arg2;
    case 'Barrier': return shared.barrier.broken;
    case 'Queue': return arg === 0 ? shared.queue.qsize() > 0 : !shared.queue.full();
    case 'JoinableQueue':
      if (arg === 2) return shared.jqueue.stat().unfinished === 0;
      return arg === 0 ? shared.jqueue.qsize() > 0 : !shared.jqueue.full();
    case 'Condition.lock': return lockFree(shared.cond.lock);
    case 'SharedArray.lock': return lockFree(shared.array.getLock());
    default: return false;
  }
}

function startMonitor(shared, t0, violation) {
  const ctrl = shared.ctrl.view;
  const since = new Map(); // slot -> { start, holdsSince, reported }
  const stats = { worstStall: 0, worstStallOn: '-', barrierResets: 0 };
  let brokenSeen = false;

  function sample() {
    const now = Date.now() - t0;
    for (const s of allSlots(shared)) {
      const w1 = s.get(F.WAIT_ON);
      if (!alive(s) || w1 === 0) {
        since.delete(s.slot);
        continue;
      }
      const w = w1 - 1;
      const start = s.get(F.WAIT_START);
      let e = since.get(s.slot);
      if (!e || e.start !== start) since.set(s.slot, (e = { start, holdsSince: null, reported: false }));
      const timeout = s.get(F.WAIT_TIMEOUT);
      if (!e.reported && timeout >= 0 && now - start > timeout + OVERRUN_MS) {
        e.reported = true;
        violation(`wait on ${W[w]} with timeout ${timeout} ms still pending after ${now - start} ms: ${describeSlot(s)}`);
      }
      if (!conditionHolds(shared, w, s.get(F.WAIT_ARG), s.get(F.WAIT_ARG2))) {
        e.holdsSince = null;
        continue;
      }
      e.holdsSince ??= now;
      const stall = now - Math.max(e.holdsSince, Atomics.load(ctrl, C.LAST_DONE + w), start);
      if (stall > stats.worstStall) {
        stats.worstStall = stall;
        stats.worstStallOn = W[w];
      }
      if (stall > STALL_MS && !e.reported) {
        e.reported = true;
        violation(`stall: ${W[w]} completed nothing for ${stall} ms while the condition of a waiter held: ${describeSlot(s)}`);
      }
    }
    // A broken barrier stays broken until someone resets it; seen twice in a row -> reset.
    const broken = shared.barrier.broken;
    if (broken && brokenSeen) {
      shared.barrier.reset();
      stats.barrierResets++;
      brokenSeen = false;
    } else brokenSeen = broken;
  }

  const timer = setInterval(() => {
    try {
      sample();
    } catch (e) {
      violation(`monitor failed: ${e.stack}`);
    }
  }, 25);
  return { stats, stop: () => clearInterval(timer) };
}

module.exports = { startMonitor, lockFree };
