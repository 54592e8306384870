// RLock: the parent holds it while two children each take it five times.
// Nothing is printed until the parent releases; then each child prints its five lines as a
// block:  I am child process Process-1 (x5) / I am child process Process-2 (x5)  (either first)
// (Python holds the lock 3 s; this port 500 ms.)
'use strict';
const { Process, RLock, currentProcess } = require('procsync');

const nap = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms) => Atomics.wait(nap, 0, 0, ms);

function childTask(rlock) {
  for (let i = 0; i < 5; i++) {
    rlock.acquireSync();
    console.log(`I am child process ${currentProcess().name}`);
    sleepSync(10);
  }
  for (let i = 0; i < 5; i++) rlock.release();
}

async function main() {
  const rlock = new RLock();
  rlock.acquireSync();
  const p1 = new Process({ target: __filename, exportName: 'childTask', args: [rlock] });
  p1.start();
  const p2 = new Process({ target: __filename, exportName: 'childTask', args: [rlock] });
  p2.start();
  await new Promise((r) => setTimeout(r, 500)); // nothing is printed until the release
  rlock.release();
  await p1.join();
  await p2.join();
}

module.exports = { childTask };
if (require.main === module) main();
