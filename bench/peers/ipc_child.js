'use strict';
// Node's own child_process IPC as a peer: a round trip is process.send() to an echo
// child and back; throughput is a burst of small objects (or small ints) from the echo child.
// This bench child forks the echo child itself, so the pair is (this child, echo child).
const { fork } = require('child_process');
const path = require('path');
const { serve } = require('../worker');
const { now, pin } = require('../util');

const ITEM = { i: 1, s: 'hello' };

async function ipc(m) {
  const echo = fork(path.join(__dirname, 'ipc_echo.js'), [], { stdio: 'ignore' });
  let resolve;
  echo.on('message', (x) => resolve(x));
  const next = () => new Promise((r) => (resolve = r));
  const up = next();
  echo.send(ITEM);
  await up; // started (all its threads exist) before it is pinned
  if (m.cpus) pin(echo.pid, m.cpus[1]);
  return {
    rep: async (n) => {
      const start = now();
      if (m.case === 'queue_throughput' || m.case === 'queue_throughput_int') {
        let got = 0;
        await new Promise((done) => {
          resolve = () => ++got === n && done();
          echo.send({ burst: n, int: m.case === 'queue_throughput_int' });
        });
      } else {
        for (let i = 0; i < n; i++) {
          const p = next();
          echo.send(ITEM);
          await p;
        }
      }
      return { start, end: now() };
    },
    close: () => {
      echo.kill('SIGKILL');
    },
  };
}

serve({ sem_pingpong_async: ipc, queue_roundtrip: ipc, queue_throughput: ipc, queue_throughput_int: ipc });
