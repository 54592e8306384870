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

/** "pid 123 worker, lockOp (sync, blocked)" for messages. */
function describeSlot(s) {
  const op = OPS[s.get(F.OP) - 1];
  const what = op ? `${op[0].name} (${s.get(F.OP_SYNC) ? 'sync' : 'async'}${s.get(F.WAIT_ON) ? ', blocked' : ''})` : 'no operation yet';
  return `slot ${s.slot} (pid ${s.get(F.PID)}${s.get(F.THREAD) ? ' worker thread' : ''}) in ${what}`;
}

module.exports = { allSlots, alive, dead, markProcessDead, describeSlot };
