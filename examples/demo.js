// `npm run demo`: runs the quick examples one after the other, each in its own process.
// Examples that are not there (other features' ports) are skipped.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const DEMOS = [
  ['ping-pong.js', 'Ping-pong: two processes, two Semaphores, a shared exit flag'],
  ['event.js', 'Event: one waiter without timeout, one whose timeout expires'],
  ['rlock.js', 'RLock held by the parent while two children wait'],
  ['semaphore.js', 'Semaphore(2): at most two of five processes inside'],
  ['lock-file.js', 'Lock around appends to one file'],
  ['barrier.js', 'Barrier of 5 with an action'],
  ['primes.js', 'Primes: a finder and a printer on a Condition'],
  ['queue-drain.js', 'Two processes drain one Queue'],
  ['stack.js', 'A concurrent stack on a Condition'],
];

let failed = 0;
for (const [file, title] of DEMOS) {
  const full = path.join(__dirname, file);
  if (!fs.existsSync(full)) continue;
  console.log(`\n=== ${title} (examples/${file}) ===`);
  const r = spawnSync(process.execPath, [full], { stdio: 'inherit', timeout: 60_000 });
  if (r.status !== 0) {
    failed++;
    console.log(`examples/${file} failed (${r.error ? r.error.message : r.signal ?? `exit code ${r.status}`})`);
  }
}
process.exitCode = failed ? 1 : 0;
