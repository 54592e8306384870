'use strict';
// The far end of the Node IPC peer (ipc_child.js): echoes every message back, or
// on {burst: n, int} sends n small objects (small ints) one way.
const ITEM = { i: 1, s: 'hello' };
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m && m.burst) for (let i = 0; i < m.burst; i++) process.send(m.int ? 7 : ITEM);
  else process.send(m);
});
