'use strict';
// The redis-server of the Redis cases: Debian's (or any) redis-server on a free loopback port,
// no persistence, in the run's temporary directory; stopped at the end of the run.
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');

const START_TIMEOUT_MS = 10_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    proc.once('error', (e) => {
      clearTimeout(t);
      reject(new Error(`redis-server not available (${e.code || e.message}): apt-get install redis-server`));
    });
    proc.stdout.on('data', (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGKILL') };
}

module.exports = { startRedis };
