// A Lock around appends to one file from two processes, once with
// withLockSync (Python's `with lock:`) and once with acquire/release in try/finally.
// The Python original prints nothing; this port prints the file at the end:
//   Lock acquired via with / Lock acquired directly (either order)
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Lock, Process } = require('procsync');

function workerWith(lock, f) {
  lock.withLockSync(() => {
    fs.appendFileSync(f, 'Lock acquired via with\n');
  });
}

function workerNoWith(lock, f) {
  lock.acquireSync();
  try {
    fs.appendFileSync(f, 'Lock acquired directly\n');
  } finally {
    lock.release();
  }
}

async function main() {
  const file = process.argv[2] ?? path.join(os.tmpdir(), `procsync-lock-file-${process.pid}.txt`);
  fs.writeFileSync(file, '');
  const lock = new Lock();
  const w = new Process({ target: __filename, exportName: 'workerWith', args: [lock, file] });
  const nw = new Process({ target: __filename, exportName: 'workerNoWith', args: [lock, file] });
  w.start();
  nw.start();
  await w.join();
  await nw.join();
  process.stdout.write(fs.readFileSync(file, 'utf8'));
  if (process.argv[2] === undefined) fs.unlinkSync(file);
}

module.exports = { workerWith, workerNoWith };
if (require.main === module) main();
