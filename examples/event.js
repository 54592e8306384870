// Event: one process waits without a timeout, one with a timeout that
// expires before the main process sets the event.
//   wait_for_event: starting / wait_for_event_timeout: starting (either order)
//   wait_for_event_timeout: e.is_set()->False
//   main: event is set
//   wait_for_event: e.is_set()->True
// (The last two, like the first two, race as in Python: the woken process may print first.)
'use strict';
const { Event, Process } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const py = (b) => (b ? 'True' : 'False'); // print booleans as the Python original does

function waitForEvent(e) {
  console.log('wait_for_event: starting');
  e.waitSync();
  console.log('wait_for_event: e.is_set()->' + py(e.isSet()));
}

async function waitForEventTimeout(e, t) {
  console.log('wait_for_event_timeout: starting');
  await e.wait({ timeout: t });
  console.log('wait_for_event_timeout: e.is_set()->' + py(e.isSet()));
}

async function main() {
  const e = new Event();
  const w1 = new Process({ name: 'block', target: __filename, exportName: 'waitForEvent', args: [e] });
  const w2 = new Process({ name: 'non-block', target: __filename, exportName: 'waitForEventTimeout', args: [e, 200] });
  w1.start();
  w2.start();
  await sleep(300); // Python: timeout 2 s, sleep 3 s
  // Python relies on the sleep being longer than the timeout; on a loaded machine a child may
  // start late, so also wait for the timed waiter to finish: it then surely gave up unset.
  await w2.join();
  e.set();
  console.log('main: event is set');
}

module.exports = { waitForEvent, waitForEventTimeout };
if (require.main === module) main();
