// Entry of a worker thread actor (started by actor-process.js, which may terminate() it at any
// moment). Its slot was taken by the process before the thread started.
'use strict';

const { workerData } = require('worker_threads');
const { open, closeAll, C, F } = require('./layout');
const { makeContext } = require('./context');
const { runActor } = require('./actor');
const { rng } = require('./rng');
const { countRecoveries } = require('./recoveries');

const { run, t0, slot, seed, asyncOnly, only } = workerData;
const shared = open(run, () => Atomics.add(shared.ctrl.view, C.BARRIER_ACTIONS, 1));
const stopCounting = countRecoveries(shared);
const ctx = makeContext({ shared, slot, rand: rng(seed), t0, thread: true });
runActor(ctx, { asyncOnly, only }).then(async () => {
  ctx.rec.set(F.STATUS, 3);
  await stopCounting();
  closeAll(shared);
});
