// One actor: a loop of random operations on random primitives, sync or async per operation,
// until the supervisor says stop (or, in soak mode, until it has done its quota). Between
// operations it parks while the supervisor holds a checkpoint, so that the checkpoint sees every
// live actor outside any operation and can check the invariants exactly.
'use strict';

const { C, F } = require('./layout');
const locks = require('./ops-locks');
const signals = require('./ops-signals');
const queues = require('./ops-queues');

// [operation, weight]: one of every kind.
const OPS = [
  [locks.lockOp, 3], [locks.rlockOp, 2], [locks.semaphoreOp, 2], [locks.boundedSemaphoreOp, 2],
  [signals.eventOp, 2], [signals.conditionOp, 3], [signals.barrierOp, 1],
  [queues.queueOp, 3], [queues.joinableQueueOp, 3], [locks.arrayOp, 2],
];

function pick(rand, ops, total) {
  let x = rand.next() * total;
  for (const [op, w] of ops) if ((x -= w) < 0) return op;
  return ops[0][0];
}

const tick = () => new Promise((r) => setTimeout(r, 5));

/**
 * ctx: from context.js. opts.quota: stop after this many operations (soak), opts.onOp: called
 * after each operation (soak's RSS sampling), opts.syncShare: probability of the sync form,
 * opts.asyncOnly: names of operations never run in sync form here (see --no-worker-sync-waits),
 * opts.only: names of the operations to run (--only; default all).
 */
async function runActor(ctx, opts = {}) {
  const { ctrl, rec, rand } = ctx;
  const quota = opts.quota ?? Infinity;
  const syncShare = opts.syncShare ?? 0.5;
  const ops = opts.only ? OPS.filter(([op]) => opts.only.includes(op.name)) : OPS;
  if (ops.length === 0) throw new Error(`--only ${opts.only}: no such operation`);
  const total = ops.reduce((s, [, w]) => s + w, 0);
  for (let n = 0; n < quota && Atomics.load(ctrl, C.STOP) === 0; ) {
    if (Atomics.load(ctrl, C.PAUSE) !== 0) {
      rec.set(F.PARKED, 1);
      while (Atomics.load(ctrl, C.PAUSE) !== 0 && Atomics.load(ctrl, C.STOP) === 0) await tick();
      rec.set(F.PARKED, 0);
      continue;
    }
    const op = pick(rand, ops, total);
    ctx.sync = rand.chance(syncShare) && !(opts.asyncOnly && opts.asyncOnly.includes(op.name));
    rec.set(F.OP_SYNC, ctx.sync ? 1 : 0);
    rec.set(F.OP, OPS.findIndex(([o]) => o === op) + 1);
    try {
      await op(ctx);
    } catch (e) {
      rec.add(F.ERRORS, 1);
      ctx.violation(`${op.name} (${ctx.sync ? 'sync' : 'async'}) threw: ${e && e.stack}`);
    }
    rec.add(F.OPS, 1);
    Atomics.add(ctrl, C.OPS, 1);
    if (opts.onOp) opts.onOp(n);
    n++;
    // An async actor that never yields would starve its own process's timers (the worker
    // killer) when every call completes synchronously.
    if ((n & 15) === 15) await new Promise(setImmediate);
  }
}

module.exports = { runActor, OPS };
