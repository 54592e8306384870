// The figures of a run, the verdict, and the exit code (1 on any violation).
'use strict';

const { replayLine } = require('./args');

const MB = 1024 * 1024;
const RSS_GROWTH_BOUND = 10 * MB;
const WARMUP_SHARE = 0.1; // RSS is measured from the sample after 10% of the operations

/** Per soak process: RSS after warm-up, the highest after that, at the end; growth = max - warm. */
function rssFigures(o, rss, violations) {
  const rows = [];
  for (const [pid, samples] of rss) {
    const after = samples.filter((s) => s.n >= o.ops * WARMUP_SHARE);
    if (after.length === 0) {
      violations.push(`soak: no RSS samples after the warm-up from pid ${pid}`);
      continue;
    }
    const warm = after[0].rss;
    const max = Math.max(...after.map((s) => s.rss));
    const end = after[after.length - 1].rss;
    // The curve, one point per 10% of the operations (MB), to tell a leak from a plateau.
    const curve = samples.filter((s) => s.n % Math.max(1, Math.floor(o.ops / 10)) === 0 || s.final).map((s) => (s.rss / MB).toFixed(0));
    if (process.env.STRESS_RSS_SPLIT) for (const s of samples) console.log(`  pid ${pid} n ${s.n} rss ${(s.rss / MB).toFixed(1)} MB`, s.split);
    rows.push({ pid, warm, max, end, growth: max - warm, ops: samples[samples.length - 1].n, curve });
    if (max - warm > RSS_GROWTH_BOUND) violations.push(`soak: RSS of pid ${pid} grew by ${((max - warm) / MB).toFixed(1)} MB after the warm-up (bound 10 MB)`);
  }
  return rows;
}

function report(o, f, violations) {
  const t = f.totals;
  const lines = [];
  const rate = Math.round(f.ops / f.elapsed);
  lines.push(`procsync ${o.soak ? 'soak' : 'stress'}: seed ${o.seed}, ${o.procs} processes${o.threads && !o.soak ? ' (half of them with a worker thread)' : ''}, ${f.elapsed.toFixed(1)} s`);
  lines.push(`  ops ${f.ops} (${rate}/s; ${f.timeouts} waits ended by their timeout), actors ${f.slots}, processes started ${f.processes}`);
  if (!o.soak) {
    lines.push(`  kills ${f.kills} (SIGKILL), worker.terminate() ${f.terminates} (longest ${f.terminateMax} ms), recoveries ${f.recoveries} (PROCSYNC_OWNER_DIED)`);
  }
  lines.push(`  worst stall ${f.worstStall} ms (${f.worstStallOn}), longest single successful wait ${f.longestWait} ms`);
  for (const [k, c] of Object.entries(t.counters)) {
    lines.push(`  ${k} counter ${c.value}: committed ${c.committed}, holders killed inside ${c.killedInCS}`);
  }
  lines.push(`  Semaphore counts taken by killed holders and given back: ${t.semLost}; BoundedSemaphore: ${t.bsemLost}`);
  for (const [k, q] of Object.entries(t.queues)) {
    lines.push(`  ${k}: ${q.put} items put, ${q.got} got, ${q.lost} lost with ${q.killedGetters} getters killed inside get${k === 'JoinableQueue' ? `; ${t.jqCompensated} tasks of dead getters done by the supervisor` : ''}`);
  }
  lines.push(`  Barrier: ${f.barrier.cycles} cycles, ${f.barrier.broken} BrokenBarrierError, ${f.barrier.resets} resets; checkpoints ${t.checkpoints}`);
  if (o.soak) {
    if (f.ops !== o.procs * o.ops) violations.push(`soak: ${f.ops} operations done, expected ${o.procs} x ${o.ops}`);
    for (const r of rssFigures(o, f.rss, violations)) {
      lines.push(`  pid ${r.pid}: ${r.ops} ops, RSS after warm-up ${(r.warm / MB).toFixed(1)} MB, max ${(r.max / MB).toFixed(1)} MB, end ${(r.end / MB).toFixed(1)} MB (growth ${(r.growth / MB).toFixed(1)} MB); every 10%: ${r.curve.join(' ')}`);
    }
  }
  console.log(lines.join('\n'));
  if (violations.length) {
    console.log(`FAIL: ${violations.length} violation(s); first: ${violations[0]}`);
    console.log(`replay: ${replayLine(o)}`);
    return 1;
  }
  console.log(`OK (seed ${o.seed})`);
  return 0;
}

module.exports = { report };
