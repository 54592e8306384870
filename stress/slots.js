// Reading the slot records from the supervisor's side.
'use strict';

const { C, F, slotView } = require('./layout');
const { OPS } = require('./actor');

/** Every slot taken so far, as slotView objects. */
function allSlots(shared) {
  const n = Math.min(Atomics.load(shared.ctrl.view, C.NEXT_SLOT), shared.recs.view.length / F.SIZE);
  const out = [];
  for (let i = 0; i < n; i++) out.push(slotView(shared.recs, i));
  return out;
}

const alive = (s) => s.get(F.STATUS) === 1;
const dead = (s) => s.get(F.STATUS) === 2;

/** Marks the live slots of a process that died as dead (its worker threads died with it). */
function markProcessDead(shared, pid) {
  for (const s of allSlots(shared)) {
    if (s.get(F.PID) === pid && alive(s)) {
      s.set(F.KILLED_BY, 1);
      s.set(F.STATUS, 2);
    }
  }
}

const HOLDING = ['LOCK_INTENT', 'RLOCK_INTENT', 'ARR_INTENT', 'COND_INTENT', 'SEM_HELD', 'BSEM_HELD', 'JQ_GET_PHASE'].map((f) => F[f]);
const INSIDE = ['SEM_PHASE', 'BSEM_PHASE', 'Q_PUT_ID', 'Q_GET_PHASE', 'JQ_PUT_ID', 'BARRIER_PHASE', 'WAIT_ON'].map((f) => F[f]);

/**
 * Pids of the processes with a live actor inside a critical section or holding a count (or, if
 * there is none, inside a put, a get or a wait): the targets of aimed kills.
 */
function busyPids(shared) {
  const holding = new Set();
  const inside = new Set();
  for (const s of allSlots(shared)) {
    if (!alive(s)) continue;
    if (HOLDING.some((f) => s.get(f) !== 0)) holding.add(s.get(F.PID));
    else if (INSIDE.some((f) => s.get(f) !== 0)) inside.add(s.get(F.PID));
  }
  return holding.size ? holding : inside;
}

/** "pid 123 worker, lockOp (sync, blocked)" for messages. */
function describeSlot(s) {
  const op = OPS[s.get(F.OP) - 1];
  const what = op ? `${op[0].name} (${s.get(F.OP_SYNC) ? 'sync' : 'async'}${s.get(F.WAIT_ON) ? ', blocked' : ''})` : 'no operation yet';
  return `slot ${s.slot} (pid ${s.get(F.PID)}${s.get(F.THREAD) ? ' worker thread' : ''}) in ${what}`;
}

module.exports = { allSlots, alive, dead, markProcessDead, describeSlot, busyPids };
