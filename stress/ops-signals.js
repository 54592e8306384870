// Operations on Event, Condition (with waitFor) and Barrier.
'use strict';

const procsync = require('..');
const { C, F, WI, BARRIER_PARTIES } = require('./layout');
const { acquire, increment } = require('./ops-locks');

async function eventOp(ctx) {
  const { event } = ctx.shared;
  const r = ctx.rand.next();
  if (r < 0.3) {
    event.set();
    Atomics.add(ctx.ctrl, C.EVENT_SETS, 1);
    ctx.done(WI.Event);
  } else if (r < 0.5) {
    event.clear();
    ctx.done(WI.Event);
  } else {
    const timeout = ctx.timeout();
    const call = ctx.sync ? () => event.waitSync({ timeout }) : () => event.wait({ timeout });
    await ctx.waitOn(WI.Event, Atomics.load(ctx.ctrl, C.EVENT_SETS), timeout, call);
  }
}

/**
 * Condition over its default RLock, guarding condValue (a counter with the write-ahead record
 * COND_INTENT/COND_DONE, checked like the Lock's). A notifier increments it and notifies 1-3 or
 * all; a waiter waits with waitFor until the value differs from what it saw (WAIT_ARG). A waiter
 * that notify(n) did not choose rightly sleeps on (until its timeout) even though its predicate
 * is true, so the supervisor counts its condition as holding only once a notifyAll() came after
 * it started waiting (NOTIFY_ALLS > WAIT_ARG2; both read and counted under the lock).
 */
async function conditionOp(ctx) {
  const { cond, condValue } = ctx.shared;
  if (!(await acquire(ctx, WI['Condition.lock'], cond, ctx.timeout()))) return;
  try {
    if (ctx.rand.chance(0.4)) {
      await increment(ctx, F.COND_INTENT, F.COND_DONE, () => condValue.value, (v) => (condValue.value = v));
      if (ctx.rand.chance(0.3)) {
        cond.notifyAll();
        Atomics.add(ctx.ctrl, C.NOTIFY_ALLS, 1);
      } else cond.notify(ctx.rand.int(1, 3));
      ctx.done(WI.Condition);
    } else {
      const seen = condValue.value;
      const pred = () => condValue.value !== seen;
      const timeout = ctx.timeout();
      ctx.rec.set(F.WAIT_ARG2, Atomics.load(ctx.ctrl, C.NOTIFY_ALLS));
      const call = ctx.sync ? () => cond.waitForSync(pred, { timeout }) : () => cond.waitFor(pred, { timeout });
      await ctx.waitOn(WI.Condition, seen, timeout, call);
    }
  } finally {
    // Whatever happened (a throw included), the caller holds the lock again, one level deep.
    if (cond.lock.isOwned() && cond.lock.count === 1) cond.release();
    else ctx.violation(`Condition: after ${ctx.sync ? 'waitForSync' : 'waitFor'} the lock is ${cond.lock.isOwned() ? `held ${cond.lock.count} levels` : 'not held'} (RLock ${require('util').inspect(cond.lock)})`);
  }
}

/**
 * Barrier(2) waits. A killed or terminated party, or a timeout, breaks the barrier: waiters then
 * get BrokenBarrierError, which is a legal outcome here and only counted. Actors never reset();
 * the supervisor does (it resets a barrier it sees broken), so broken cycles do not cascade
 * through actors resetting each other's fresh cycles. The invariant is on successful waits:
 * each completed cycle hands out indices 0..parties-1 exactly once and runs the action once.
 */
async function barrierOp(ctx) {
  const { barrier } = ctx.shared;
  const timeout = Math.max(ctx.timeout(), ctx.barrierFloor ?? 50);
  ctx.rec.set(F.BARRIER_PHASE, 1);
  try {
    const call = ctx.sync ? () => barrier.waitSync({ timeout }) : () => barrier.wait({ timeout });
    const i = await ctx.waitOn(WI.Barrier, 0, timeout, call, () => true);
    if (!(i >= 0 && i < BARRIER_PARTIES)) ctx.violation(`Barrier.wait returned ${i}`);
    else Atomics.add(ctx.ctrl, C.BARRIER_INDEX + i, 1);
  } catch (e) {
    if (!(e instanceof procsync.BrokenBarrierError)) throw e;
    Atomics.add(ctx.ctrl, C.BARRIER_BROKEN, 1);
  } finally {
    ctx.rec.set(F.BARRIER_PHASE, 0);
  }
}

module.exports = { eventOp, conditionOp, barrierOp };
