// A prime finder and a prime printer, two processes coordinated by a Condition
// and shared Values. Prints 1 2 3 5 7 11 ... one per line, each once, in order.
//
//   node examples/primes.js [runMs = 3000]
'use strict';
const { fork } = require('child_process');
const { Condition, Value, serialize, deserialize } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function printerProcess(exitProg, foundPrime, prime, condVar) {
  while (!exitProg.value) {
    await condVar.acquire();
    while (!foundPrime.value && !exitProg.value) await condVar.wait();
    condVar.release();
    if (!exitProg.value) {
      console.log(prime.value);
      prime.value = 0;
      await condVar.withLock(() => {
        foundPrime.value = false;
        condVar.notify();
      });
    }
  }
}

function isPrime(num) {
  if (num === 2 || num === 3) return true;
  for (let div = 2; div <= num / 2; div++) if (num % div === 0) return false;
  return true;
}

async function finderProcess(exitProg, foundPrime, prime, condVar) {
  let i = 1;
  while (!exitProg.value) {
    while (!isPrime(i)) {
      i += 1;
      await sleep(10);
    }
    prime.value = i;
    await condVar.withLock(() => {
      foundPrime.value = true;
      condVar.notify();
    });
    await condVar.acquire();
    while (foundPrime.value && !exitProg.value) await condVar.wait();
    condVar.release();
    i += 1;
  }
}

const roles = { printer: printerProcess, finder: finderProcess };

async function main() {
  const runMs = Number(process.argv[2] ?? 3000);
  const condVar = new Condition();
  const prime = new Value('i', 0);
  const foundPrime = new Value('bool', false);
  const exitProg = new Value('bool', false);
  // child_process.fork does not share memory: the children reopen the primitives by name.
  const args = JSON.stringify(serialize([exitProg, foundPrime, prime, condVar]));
  const children = ['printer', 'finder'].map((role) => fork(__filename, ['--child', role, args]));
  const exited = children.map((c) => new Promise((r) => c.on('exit', r)));
  // The run time counts from when both have started (Node takes a while to start on a busy
  // machine; Python's children start faster).
  await Promise.all(children.map((c) => new Promise((r) => c.once('message', r))));
  await sleep(runMs);
  exitProg.value = true;
  await condVar.withLock(() => condVar.notifyAll());
  await Promise.all(exited);
  for (const p of [condVar, prime, foundPrime, exitProg]) p.close();
}

if (process.argv[2] === '--child') {
  const [, , , role, args] = process.argv;
  const prims = deserialize(JSON.parse(args));
  process.send('started');
  roles[role](...prims).then(() => {
    for (const p of prims) p.close();
  });
} else {
  main();
}
