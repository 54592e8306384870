// Barrier: CPython's _TestBarrier (5 parties) across real processes, async forms, AbortSignal,
// and parties that die while waiting or while running the action.
import { describe, it, expect } from 'vitest';
import { inspect } from 'util';
import { Barrier, BrokenBarrierError, Lock, SharedArray, serialize } from 'procsync';
import { runChildren, startChild, until, uniqueName, Child } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { layout } = require('../dist/core/layout.js') as typeof import('../lib/core/layout');

const N = 5;
type WaitResult = { index?: number; error?: string; code?: string; message?: string; ticks?: number; at?: number };

async function arrive(n: number, b: Barrier, opts: unknown = null, scenario = 'barrierWaitOnce'): Promise<Child<WaitResult>[]> {
  const kids = Array.from({ length: n }, () => startChild<WaitResult>('cond.js', scenario, [b, opts]));
  for (const k of kids) expect(await k.message()).toBe('arriving');
  return kids;
}
const results = async (kids: Child<WaitResult>[]) => Promise.all(kids.map(async (k) => (await k.done).result!));
const broken = { error: 'BrokenBarrierError', code: 'ERR_BROKEN_BARRIER' };

describe('Barrier basics', () => {
  it('validates its arguments and shows its state', () => {
    expect(() => new Barrier(0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Barrier(1.5)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => new Barrier('3' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Barrier(2, { action: 5 as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const b = track(new Barrier(3, { timeout: 250 }));
    expect(b.kind).toBe('Barrier');
    expect(b.parties).toBe(3);
    expect(b.timeout).toBe(250);
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
    expect(inspect(b)).toMatch(/^Barrier \{[\s\S]*parties: 3,[\s\S]*nWaiting: 0,[\s\S]*broken: false/);
    expect(serialize(b)).toEqual({ $procsync: 'Barrier', name: b.name });
    const lock = track(new Lock());
    expect(() => Barrier.open(lock.name)).toThrow(expect.objectContaining({ code: 'ERR_KIND_MISMATCH' }));
    expect(() => Barrier.open(uniqueName('none'))).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
    const name = uniqueName('bar');
    const named = track(new Barrier(3, { name }));
    expect(() => new Barrier(4, { name })).toThrow(expect.objectContaining({ code: 'ERR_PARAMS_MISMATCH' }));
    const opened2 = track(Barrier.open(name));
    expect(opened2.parties).toBe(3);
    expect(opened2.timeout).toBe(null);
    b.close();
    expect(() => b.waitSync()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(named.parties).toBe(3);
  });

  it('one party passes at once, again and again, running its action each time', async () => {
    let runs = 0;
    const b = track(new Barrier(1, { action: () => runs++ }));
    for (let i = 0; i < 5; i++) expect(b.waitSync()).toBe(0);
    expect(await b.wait()).toBe(0);
    expect(runs).toBe(6);
  });
});

describe('Barrier wake-ups', () => {
  it('a party asleep in the kernel is counted in the sleepers word, and the last arrival wakes it (not its sleep slice)', async () => {
    // native/primitives/barrier.h kSleepersWord: a bump wakes only when someone sleeps. Were that wake-up
    // lost, each round would last until the sleeper's 200 ms slice ends (40 rounds: 8 s at
    // least); woken, a round lasts about the 10 ms poll that sees it asleep.
    const b = track(new Barrier(2));
    const words = b as unknown as { i32: Int32Array; base: number }; // the state's words (lib/core/primitive.ts)
    const word = (k: number) => Atomics.load(words.i32, words.base + k);
    const { sleepersWord, countWord, stateWord, filling } = layout.barrier;
    const sleepers = () => word(sleepersWord);
    // Counted in a filling cycle and asleep (a woken party that has not run yet still counts
    // as a sleeper of the cycle before, which is draining until it leaves).
    const arrivedAndAsleep = () => word(stateWord) === filling && word(countWord) === 1 && sleepers() === 1;
    const rounds = 40;
    const kid = startChild<number>('cond.js', 'barrierWaitLoop', [b, rounds]);
    expect(await kid.message()).toBe('arriving');
    const t0 = Date.now();
    for (let i = 0; i < rounds; i++) {
      await until(arrivedAndAsleep, 10_000, `the other party arrived and asleep (round ${i})`);
      expect(b.waitSync({ timeout: 10_000 })).toBe(1); // the last arrival
    }
    expect((await kid.done).result).toBe(rounds);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(sleepers()).toBe(0);
  });
});

describe('Barrier across processes (CPython _TestBarrier, 5 parties)', () => {
  it('multipass: 10 rounds in lock-step; indices are a permutation every cycle (test_barrier, test_wait_return)', async () => {
    const b = track(new Barrier(N));
    const counters = track(new SharedArray('i', 3));
    const rs = await runChildren<{ indices: number[]; errors: string[] }>(N, 'cond.js', 'barrierMultipass', () => [b, counters, 10, false]);
    for (const r of rs) expect(r.errors).toEqual([]);
    for (let round = 0; round < 10; round++) {
      expect(rs.map((r) => r.indices[round]).sort()).toEqual([0, 1, 2, 3, 4]);
    }
    expect(b.broken).toBe(false);
  });

  it('the action runs exactly once per cycle, before anyone is released (test_action)', async () => {
    const b = track(new Barrier(N));
    const counters = track(new SharedArray('i', 3));
    const rs = await runChildren<{ indices: number[]; errors: string[] }>(N, 'cond.js', 'barrierMultipass', () => [b, counters, 5, true]);
    for (const r of rs) expect(r.errors).toEqual([]);
    // Two waits per round, an action per cycle.
    expect((counters.view as Int32Array)[2]).toBe(10);
  });

  it('abort breaks it for current and later waiters (test_abort)', async () => {
    const b = track(new Barrier(N));
    const kids = await arrive(N - 1, b);
    await until(() => b.nWaiting === N - 1, 10_000, 'four waiting');
    b.abort();
    expect(b.broken).toBe(true);
    for (const r of await results(kids)) expect(r).toMatchObject(broken);
    expect(() => b.waitSync()).toThrow(BrokenBarrierError);
    await expect(b.wait()).rejects.toMatchObject({ code: 'ERR_BROKEN_BARRIER' });
    expect(b.nWaiting).toBe(0);
  });

  it('reset breaks current waiters and leaves it usable (test_reset)', async () => {
    const b = track(new Barrier(N));
    const kids = await arrive(N - 1, b);
    await until(() => b.nWaiting === N - 1, 10_000, 'four waiting');
    b.reset();
    for (const r of await results(kids)) expect(r).toMatchObject(broken);
    expect(b.broken).toBe(false);
    const again = await arrive(N - 1, b);
    const mine = await b.wait();
    const idx = [mine, ...(await results(again)).map((r) => r.index)];
    expect(idx.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('abort then reset: usable again (test_abort_and_reset)', async () => {
    const b = track(new Barrier(N));
    const kids = await arrive(2, b);
    await until(() => b.nWaiting === 2, 10_000, 'two waiting');
    b.abort();
    for (const r of await results(kids)) expect(r).toMatchObject(broken);
    b.reset();
    expect(b.broken).toBe(false);
    const again = await arrive(N - 1, b, null, 'barrierWaitOnceAsync');
    const mine = b.waitSync({ timeout: 20_000 });
    const idx = [mine, ...(await results(again)).map((r) => r.index)];
    expect(idx.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('a wait that times out breaks the barrier for everyone (test_timeout)', async () => {
    const b = track(new Barrier(N));
    const kids = await arrive(2, b);
    await until(() => b.nWaiting === 2, 10_000, 'two waiting');
    const t0 = performance.now();
    expect(() => b.waitSync({ timeout: 100 })).toThrow(BrokenBarrierError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(b.broken).toBe(true);
    for (const r of await results(kids)) expect(r).toMatchObject(broken);
  });

  it('the default timeout (stored in shared memory) breaks it too (test_default_timeout)', async () => {
    const b = track(new Barrier(N, { timeout: 150 }));
    const kids = await arrive(2, b); // children use the default they read from the segment
    for (const r of await results(kids)) expect(r).toMatchObject(broken);
    expect(b.broken).toBe(true);
    // A per-call timeout overrides the default (one of a minute here).
    const long = track(new Barrier(2, { timeout: 60_000 }));
    expect(long.timeout).toBe(60_000);
    await expect(long.wait({ timeout: 30 })).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(long.broken).toBe(true);
  });

  it('an action that throws: that caller gets the error, the others BrokenBarrierError', async () => {
    const b = track(new Barrier(3));
    const kids = Array.from({ length: 3 }, () => startChild<WaitResult>('cond.js', 'barrierWaitAction', [b, 'throw']));
    const rs = await results(kids);
    expect(rs.filter((r) => r.message === 'boom')).toHaveLength(1);
    expect(rs.filter((r) => r.error === 'BrokenBarrierError')).toHaveLength(2);
    expect(b.broken).toBe(true);
  });
});

describe('Barrier async forms', () => {
  it('a process awaits barrier.wait() while its event loop keeps running', async () => {
    const b = track(new Barrier(3));
    const kids = await arrive(2, b, null, 'barrierWaitOnceAsync');
    await until(() => b.nWaiting === 2, 10_000, 'two waiting');
    await new Promise((r) => setTimeout(r, 100));
    let ticks = 0;
    const iv = setInterval(() => ticks++, 5);
    const mine = await b.wait();
    clearInterval(iv);
    const rs = await results(kids);
    expect([mine, ...rs.map((r) => r.index)].sort()).toEqual([0, 1, 2]);
    for (const r of rs) expect(r.ticks).toBeGreaterThan(0);
  });

  it('two parties in one process with async waits, and an async action', async () => {
    let runs = 0;
    const b = track(new Barrier(3, { action: async () => { await new Promise((r) => setTimeout(r, 10)); runs++; } }));
    const kids = await arrive(1, b);
    const idx = await Promise.all([b.wait(), b.wait()]);
    const r = (await results(kids))[0];
    expect([...idx, r.index].sort()).toEqual([0, 1, 2]);
    // The action runs only where the last arrival is; if that was the child (no action), none.
    expect(runs).toBe(idx.includes(2) ? 1 : 0);
  });

  it('an AbortSignal withdraws the arrival without breaking the barrier', async () => {
    const b = track(new Barrier(3));
    const ac = new AbortController();
    const p = b.wait({ signal: ac.signal });
    await until(() => b.nWaiting === 1, 10_000, 'one waiting');
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
    const kids = await arrive(2, b);
    const mine = await b.wait();
    expect([mine, ...(await results(kids)).map((r) => r.index)].sort()).toEqual([0, 1, 2]);
  });

  it('close() with a pending async wait rejects it with ERR_CLOSED and withdraws', async () => {
    const b = new Barrier(2);
    const other = track(Barrier.open(b.name));
    const p = b.wait();
    await until(() => other.nWaiting === 1, 10_000, 'one waiting');
    b.close();
    await expect(p).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(other.nWaiting).toBe(0);
    expect(other.broken).toBe(false);
  });
});

describe('Barrier crash safety', () => {
  it('a party SIGKILLed while waiting breaks the barrier promptly for the others', async () => {
    const b = track(new Barrier(N));
    const kids = await arrive(N - 1, b);
    await until(() => b.nWaiting === N - 1, 10_000, 'four waiting');
    kids[1].kill('SIGKILL');
    const rest = await results([kids[0], kids[2], kids[3]]);
    for (const r of rest) expect(r).toMatchObject(broken);
    expect(b.broken).toBe(true);
    // How fast (the 1 s of API.md, from the observed exit): owner-death.test.ts.
    // reset() makes it usable again: the dead party no longer counts.
    b.reset();
    const again = await arrive(N - 1, b);
    const mine = await b.wait();
    expect([mine, ...(await results(again)).map((r) => r.index)].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('the last arrival killed while running the action breaks it for the others', async () => {
    const b = track(new Barrier(3));
    const kids = Array.from({ length: 3 }, () => startChild<WaitResult>('cond.js', 'barrierWaitAction', [b, 'kill']));
    const done = await Promise.all(kids.map((k) => k.done));
    const killed = done.filter((d) => d.signal === 'SIGKILL');
    expect(killed).toHaveLength(1);
    for (const d of done.filter((x) => x.signal !== 'SIGKILL')) expect(d.result).toMatchObject(broken);
    expect(b.broken).toBe(true);
  });
});
