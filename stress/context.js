// What every operation of an actor needs: its slot record, its random stream, the clock of the
// run, and `waitOn`, which records a blocking call in the slot so that the supervisor can see
// who waits for what (stall and overrun detection) while the call is pending.
'use strict';

const { C, F, slotView } = require('./layout');

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function makeContext({ shared, slot, rand, t0, thread }) {
  const rec = slotView(shared.recs, slot);
  const ctrl = shared.ctrl.view;
  const now = () => Date.now() - t0;
  const ctx = {
    shared, rec, rand, ctrl, now, slot, thread,
    /** This operation's form: true for the *Sync calls (chosen per operation). */
    sync: false,
    /** A timeout for one wait: mostly short, some zero, some long enough to exceed the 2 s
     *  stall bound if a wake-up is lost (every wait is bounded: never `null`). */
    timeout() {
      const r = rand.next();
      if (r < 0.15) return 0;
      if (r < 0.8) return rand.int(10, 400);
      return rand.int(2500, 4000);
    },
    /** Sleeps inside a critical section or while holding a count, widening the window in
     *  which a kill lands there. Sync form blocks the thread (as sync callers do). */
    async hold() {
      const r = rand.next();
      if (r < 0.3) return;
      const ms = r < 0.7 ? 0 : rand.int(1, 20);
      if (ctx.sync) Atomics.wait(sleepCell, 0, 0, ms);
      else await new Promise((res) => (ms === 0 ? setImmediate(res) : setTimeout(res, ms)));
    },
    /**
     * Runs one blocking call on wait kind `w` (layout.W index). `arg` tells the supervisor what
     * the waiter waits for. `ok(result)` says whether the call completed (acquired, got, was
     * notified...) rather than timed out; completions update the primitive's last-done time.
     */
    async waitOn(w, arg, timeout, call, ok = (r) => r === true) {
      rec.set(F.WAIT_ARG, arg);
      rec.set(F.WAIT_TIMEOUT, timeout);
      const start = now();
      rec.set(F.WAIT_START, start);
      rec.set(F.WAIT_ON, w + 1);
      try {
        const r = await call();
        if (ok(r)) {
          const d = now() - start;
          if (d > rec.get(F.MAX_WAIT)) rec.set(F.MAX_WAIT, d);
          ctx.done(w);
        } else {
          Atomics.add(ctrl, C.TIMEOUTS, 1);
        }
        return r;
      } finally {
        rec.set(F.WAIT_ON, 0);
      }
    },
    /** A completed operation on wait kind `w`. */
    done(w) {
      Atomics.store(ctrl, C.LAST_DONE + w, now());
    },
    violation(msg) {
      Atomics.add(ctrl, C.VIOLATIONS, 1);
      console.error(`VIOLATION [slot ${slot} pid ${process.pid}${thread ? ' worker' : ''}] ${msg}`);
    },
  };
  return ctx;
}

module.exports = { makeContext };
