// Entry of an actor process (forked by the supervisor, which may SIGKILL it at any moment).
// Its main thread is one actor. When threads are enabled, half of the processes (by their seed)
// also run one worker-thread actor, which they terminate() at random moments and replace, timing
// each terminate(). The main thread of such a process uses only the async forms: a sync call
// there would block the event loop that times terminate() and sees the worker's exit (a 4 s
// sync wait would hide a 4 s terminate, or make a prompt one look late). The other half run sync
// and async forms on their main thread; worker threads always run both.
'use strict';

const { Worker } = require('worker_threads');
const path = require('path');
const { open, closeAll, slotView, C, F, MAX_SLOTS } = require('./layout');
const { makeContext } = require('./context');
const { runActor, OPS } = require('./actor');
const { rng, derive } = require('./rng');
const { countRecoveries } = require('./recoveries');

const cfg = JSON.parse(process.argv[2]);
const shared = open(cfg.run, () => Atomics.add(shared.ctrl.view, C.BARRIER_ACTIONS, 1));
const stopCounting = countRecoveries(shared);
const rand = rng(cfg.seed);
const ctrl = shared.ctrl.view;

/** A fresh slot for a new actor of this process (never reused: see layout.js). */
function takeSlot(thread) {
  const slot = Atomics.add(ctrl, C.NEXT_SLOT, 1);
  if (slot >= MAX_SLOTS) throw new Error('out of slots: raise MAX_SLOTS');
  const rec = slotView(shared.recs, slot);
  rec.set(F.PID, process.pid);
  rec.set(F.THREAD, thread ? 1 : 0);
  rec.set(F.STATUS, 1);
  return slot;
}

const mainSlot = takeSlot(false);
const ctx = makeContext({ shared, slot: mainSlot, rand, t0: cfg.t0, thread: false });
const TERMINATE_BOUND_MS = 2000;
// Names of the operations a worker does only in async form when --no-worker-sync-waits.
const WORKER_ASYNC_ONLY = cfg.workerSyncWaits ? [] : ['conditionOp', 'barrierOp', 'queueOp', 'joinableQueueOp'];

let worker = null;
let workerN = 0;

function startWorker() {
  const slot = takeSlot(true);
  const seed = derive(cfg.seed, ++workerN);
  const w = new Worker(path.join(__dirname, 'actor-thread.js'), {
    workerData: { run: cfg.run, t0: cfg.t0, slot, seed, asyncOnly: WORKER_ASYNC_ONLY, only: cfg.only },
  });
  const me = { w, slot, terminating: false, exited: null };
  me.exited = new Promise((resolve) => w.once('exit', resolve));
  w.on('error', (e) => ctx.violation(`worker thread (slot ${slot}) died of an error: ${e && e.stack}`));
  w.once('exit', (code) => {
    const rec = slotView(shared.recs, slot);
    if (me.terminating) {
      if (rec.get(F.STATUS) === 1) {
        rec.set(F.KILLED_BY, 2);
        rec.set(F.STATUS, 2);
      }
    } else if (code !== 0 || rec.get(F.STATUS) !== 3) {
      ctx.violation(`worker thread (slot ${slot}) exited by itself with code ${code}`);
    }
  });
  worker = me;
  if (cfg.terminate) setTimeout(() => terminateWorker(me), rand.int(300, 4000)).unref();
}

/** worker.terminate() at a random moment; it must return within TERMINATE_BOUND_MS. */
async function terminateWorker(me) {
  if (Atomics.load(ctrl, C.STOP) !== 0 || worker !== me) return;
  const rec = slotView(shared.recs, me.slot);
  const doing = describe(rec);
  me.terminating = true;
  Atomics.add(ctrl, C.TERMINATES, 1);
  const start = Date.now();
  const late = setTimeout(() => {
    ctx.violation(`worker.terminate() still pending after ${TERMINATE_BOUND_MS} ms; the worker was in ${doing}`);
  }, TERMINATE_BOUND_MS);
  await me.w.terminate();
  clearTimeout(late);
  const ms = Date.now() - start;
  if (ms > Atomics.load(ctrl, C.TERMINATE_MAX_MS)) Atomics.store(ctrl, C.TERMINATE_MAX_MS, ms);
  await me.exited;
  if (Atomics.load(ctrl, C.STOP) === 0) startWorker();
  else worker = null;
}

function describe(rec) {
  const op = OPS[rec.get(F.OP) - 1];
  return `${op ? op[0].name : 'no operation'} (${rec.get(F.OP_SYNC) ? 'sync' : 'async'}${rec.get(F.WAIT_ON) ? ', blocked' : ''})`;
}

/**
 * Soak: short waits and holds only (the point is volume), and an RSS sample to the supervisor
 * every 1% of the quota, each after a full GC (the process runs with --expose-gc) so that the
 * samples measure what is retained rather than where the collector happens to be.
 */
function rssSample() {
  global.gc();
  return process.memoryUsage.rss();
}
/** RSS split (kB) as /proc says: anonymous (heap, malloc), file (code), shared memory. */
function rssSplit() {
  const s = require('fs').readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s) || [])[1]);
  return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem'), heap: process.memoryUsage().heapTotal >> 10 };
}
function soakOptions() {
  ctx.timeout = () => (rand.chance(0.97) ? 0 : rand.int(1, 3));
  ctx.hold = async () => {
    if (rand.chance(0.05) && !ctx.sync) await new Promise(setImmediate);
  };
  ctx.barrierFloor = 1;
  const step = Math.max(1, Math.floor(cfg.quota / 100));
  const onOp = (n) => {
    if (n % step === 0) process.send({ rss: rssSample(), n, split: rssSplit() });
  };
  return { quota: cfg.quota, onOp };
}

async function main() {
  const withWorker = cfg.threads && rand.chance(0.5);
  if (withWorker) startWorker();
  await runActor(ctx, { ...(cfg.soak ? soakOptions() : {}), only: cfg.only, syncShare: withWorker ? 0 : 0.5 });
  // Stop: the worker sees STOP too and ends after its current operation (bounded waits).
  if (worker) {
    const w = worker;
    const t = setTimeout(() => ctx.violation(`worker thread (slot ${w.slot}) did not stop within 15 s; it was in ${describe(slotView(shared.recs, w.slot))}`), 15000);
    await w.exited;
    clearTimeout(t);
  }
  if (cfg.soak) await new Promise((r) => process.send({ rss: rssSample(), n: cfg.quota, final: true, split: rssSplit() }, r));
  ctx.rec.set(F.STATUS, 3);
  await stopCounting();
  closeAll(shared);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`actor process ${process.pid} failed: ${e && e.stack}`);
    process.exit(1);
  },
);
