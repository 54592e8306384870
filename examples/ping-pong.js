// Ping-pong: two processes take turns, coordinated by two Semaphores; a
// shared boolean Value tells both to stop. Output: ping / pong strictly alternating.
//
// Ending cleanly: in the Python original one process can stay blocked in acquire() forever
// once the flag is set (its partner saw the flag and left without releasing). Here every
// acquire has a timeout and is retried only while the flag is unset, so both processes
// notice the flag within 100 ms and return, and the parent's join() calls come back.
'use strict';
const { Semaphore, Process, Value } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Acquires `sem` unless `exit` gets set meanwhile; true when acquired. */
async function acquireUnlessExit(sem, exit) {
  while (!exit.value) {
    if (await sem.acquire({ timeout: 100 })) return true;
  }
  return false;
}

async function processA(sem1, sem2, exit) {
  while (!exit.value) {
    console.log('ping');
    sem1.release();
    if (!(await acquireUnlessExit(sem2, exit))) break;
    await sleep(50);
  }
}

async function processB(sem1, sem2, exit, rounds) {
  while (!exit.value) {
    if (!(await acquireUnlessExit(sem1, exit))) break;
    console.log('pong');
    rounds.value += 1;
    sem2.release();
    await sleep(50);
  }
}

async function main() {
  const sem1 = new Semaphore(0);
  const sem2 = new Semaphore(0);
  const exitProg = new Value('bool', false);
  // Not in the Python original: the play time below starts once the first round was played,
  // so that slow process start-up on a loaded machine cannot eat all of it.
  const rounds = new Value('i', 0, { lock: false });
  const a = new Process({ target: __filename, exportName: 'processA', args: [sem1, sem2, exitProg] });
  a.start();
  const b = new Process({ target: __filename, exportName: 'processB', args: [sem1, sem2, exitProg, rounds] });
  b.start();
  for (let waited = 0; rounds.value < 1 && waited < 30_000; waited += 10) await sleep(10);
  await sleep(Number(process.env.PING_PONG_MS ?? 1000)); // Python: 3 s
  exitProg.value = true;
  await a.join();
  await b.join();
}

module.exports = { processA, processB };
if (require.main === module) main();
