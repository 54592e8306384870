// The Queue's JS fast path (lib/queue/ring.ts) and its wake-up rules (native/primitives/queue.h): a kill
// inside the fast path's commit is recovered like one in native code, what a putter knows of
// the get side from its last put is read again once another process put, and getters / putters
// asleep in other processes all get through when several puts / gets come at once.
import { describe, it, expect } from 'vitest';
import { createRequire } from 'module';
import { Full, Queue } from 'procsync';
import { startChild } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
const codec = createRequire(import.meta.url)('../dist/queue/item-codec.js') as typeof import('../lib/queue/item-codec');

describe('Queue JS fast path', () => {
  it('a process killed inside the fast path commit (state mutex held under its id) is taken over and rolled forward', async () => {
    const q = track(new Queue<string>({ capacity: 1024 }));
    q.putSync('a');
    const child = startChild('queue.js', 'dieInFastCommit', [q, 'b']);
    const r = await child.done;
    expect(r.signal, r.stderr + r.error?.message).toBe('SIGKILL');
    // The next user finds the holder dead, applies the complete log: the put of 'b' happened.
    expect(q.getSync({ timeout: 10_000 })).toBe('a');
    expect(q.getSync({ timeout: 10_000 })).toBe('b');
    expect((q as unknown as { stat(): { repairs: number } }).stat().repairs).toBe(1);
    expect(q.qsize()).toBe(0);
    // And the fast path works on the repaired state.
    q.putSync('c');
    expect(q.getNowait()).toBe('c');
  });

  it('a putter that knows where the getters were looks again after another process put: a full ring stays full', async () => {
    // This instance's put leaves it knowing the get side's words (head at the ring's start);
    // they stay valid only while no one else puts (lib/queue/ring.ts, afterMyPut).
    const q = track(new Queue<string>({ capacity: 64 }));
    const first = 'a'.repeat(24);
    q.putSync(first);
    expect(q.getSync({ timeout: 10_000 })).toBe(first);
    // Another process fills the ring: its tail wraps round to just before head. Measured from
    // the head this instance knew, the ring would look two-thirds empty.
    const child = startChild('queue.js', 'fillUp', [q, 'b']);
    const r = await child.done;
    const n = r.result as number;
    expect(n, r.stderr + r.error?.message).toBeGreaterThan(3);
    expect(() => q.putNowait('c')).toThrow(Full);
    for (let i = 0; i < n; i++) expect(q.getNowait()).toBe('b');
    expect(q.qsize()).toBe(0);
    // And room made by gets is found again.
    q.putSync('c');
    expect(q.getNowait()).toBe('c');
  });

  it('getters asleep in three processes each get one of three puts made back to back', async () => {
    const q = track(new Queue<number>());
    const getters = [0, 1, 2].map(() => startChild('queue.js', 'getOne', [q, { timeout: 30_000 }], { timeoutMs: 40_000 }));
    await Promise.all(getters.map((g) => g.message()));
    // A put wakes a getter only while sleepers outnumber the queued items, and gets that leave
    // items behind wake one more (native/primitives/queue.h).
    for (const v of [1, 2, 3]) q.putSync(v);
    const results = await Promise.all(getters.map((g) => g.done));
    const got = results.map((x) => (x.result as { item?: number; code?: string }).item);
    expect(got.sort()).toEqual([1, 2, 3]);
    expect(q.qsize()).toBe(0);
  }, 60_000);

  it('putters asleep on a full queue in two processes all get in as room is made', async () => {
    const q = track(new Queue<string>({ capacity: 64 }));
    const small = 'x'.repeat(8);
    const big = 'y'.repeat(40);
    while (!q.full()) q.putSync('f');
    const putters = [small, big].map((item) => startChild('queue.js', 'putOne', [q, item, { timeout: 30_000 }], { timeoutMs: 40_000 }));
    await Promise.all(putters.map((p) => p.message()));
    // Drain: each get wakes the putters only if one armed the wake since the last call.
    const seen: string[] = [];
    while (seen.filter((s) => s !== 'f').length < 2) seen.push(q.getSync({ timeout: 30_000 }));
    const results = await Promise.all(putters.map((p) => p.done));
    for (const x of results) expect(x.result).toEqual({ ok: true });
    expect(seen.filter((s) => s !== 'f').sort()).toEqual([small, big].sort());
  }, 60_000);

  it('a damaged flat-object or number record decodes to an error or a value, never a crash or a prototype change', () => {
    const w = new codec.ItemWriter();
    for (const item of [{ i: 1, s: 'hello', ok: true, d: 0.5, n: null }, 7, 0.25]) {
      const n = w.write(item);
      const good = Buffer.from(w.out.subarray(0, n));
      for (let i = 0; i < 5000; i++) {
        const b = Buffer.from(good);
        b[1 + (i % (b.length - 1))] = (i * 7919) & 0xff;
        const end = i % 3 === 0 ? b.length - (i % 5) : b.length;
        let v: unknown;
        try {
          v = codec.decodeItem(b, 0, end);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          continue;
        }
        if (typeof v === 'object' && v !== null) expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      }
    }
  });
});
