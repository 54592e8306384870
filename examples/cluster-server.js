// A cluster HTTP server whose workers share procsync primitives by name, one line each:
//   - a Semaphore(2) caps a costly section to two requests at a time across ALL workers
//     (a shared Value records the most ever inside, to show the cap holds);
//   - a Lock serialises the read-modify-write of a counter file.
//
//   node examples/cluster-server.js [workers = 4]
//   GET /work   costly section + counter increment; answers {"n": <counter>, "pid": <worker>}
//   GET /crash  the worker takes the counter Lock and kills itself with SIGKILL: the others
//               take the Lock over (owner death) instead of hanging; the primary forks a
//               replacement.
//   SIGTERM / SIGINT to the primary: workers finish their requests and exit, the primary
//   prints the statistics and exits.
'use strict';
const cluster = require('cluster');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { Lock, Semaphore, Value } = require('procsync');

const CAP = 2;

/** The shared objects. Every process runs these same lines: the first creates, others open. */
function openShared(prefix) {
  return {
    costly: new Semaphore(CAP, { name: `${prefix}.costly` }),
    inside: new Value('i', 0, { name: `${prefix}.inside` }),
    most: new Value('i', 0, { name: `${prefix}.most` }),
    counterLock: new Lock({ name: `${prefix}.counter-lock` }),
  };
}

function primary() {
  const workers = Number(process.argv[2] ?? 4);
  const prefix = `cluster-demo-${process.pid}`;
  const counterFile = path.join(os.tmpdir(), `${prefix}.counter`);
  fs.writeFileSync(counterFile, '0');
  // The primary holds the objects too, so they outlive any worker and it can read the stats.
  const shared = openShared(prefix);
  const env = { CLUSTER_DEMO_PREFIX: prefix, CLUSTER_DEMO_COUNTER: counterFile };
  let listening = 0;
  let stopping = false;

  cluster.on('listening', (worker, address) => {
    if (++listening === workers) console.log(`listening on http://127.0.0.1:${address.port} with ${workers} workers`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.log(`worker ${worker.process.pid} died (${signal ?? code}); starting a new one`);
    cluster.fork(env);
  });
  for (let i = 0; i < workers; i++) cluster.fork(env);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Bounded: a worker that does not finish within 5 s is killed.
    const timer = setTimeout(() => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    }, 5000);
    cluster.disconnect(() => {
      clearTimeout(timer);
      console.log(`max concurrency in the costly section: ${shared.most.value} (cap ${CAP})`);
      console.log(`counter: ${fs.readFileSync(counterFile, 'utf8').trim()}`);
      for (const p of Object.values(shared)) p.close();
      fs.unlinkSync(counterFile);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function worker() {
  const { costly, inside, most, counterLock } = openShared(process.env.CLUSTER_DEMO_PREFIX);
  const counterFile = process.env.CLUSTER_DEMO_COUNTER;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function costlySection() {
    await costly.acquire();
    try {
      inside.getLock().withLockSync(() => {
        inside.value += 1;
        if (inside.value > most.value) most.value = inside.value;
      });
      await sleep(20); // the expensive part
      inside.getLock().withLockSync(() => {
        inside.value -= 1;
      });
    } finally {
      costly.release();
    }
  }

  const server = http.createServer(async (req, res) => {
    try {
      if (req.url === '/work') {
        await costlySection();
        const n = await counterLock.withLock(() => {
          const next = Number(fs.readFileSync(counterFile, 'utf8')) + 1;
          fs.writeFileSync(counterFile, String(next));
          return next;
        });
        res.end(JSON.stringify({ n, pid: process.pid }));
      } else if (req.url === '/crash') {
        await counterLock.acquire();
        process.kill(process.pid, 'SIGKILL'); // dies holding the Lock
      } else {
        res.statusCode = 404;
        res.end('not found\n');
      }
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e && e.stack));
    }
  });
  server.listen(0, '127.0.0.1'); // cluster gives every worker the same port
}

if (cluster.isPrimary) primary();
else worker();
