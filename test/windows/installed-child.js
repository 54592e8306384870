// Child scenarios of installed.test.js: argv = [scenario, serialized args]; talks by IPC.
'use strict';
const procsync = require('procsync');

const [scenario, json] = process.argv.slice(2);
const args = procsync.deserialize(JSON.parse(json));
const send = (m) => new Promise((r) => process.send(m, r));
const next = () => new Promise((r) => process.once('message', r));

const scenarios = {
  async acquireRelease(lock) {
    await send('waiting');
    if (!lock.acquireSync({ timeout: 30_000 })) throw new Error('acquireSync timed out');
    const told = next();
    await send('held');
    // Released by this process when the parent has seen it held.
    await told;
    lock.release();
    lock.close();
  },
  async holdForever(lock) {
    lock.acquireSync();
    await send('held');
    setInterval(() => {}, 1000);
  },
};

scenarios[scenario](...args).then(
  () => process.disconnect?.(),
  (e) => {
    console.error(e && e.stack);
    process.exit(1);
  },
);
