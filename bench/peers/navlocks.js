'use strict';
// The peer of locks_request_rt: Node's own navigator.locks (in-process Web Locks), the same loop
// as bench/child.js's procsync.locks case: await request(name, () => {}) — request, callback,
// release. Run by a Node >= 22 binary (bench/node24.js).
// argv: iters reps. Prints { samples } (ns per round trip), one warm-up rep first.
const [iters, reps] = process.argv.slice(2).map(Number);

async function main() {
  const locks = globalThis.navigator.locks;
  const cb = () => {};
  const samples = [];
  for (let rep = -1; rep < reps; rep++) {
    const n = rep < 0 ? Math.ceil(iters / 10) : iters;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await locks.request('bench', cb);
    const t = Number(process.hrtime.bigint() - start);
    if (rep >= 0) samples.push(t / n);
  }
  process.stdout.write(`${JSON.stringify({ samples })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
