// Reproduction (found by `npm run soak -- --only rlockOp`): RLock mutual exclusion fails with
// async acquires that time out. 3 processes increment a shared counter under one RLock, half the
// acquires async with a 1-3 ms timeout, half sync with block:false, yielding inside the critical
// section 1 time in 7. Expected: counter === sum of the increments, no release error.
// Seen: a few increments lost and ~20 ERR_NOT_OWNER per run (the same with Lock: none).
// Likely cause (lib/primitives/waitqueue.ts): the JS timer gives up the head waiter while its native wait
// has already taken the word for this thread; before the late completion undoes that take, the
// same thread's next acquire sees itself as the owner and "re-enters"; the undo then frees the
// lock under it.
// Run: node stress/repro/rlock-async-timeout.js
const { fork } = require('child_process');
const procsync = require('../..');
const N = 100000;
if (process.argv[2] === 'child') {
  const l = procsync.RLock.open(process.argv[3]);
  const c = procsync.RawValue.open(process.argv[4]);
  (async () => {
    let mine = 0, errors = 0;
    for (let i = 0; i < N; i++) {
      const ok = i % 2 ? await l.acquire({ timeout: 1 + (i % 3) }) : l.acquireSync({ block: false });
      if (!ok) continue;
      const v = c.value;
      if (i % 7 === 0) await new Promise(setImmediate);
      c.value = v + 1;
      mine++;
      try { l.release(); } catch (e) { errors++; }
    }
    process.send({ mine, errors });
    l.close(); c.close();
  })();
} else {
  const l = new procsync.RLock();
  const c = new procsync.RawValue('i', 0);
  let total = 0, errors = 0, left = 3;
  for (let k = 0; k < 3; k++) {
    fork(__filename, ['child', l.name, c.name]).on('message', (m) => {
      total += m.mine; errors += m.errors;
      if (--left === 0) {
        console.log(`counter ${c.value}, increments ${total}, lost ${total - c.value}, release errors ${errors}`);
        l.close(); c.close();
      }
    });
  }
}
