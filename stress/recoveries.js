// Counts the PROCSYNC_OWNER_DIED warnings of this thread (a lock taken over from a dead holder)
// in the run's shared counter. Processes run with --no-warnings so they are not printed too.
'use strict';

const { C } = require('./layout');

function countRecoveries(shared) {
  process.on('warning', (w) => {
    if (w.code === 'PROCSYNC_OWNER_DIED') Atomics.add(shared.ctrl.view, C.RECOVERIES, 1);
  });
}

module.exports = { countRecoveries };
