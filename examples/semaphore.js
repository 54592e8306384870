// Semaphore(2): at most two of five processes are inside at once.
//   Process-1 acquire / Process-2 acquire / Process-1 release / Process-3 acquire / ...
// (Python sleeps i*2 s in process i; this port sleeps i*200 ms.)
'use strict';
const { Semaphore, Process, currentProcess } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function worker(s, ms) {
  s.acquireSync();
  console.log(currentProcess().name + ' acquire');
  await sleep(ms);
  console.log(currentProcess().name + ' release');
  s.release();
}

function main() {
  const s = new Semaphore(2);
  for (let i = 0; i < 5; i++) {
    new Process({ target: __filename, exportName: 'worker', args: [s, i * 200] }).start();
  }
  // Like Python, the parent does not join: it stays alive until its children have exited.
}

module.exports = { worker };
if (require.main === module) main();
