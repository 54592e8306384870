// Operations on Queue and JoinableQueue. Every item carries a unique id (per queue, from a shared
// counter), its producer's slot and per-producer sequence number, and a checksum of its padding.
// Two shared bitmaps per queue record which ids were put and which were got:
//   put:  PUT_ID=1+id, put(item), set put bit, PUT_ID=0     (dead with PUT_ID set: "maybe put")
//   get:  GET_PHASE=1, get(), set got bit, GET_PHASE=0      (dead in phase 1: "maybe took one")
// The got bit is set with one Atomics.or, so a duplicate delivery is seen by the getter itself
// (the bit was already set), and a kill leaves every item either recorded or not.
// JoinableQueue getters go on: GET_PHASE=2 (got, task open), 3 (inside taskDone), 0.
'use strict';

const procsync = require('..');
const { C, F, WI, MAX_ITEMS } = require('./layout');

function pad(rand) {
  const n = rand.int(0, 120);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + ((i * 7 + n) % 26));
  return s;
}
const checksum = (s) => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
};

/** Sets bit `id` in a bitmap RawArray; returns whether it was already set. */
function setBit(bits, id) {
  const m = 1 << (id & 31);
  return (Atomics.or(bits.view, id >>> 5, m) & m) !== 0;
}

/** Per-queue parameters. */
function spec(shared, joinable) {
  return joinable
    ? { q: shared.jqueue, w: WI.JoinableQueue, next: C.JQ_NEXT, putBits: shared.jqPut, gotBits: shared.jqGot, putId: F.JQ_PUT_ID, getPhase: F.JQ_GET_PHASE, tag: 'jq' }
    : { q: shared.queue, w: WI.Queue, next: C.Q_NEXT, putBits: shared.qPut, gotBits: shared.qGot, putId: F.Q_PUT_ID, getPhase: F.Q_GET_PHASE, tag: 'q' };
}

/** Checks and records one item that was got from queue `sp` (by an actor or the supervisor). */
function recordGot(sp, item, lastSeq, report) {
  if (!item || item.tag !== sp.tag || !Number.isInteger(item.id) || item.sum !== checksum(item.pad)) {
    report(`${sp.q.kind}: damaged or foreign item ${JSON.stringify(item)}`);
    return;
  }
  if (setBit(sp.gotBits, item.id)) report(`${sp.q.kind}: item ${item.id} (producer slot ${item.p}, seq ${item.seq}) got twice`);
  const last = lastSeq.get(item.p) ?? -1;
  if (item.seq <= last) report(`${sp.q.kind}: producer slot ${item.p} seq ${item.seq} got after seq ${last} (FIFO per producer)`);
  lastSeq.set(item.p, item.seq);
}

function makeQueueOp(joinable) {
  const op = async (ctx) => {
    const sp = spec(ctx.shared, joinable);
    const st = (ctx.queueState ??= {})[sp.tag] ??= { seq: 0, lastSeq: new Map() };
    const { rec, rand } = ctx;
    const r = rand.next();
    const timeout = ctx.timeout();
    if (r < 0.5) {
      const id = Atomics.add(ctx.ctrl, sp.next, 1);
      if (id >= MAX_ITEMS) return;
      const p = pad(rand);
      const item = { tag: sp.tag, id, p: ctx.slot, seq: st.seq++, pad: p, sum: checksum(p) };
      rec.set(sp.putId, id + 1);
      try {
        const opts = timeout === 0 ? { block: false } : { timeout };
        const call = ctx.sync ? () => sp.q.putSync(item, opts) : () => sp.q.put(item, opts);
        await ctx.waitOn(sp.w, 1, timeout, call, () => true);
        setBit(sp.putBits, id);
      } catch (e) {
        if (!(e instanceof procsync.Full)) throw e;
        Atomics.add(ctx.ctrl, C.TIMEOUTS, 1);
      } finally {
        rec.set(sp.putId, 0);
      }
    } else if (!joinable || r < 0.9) {
      rec.set(sp.getPhase, 1);
      let item;
      try {
        const opts = timeout === 0 ? { block: false } : { timeout };
        const call = ctx.sync ? () => sp.q.getSync(opts) : () => sp.q.get(opts);
        item = await ctx.waitOn(sp.w, 0, timeout, call, () => true);
      } catch (e) {
        rec.set(sp.getPhase, 0);
        if (!(e instanceof procsync.Empty)) throw e;
        Atomics.add(ctx.ctrl, C.TIMEOUTS, 1);
        return;
      }
      recordGot(sp, item, st.lastSeq, ctx.violation);
      if (!joinable) return rec.set(sp.getPhase, 0);
      rec.set(sp.getPhase, 2);
      await ctx.hold();
      rec.set(sp.getPhase, 3);
      try {
        sp.q.taskDone();
      } catch (e) {
        ctx.violation(`JoinableQueue.taskDone() after a get threw ${e.code}`);
      }
      rec.set(sp.getPhase, 0);
    } else {
      // join: usually false (tasks are always in flight); bounded like every wait.
      const t = Math.min(timeout, 500);
      const call = ctx.sync ? () => sp.q.joinSync({ timeout: t }) : () => sp.q.join({ timeout: t });
      await ctx.waitOn(sp.w, 2, t, call);
    }
  };
  // Named: actor.js's --no-worker-sync-waits and the messages go by operation name.
  return Object.defineProperty(op, 'name', { value: joinable ? 'joinableQueueOp' : 'queueOp' });
}

module.exports = { queueOp: makeQueueOp(false), joinableQueueOp: makeQueueOp(true), spec, recordGot, setBit };
