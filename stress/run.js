#!/usr/bin/env node
// npm run stress [-- options]: the kill-anywhere stress run (see stress/README.md).
// npm run soak: the same actors, no kills, a fixed number of operations, RSS checked.
'use strict';

const { parseArgs } = require('./args');
const { supervise } = require('./supervisor');

let o;
try {
  o = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
supervise(o).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`stress run failed: ${e && e.stack}\nseed ${o.seed}`);
    process.exit(1);
  },
);
