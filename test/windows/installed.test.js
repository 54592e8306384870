// The package as installed on Windows (scripts/test-win.sh copies this file into a scratch project
// whose node_modules/procsync is the unpacked `npm pack` tarball, and runs `node.exe --test` there
// under Wine): the prebuilt binary loads through node-gyp-build, and the primitives work across
// processes and threads. The vitest suite's chosen tests (test/windows/vitest-tests.txt) go
// through the rest; this file checks what only the installed package shows.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { fork } = require('child_process');
const { Worker } = require('worker_threads');
const procsync = require('procsync');

const CHILD = path.join(__dirname, 'installed-child.js');

// A child that runs one scenario of installed-child.js; every wait is bounded.
function child(scenario, args, timeoutMs = 60_000) {
  const proc = fork(CHILD, [scenario, JSON.stringify(procsync.serialize(args))], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.stdout.resume();
  const messages = [];
  const waiters = [];
  proc.on('message', (m) => (waiters.length ? waiters.shift()(m) : messages.push(m)));
  const done = new Promise((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => (clearTimeout(t), resolve({ code, signal, stderr })));
  });
  const message = () =>
    messages.length
      ? Promise.resolve(messages.shift())
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no message from the child\n${stderr}`)), timeoutMs);
          waiters.push((m) => (clearTimeout(t), resolve(m)));
          done.then((r) => (clearTimeout(t), reject(new Error(`child exited (${r.code ?? r.signal})\n${r.stderr}`))));
        });
  return { proc, done, message, send: (m) => proc.send(m, () => {}) };
}

test('the win32-x64 prebuild of the installed package is what loads', () => {
  assert.strictEqual(process.platform, 'win32');
  assert.strictEqual(procsync.backend, 'windows');
  const dir = path.dirname(require.resolve('procsync/package.json'));
  const file = require('node-gyp-build').resolve(dir);
  assert.strictEqual(path.relative(dir, file), path.join('prebuilds', 'win32-x64', 'procsync.node'));
});

test('a Lock across processes: sync in the child, async here; released by the other process', async () => {
  const lock = new procsync.Lock();
  lock.acquireSync();
  const c = child('acquireRelease', [lock]);
  assert.strictEqual(await c.message(), 'waiting');
  lock.release();
  assert.strictEqual(await c.message(), 'held');
  assert.strictEqual(lock.locked(), true);
  assert.strictEqual(await lock.acquire({ timeout: 0 }), false);
  c.send('release');
  const r = await c.done;
  assert.strictEqual(r.code, 0, r.stderr);
  assert.strictEqual(await lock.acquire({ timeout: 30_000 }), true);
  lock.release();
  lock.close();
});

test('a child killed while holding a Lock: the waiter here takes it over with PROCSYNC_OWNER_DIED', async () => {
  const lock = new procsync.Lock();
  const warned = new Promise((resolve) => process.on('warning', (w) => w.code === 'PROCSYNC_OWNER_DIED' && resolve(w)));
  const c = child('holdForever', [lock]);
  assert.strictEqual(await c.message(), 'held');
  const taken = lock.acquire({ timeout: 30_000 });
  c.proc.kill('SIGKILL');
  await c.done;
  assert.strictEqual(await taken, true);
  await warned;
  lock.release();
  lock.close();
});

test('a Queue and a Value between this process and a worker thread', async () => {
  const q = new procsync.Queue();
  const v = new procsync.Value('i', 0);
  const w = new Worker(
    `const { parentPort, workerData } = require('worker_threads');
     const procsync = require('procsync');
     const [q, v] = procsync.deserialize(workerData);
     for (let i = 0; i < 100; i++) { v.getLock().withLockSync(() => { v.value += 1; }); q.putSync(i); }
     q.close(); v.close();`,
    { eval: true, workerData: procsync.serialize([q, v]) },
  );
  const got = [];
  for (let i = 0; i < 100; i++) got.push(await q.get({ timeout: 30_000 }));
  await new Promise((resolve, reject) => (w.on('exit', resolve), w.on('error', reject)));
  assert.deepStrictEqual(got, [...Array(100).keys()]);
  assert.strictEqual(v.value, 100);
  q.close();
  v.close();
});

test('nothing is left behind', async () => {
  // A killed child's handles close when Windows has finished with the process: give it 5 s.
  for (let i = 0; i < 50 && procsync.listSegments().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepStrictEqual(procsync.listSegments().map((s) => s.name), []);
});
