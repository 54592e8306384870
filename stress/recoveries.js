// Counts the PROCSYNC_OWNER_DIED warnings of this thread (a lock taken over from a dead holder)
// in the run's shared counter. Processes run with --no-warnings so they are not printed too.
'use strict';

const { C } = require('./layout');

/**
 * Starts counting; returns `stop()`, to await before the run's segments are closed. A warning is
 * emitted on a later tick than the acquire that raised it, so the last operation's warning can
 * arrive after the actor has finished: `stop()` lets pending ticks run first (it counts), then
 * stops listening (after close() the control view is detached and Atomics.add on it throws).
 */
function countRecoveries(shared) {
  const onWarning = (w) => {
    if (w.code === 'PROCSYNC_OWNER_DIED') Atomics.add(shared.ctrl.view, C.RECOVERIES, 1);
  };
  process.on('warning', onWarning);
  return async function stop() {
    await new Promise(setImmediate);
    process.off('warning', onWarning);
  };
}

module.exports = { countRecoveries };
