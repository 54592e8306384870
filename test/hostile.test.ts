// Hostile segment contents (issue: hangs on hostile words). Another process of the same user can
// write anything into a segment; a call must then return its result, ERR_CORRUPT or a timeout —
// never block past its deadline. Each call runs in a child with a hard bound, so a hang fails
// the test instead of the run.
import { describe, it, expect } from 'vitest';
import { spawn } from 'child_process';
import { Barrier, Condition, JoinableQueue, Queue, SimpleQueue } from 'procsync';
import { runChild, uniqueName } from './helpers/children';
import { segmentFile } from './helpers/segment-file';
import { useTracked } from './helpers/track';

const track = useTracked();

type Timed = { value?: unknown; error?: string; ms: number; warnings: string[] };
const timed = (p: unknown, what: string) => runChild<Timed>('liveness.js', 'timedCall', [p, what], { timeoutMs: 15_000 });

describe('the state mutex word (first state word) holds a stranger', () => {
  const sleeper = () => spawn('sleep', ['60'], { stdio: 'ignore' });
  const makers: [string, () => { close(): void; name: string }, string[]][] = [
    ['Queue', () => new Queue({ name: uniqueName('hq') }), ['queueGet', 'queuePut', 'queueSize']],
    ['JoinableQueue', () => new JoinableQueue({ name: uniqueName('hjq') }), ['queueGet', 'queueSize']],
    ['SimpleQueue', () => new SimpleQueue({ name: uniqueName('hsq') }), ['queueGet']],
    ['Condition', () => new Condition(undefined, { name: uniqueName('hc') }), ['condWait', 'condNotify']],
    ['Barrier', () => new Barrier(3, { name: uniqueName('hb') }), ['barrierWait']],
  ];
  for (const [kind, make, calls] of makers) {
    it(`${kind}: timed calls return (recovered or reported) for ids 3, 4093, 999999, 0x80000000 and a live pid`, async () => {
      const s = sleeper();
      try {
        for (const v of [3, 4093, 999999, 0x80000000, s.pid!]) {
          for (const what of calls) {
            const p = track(make());
            const f = segmentFile(p.name);
            f.write(f.word(0), v);
            f.close();
            const r = await timed(p, what);
            // Ended by itself (the child was not killed at its bound) with an outcome of the API.
            expect(r.error === undefined || ['ERR_QUEUE_EMPTY', 'ERR_BROKEN_BARRIER', 'ERR_CORRUPT'].includes(r.error), `${kind} ${what} ${v}: ${r.error}`).toBe(true);
            p.close();
          }
        }
      } finally {
        s.kill('SIGKILL');
      }
    });
  }
});

describe('Barrier words that break its invariants', () => {
  const STATE = 16;
  const COUNT = 17;
  it('a state word beyond the known states, or a count at or past parties, does not hang a timed wait', async () => {
    for (const [word, v] of [[STATE, 4], [STATE, 7], [STATE, 0xffffffff], [COUNT, 3], [COUNT, 4], [COUNT, 0xffffffff]]) {
      const b = track(new Barrier(3, { name: uniqueName('hbw') }));
      const f = segmentFile(b.name);
      f.write(f.word(word), v);
      f.close();
      const r = await timed(b, 'barrierWait');
      expect(r.error, `word ${word} = ${v}`).toBe('ERR_BROKEN_BARRIER');
      // Usable again after a reset, and nWaiting reads a count, not -1.
      b.reset();
      expect(b.nWaiting).toBeGreaterThanOrEqual(0);
      expect(b.nWaiting).toBeLessThan(3);
      b.close();
    }
  });

  it('a count of 2 with nobody waiting does not let a lone party through', async () => {
    const b = track(new Barrier(3, { name: uniqueName('hbc') }));
    const f = segmentFile(b.name);
    f.write(f.word(COUNT), 2);
    f.close();
    const r = await timed(b, 'barrierWait');
    expect(r.value).toBeUndefined();
    expect(r.error).toBe('ERR_BROKEN_BARRIER');
  });

  it('dead party ids in the slots with a matching count break the cycle instead of completing it', async () => {
    const b = track(new Barrier(3, { name: uniqueName('hbs') }));
    const f = segmentFile(b.name);
    f.write(f.word(32), 12345);
    f.write(f.word(33), 54321);
    f.write(f.word(COUNT), 2);
    f.close();
    const r = await timed(b, 'barrierWait');
    expect(r.error).toBe('ERR_BROKEN_BARRIER');
  });
});
