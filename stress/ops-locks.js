// Operations on the lock family: Lock, RLock, Semaphore, BoundedSemaphore and the SharedArray's
// lock. Each one follows a write-ahead protocol in the actor's slot so that, whatever instant a
// SIGKILL or worker.terminate() lands on, the supervisor can bound what the dead actor did:
//
//   counter under a lock:  INTENT=1, read, (hold), write+1, DONE+=1, INTENT=0
//     => sum(DONE) <= counter <= sum(DONE) + #dead slots with INTENT=1
//   semaphore count:       PHASE=1, acquire, HELD+=1, PHASE=0 ... PHASE=2, release, HELD-=1, PHASE=0
//     => initial - #dead(PHASE=1) <= value + sum(HELD) <= initial + #dead(PHASE=2)
'use strict';

const { F, WI, ARRAY_LENGTH } = require('./layout');

function acquire(ctx, w, lock, timeout) {
  const call = ctx.sync
    ? () => (timeout === 0 ? lock.acquireSync({ block: false }) : lock.acquireSync({ timeout }))
    : () => (timeout === 0 ? lock.acquire({ block: false }) : lock.acquire({ timeout }));
  return ctx.waitOn(w, 0, timeout, call);
}

/** The write-ahead increment of a counter that a lock protects (the caller holds the lock). */
async function increment(ctx, intentField, doneField, read, write) {
  ctx.rec.set(intentField, 1);
  const v = read();
  await ctx.hold();
  write(v + 1);
  ctx.rec.add(doneField, 1);
  ctx.rec.set(intentField, 0);
}

async function lockOp(ctx) {
  const { lock, lockCount } = ctx.shared;
  if (!(await acquire(ctx, WI.Lock, lock, ctx.timeout()))) return;
  try {
    await increment(ctx, F.LOCK_INTENT, F.LOCK_DONE, () => lockCount.value, (v) => (lockCount.value = v));
  } finally {
    lock.release();
  }
}

/** Takes the RLock 1-3 levels deep (re-acquires must succeed at once), increments, releases. */
async function rlockOp(ctx) {
  const { rlock, rlockCount } = ctx.shared;
  if (!(await acquire(ctx, WI.RLock, rlock, ctx.timeout()))) return;
  let levels = 1;
  try {
    const extra = ctx.rand.int(0, 2);
    for (let i = 0; i < extra; i++) {
      const again = ctx.sync ? rlock.acquireSync({ block: false }) : await rlock.acquire({ block: false });
      if (!again) return ctx.violation('RLock re-acquire by its owner failed');
      levels++;
    }
    if (rlock.count !== levels) ctx.violation(`RLock.count ${rlock.count}, expected ${levels}`);
    await increment(ctx, F.RLOCK_INTENT, F.RLOCK_DONE, () => rlockCount.value, (v) => (rlockCount.value = v));
  } finally {
    for (let i = 0; i < levels; i++) rlock.release();
  }
  if (rlock.isOwned()) ctx.violation('RLock still owned after releasing every level');
}

function semOp(bounded) {
  const held = bounded ? F.BSEM_HELD : F.SEM_HELD;
  const phase = bounded ? F.BSEM_PHASE : F.SEM_PHASE;
  const w = bounded ? WI.BoundedSemaphore : WI.Semaphore;
  const op = async (ctx) => {
    const sem = bounded ? ctx.shared.bsem : ctx.shared.sem;
    const { rec } = ctx;
    rec.set(phase, 1);
    const ok = await acquire(ctx, w, sem, ctx.timeout());
    if (ok) rec.add(held, 1);
    rec.set(phase, 0);
    if (!ok) return;
    await ctx.hold();
    rec.set(phase, 2);
    try {
      sem.release();
    } catch (e) {
      // A release of a count this actor holds can never exceed the bound.
      ctx.violation(`${sem.kind}.release() of a held count threw ${e.code}: ${e.message}`);
    }
    rec.add(held, -1);
    rec.set(phase, 0);
    ctx.done(w);
  };
  // Named: --only and the messages go by operation name.
  return Object.defineProperty(op, 'name', { value: bounded ? 'boundedSemaphoreOp' : 'semaphoreOp' });
}

/** Increments one element of the SharedArray under its own lock (getLock(), an RLock). */
async function arrayOp(ctx) {
  const { array } = ctx.shared;
  if (ctx.rand.chance(0.3)) {
    // Unlocked read: must see a full array of in-range elements.
    const a = array.toArray();
    if (a.length !== ARRAY_LENGTH || a.some((x) => !Number.isInteger(x) || x < 0)) ctx.violation(`SharedArray read ${a}`);
    ctx.done(WI.SharedArray);
    return;
  }
  const lock = array.getLock();
  if (!(await acquire(ctx, WI['SharedArray.lock'], lock, ctx.timeout()))) return;
  try {
    const i = ctx.rand.int(0, ARRAY_LENGTH - 1);
    await increment(ctx, F.ARR_INTENT, F.ARR_DONE, () => array.get(i), (v) => array.set(i, v));
  } finally {
    lock.release();
  }
  ctx.done(WI.SharedArray);
}

module.exports = { acquire, increment, lockOp, rlockOp, semaphoreOp: semOp(false), boundedSemaphoreOp: semOp(true), arrayOp };
