// Two processes drain one queue. Checking `q.empty()` and then calling
// `q.getSync()` is a race: both children may see one last item and one of them then blocks
// forever. The fix, as in the Python seed: make the check and the get one step under a Lock.
// (Without a Lock, `q.getNowait()` and catching `Empty` is atomic on its own.)
//
//   node examples/queue-drain.js
'use strict';
const { fork } = require('child_process');
const { Lock, Queue, serialize, deserialize } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function childProcess(name, q, lock) {
  let count = 0;
  let keepGoing = true;
  while (keepGoing) {
    lock.acquireSync();
    if (!q.empty()) {
      console.log(q.getSync());
      count += 1;
    } else {
      keepGoing = false;
    }
    lock.release();
    await sleep(1);
  }
  console.log(`child process ${name} processed ${count} items from the queue`);
  q.close();
  lock.close();
}

function start(name, q, lock) {
  // The primitives travel as markers ({ $procsync, name }) and are reopened in the child.
  const child = fork(__filename, ['child', name, JSON.stringify(serialize([q, lock]))]);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
}

async function main() {
  const lock = new Lock();
  const q = new Queue();
  for (let i = 0; i < 100; i++) q.putSync(Math.floor(Math.random() * 10));
  await Promise.all([start('Process-1', q, lock), start('Process-2', q, lock)]); // counts add up to 100
  q.close();
  lock.close();
}

if (process.argv[2] === 'child') {
  const [q, lock] = deserialize(JSON.parse(process.argv[4]));
  childProcess(process.argv[3], q, lock).then(() => process.exit(0));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
