// Five processes meet at a Barrier; the last one to arrive runs the action,
// which prints exactly once, before any of them is released.
//
//   node examples/barrier.js [msPerSecond = 1000]   (Python sleeps randint(0, 5) seconds)
'use strict';
const { fork } = require('child_process');
const { Barrier } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function processTask(barrierName, name, msPerSecond) {
  // The action is a JS function: each process gives its own when it opens the barrier.
  const barrier = Barrier.open(barrierName, {
    action: () => console.log(`All processes released, reported by ${name}`),
  });
  await sleep(Math.floor(Math.random() * 6) * msPerSecond);
  console.log(`Currently ${barrier.nWaiting} processes blocked on barrier`);
  await barrier.wait();
  barrier.close();
}

async function main() {
  const msPerSecond = Number(process.argv[2] ?? 1000);
  const barrier = new Barrier(5);
  const ps = Array.from({ length: 5 }, (_, i) =>
    fork(__filename, ['--child', barrier.name, `Process-${i + 1}`, String(msPerSecond)]),
  );
  await Promise.all(ps.map((p) => new Promise((r) => p.on('exit', r))));
  barrier.close();
}

if (process.argv[2] === '--child') {
  const [, , , barrierName, name, msPerSecond] = process.argv;
  processTask(barrierName, name, Number(msPerSecond));
} else {
  main();
}
