// Queue, JoinableQueue, SimpleQueue: CPython's _TestQueue essentials, many producers and
// consumers in real processes, item types, SIGKILL in the middle of put/get, bad input.
import { describe, it, expect } from 'vitest';
import { execFile } from 'child_process';
import { Worker } from 'worker_threads';
import * as fs from 'fs';
import * as path from 'path';
import { Event, JoinableQueue, Lock, Queue, SharedArray, SimpleQueue, open, serialize } from 'procsync';
import { runChild, runChildren, startChild, until, uniqueName, Child } from './helpers/children';
import { segmentFile } from './helpers/segment-file';
import { useTracked } from './helpers/track';
import { segmentPath } from './helpers/segment-path';

// The Queue's state words and ring offset, as the core defines them (native/primitives/queue.h).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Q = (require('../dist/core/layout.js') as typeof import('../lib/core/layout')).layout.queue;

const track = useTracked();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (c: string) => expect.objectContaining({ code: c });

describe('Queue basics (CPython _TestQueue)', () => {
  it('is FIFO and counts its items (test_fifo, test_qsize)', async () => {
    const q = track(new Queue<number>());
    expect(q.empty()).toBe(true);
    expect(q.qsize()).toBe(0);
    for (let i = 0; i < 10; i++) q.putSync(i);
    await q.put(10);
    expect(q.qsize()).toBe(11);
    expect(q.empty()).toBe(false);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push(q.getSync());
    for (let i = 0; i < 5; i++) got.push(await q.get());
    got.push(q.getNowait());
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(q.empty()).toBe(true);
  });

  it('put with block and timeout on a full queue (test_put)', async () => {
    const q = track(new Queue<number>({ maxsize: 6 }));
    expect(q.maxsize).toBe(6);
    q.putSync(1);
    q.putSync(2, { block: true });
    q.putSync(3, { block: true, timeout: null });
    q.putSync(4, { block: false });
    q.putNowait(5);
    await q.put(6);
    expect(q.full()).toBe(true);
    expect(q.qsize()).toBe(6);
    expect(() => q.putSync(7, { block: false })).toThrow(code('ERR_QUEUE_FULL'));
    expect(() => q.putNowait(7)).toThrow(code('ERR_QUEUE_FULL'));
    expect(() => q.putSync(7, { timeout: 30 })).toThrow(code('ERR_QUEUE_FULL'));
    expect(() => q.putSync(7, { timeout: -1 })).toThrow(code('ERR_QUEUE_FULL'));
    expect(() => q.putSync(7, { block: false, timeout: 10_000 })).toThrow(code('ERR_QUEUE_FULL'));
    await expect(q.put(7, { timeout: 30 })).rejects.toThrow(code('ERR_QUEUE_FULL'));
    await expect(q.put(7, { block: false })).rejects.toThrow(code('ERR_QUEUE_FULL'));
    expect(q.qsize()).toBe(6);
    // A child blocked in putSync goes through once the parent makes room.
    const child = startChild('queue.js', 'putOne', [q, 7, { timeout: 10_000 }]);
    expect(await child.message()).toBe('waiting');
    expect(q.getSync()).toBe(1);
    expect((await child.done).result).toEqual({ ok: true });
    expect(q.qsize()).toBe(6);
    const rest: number[] = [];
    while (!q.empty()) rest.push(q.getNowait());
    expect(rest).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('get with block and timeout on an empty queue (test_get)', async () => {
    const q = track(new Queue());
    expect(() => q.getSync({ block: false })).toThrow(code('ERR_QUEUE_EMPTY'));
    expect(() => q.getNowait()).toThrow(code('ERR_QUEUE_EMPTY'));
    expect(() => q.getSync({ timeout: 30 })).toThrow(code('ERR_QUEUE_EMPTY'));
    expect(() => q.getSync({ timeout: -5 })).toThrow(code('ERR_QUEUE_EMPTY'));
    await expect(q.get({ timeout: 30 })).rejects.toThrow(code('ERR_QUEUE_EMPTY'));
    await expect(q.get({ block: false, timeout: 10_000 })).rejects.toThrow(code('ERR_QUEUE_EMPTY'));
    // A child waiting in getSync gets an item put afterwards; one with a short timeout gets Empty.
    const waiting = startChild('queue.js', 'getOne', [q, { timeout: 10_000 }]);
    expect(await waiting.message()).toBe('waiting');
    q.putSync('hello');
    expect((await waiting.done).result).toEqual({ item: 'hello' });
    expect(await runChild('queue.js', 'getOne', [q, { timeout: 50 }])).toEqual({ code: 'ERR_QUEUE_EMPTY' });
    // An async get resolves when another process puts.
    const p = q.get({ timeout: 10_000 });
    expect(await runChild('queue.js', 'putOne', [q, { x: 1 }, {}])).toEqual({ ok: true });
    expect(await p).toEqual({ x: 1 });
  });

  it('serves several async getters of one process in order, one item each', async () => {
    const q = track(new Queue<number>());
    const ps = [q.get(), q.get(), q.get()];
    await runChild('queue.js', 'produce', [q, 0, 3, false]);
    const got = await Promise.all(ps);
    expect(got).toEqual([
      { p: 0, i: 0 },
      { p: 0, i: 1 },
      { p: 0, i: 2 },
    ]);
    expect(q.empty()).toBe(true);
  });

  it('async puts wait for room another process makes, and keep their order', async () => {
    const q = track(new Queue<number>({ maxsize: 2 }));
    q.putSync(1);
    q.putSync(2);
    const order: number[] = [];
    const p3 = q.put(3).then(() => order.push(3));
    const p4 = q.put(4, { timeout: 2 ** 40 }).then(() => order.push(4)); // beyond setTimeout's range: no instant timeout
    await sleep(20);
    expect(order).toEqual([]);
    expect(await runChild('queue.js', 'getOne', [q, {}])).toEqual({ item: 1 });
    expect(await runChild('queue.js', 'getOne', [q, {}])).toEqual({ item: 2 });
    await Promise.all([p3, p4]);
    expect(order).toEqual([3, 4]);
    expect([q.getSync(), q.getSync()]).toEqual([3, 4]);
  });

  it('an aborted get removes nothing; an aborted put adds nothing', async () => {
    const q = track(new Queue<string>({ maxsize: 1 }));
    const ac = new AbortController();
    const g = q.get({ signal: ac.signal });
    await sleep(20);
    ac.abort();
    await expect(g).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    q.putSync('a');
    expect(q.qsize()).toBe(1);
    const ac2 = new AbortController();
    const p = q.put('never', { signal: ac2.signal });
    await sleep(20);
    ac2.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(q.getSync()).toBe('a');
    expect(() => q.getNowait()).toThrow(code('ERR_QUEUE_EMPTY'));
    // Already aborted: rejected at once, nothing taken.
    q.putSync('b');
    await expect(q.get({ signal: AbortSignal.abort() })).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(q.qsize()).toBe(1);
    // The queue still serves async getters after the aborts.
    expect(await q.get({ timeout: 1000 })).toBe('b');
  });

  it('close() rejects pending waits with ERR_CLOSED and forbids further use in this process only', async () => {
    const q = new Queue({ maxsize: 1 });
    const other = track(Queue.open(q.name));
    const g = q.get();
    other.putSync(1);
    expect(await g).toBe(1);
    const g2 = q.get();
    q.close();
    await expect(g2).rejects.toThrow(code('ERR_CLOSED'));
    expect(() => q.putSync(1)).toThrow(code('ERR_CLOSED'));
    expect(() => q.getNowait()).toThrow(code('ERR_CLOSED'));
    expect(() => q.qsize()).toThrow(code('ERR_CLOSED'));
    await expect(q.get()).rejects.toThrow(code('ERR_CLOSED'));
    other.putSync(2);
    expect(other.getSync()).toBe(2);
  });

  it('task_done and join (test_task_done)', async () => {
    const q = track(new JoinableQueue<number | string>());
    const results = track(new Queue<number>());
    expect(q.joinSync({ timeout: 0 })).toBe(true);
    expect(() => q.taskDone()).toThrow(code('ERR_OUT_OF_RANGE'));
    const workers = Array.from({ length: 2 }, () => startChild('queue.js', 'worker', [q, results]));
    for (let i = 0; i < 20; i++) q.putSync(i);
    expect(await q.join({ timeout: 15_000 })).toBe(true);
    expect(q.joinSync({ timeout: 0 })).toBe(true);
    const squares: number[] = [];
    for (let i = 0; i < 20; i++) squares.push(results.getSync({ timeout: 1000 }));
    expect(squares.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    for (let i = 0; i < 2; i++) q.putSync('STOP');
    expect(q.joinSync({ timeout: 15_000 })).toBe(true);
    const done = await Promise.all(workers.map((w) => w.done));
    expect(done.map((d) => d.code)).toEqual([0, 0]);
    expect(done.reduce((n, d) => n + (d.result as number), 0)).toBe(20);
    // join times out with false while a task is unfinished.
    q.putSync(1);
    expect(q.joinSync({ timeout: 20 })).toBe(false);
    expect(await q.join({ timeout: 20 })).toBe(false);
    q.getSync();
    const j = q.join();
    q.taskDone();
    expect(await j).toBe(true);
    expect(() => q.taskDone()).toThrow(code('ERR_OUT_OF_RANGE'));
  });

  it('SimpleQueue: put, get, empty, close', async () => {
    const q = new SimpleQueue<string>();
    expect(q.kind).toBe('SimpleQueue');
    expect(q.empty()).toBe(true);
    q.putSync('a');
    await q.put('b');
    expect(q.empty()).toBe(false);
    expect(await runChild('queue.js', 'getOne', [q, {}])).toEqual({ item: 'a' });
    expect(q.getSync()).toBe('b');
    expect(q.empty()).toBe(true);
    expect((q as unknown as Record<string, unknown>).putNowait).toBeUndefined();
    q.close();
    expect(() => q.getSync()).toThrow(code('ERR_CLOSED'));
  });
});

describe('Queue across processes', () => {
  it('4 producers × 5,000 items → 3 consumers: every item exactly once, per-producer order kept', async () => {
    const q = track(new Queue<unknown>({ maxsize: 200 }));
    const N = 5000;
    const consumers = Array.from({ length: 3 }, (_, k) => startChild('queue.js', 'consume', [q, k === 1], { timeoutMs: 60_000 }));
    await runChildren(4, 'queue.js', 'produce', (p) => [q, p, N, p % 2 === 1], { timeoutMs: 60_000 });
    for (let k = 0; k < 3; k++) q.putSync('STOP');
    const results = await Promise.all(consumers.map((c) => c.done));
    const all: number[][] = [[], [], [], []];
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      const got = r.result as Record<string, number[]>;
      for (const [p, idx] of Object.entries(got)) {
        // Each consumer sees every producer's items in increasing order.
        for (let j = 1; j < idx.length; j++) expect(idx[j]).toBeGreaterThan(idx[j - 1]);
        all[Number(p)].push(...idx);
      }
    }
    for (let p = 0; p < 4; p++) {
      expect(all[p].length).toBe(N);
      expect(new Set(all[p]).size).toBe(N);
      expect(Math.min(...all[p])).toBe(0);
      expect(Math.max(...all[p])).toBe(N - 1);
    }
    expect(q.qsize()).toBe(0);
  }, 90_000);

  it('works between worker threads of one process', async () => {
    const q = track(new Queue<number | null>());
    const r = track(new Queue<number | null>());
    const w = new Worker(path.join(__dirname, 'fixtures', 'queue-worker.js'), { workerData: serialize([q, r]) });
    const exited = new Promise<number>((resolve) => w.on('exit', resolve));
    for (let i = 0; i < 500; i++) await q.put(i);
    await q.put(null);
    let sum = 0;
    for (;;) {
      const x = await r.get({ timeout: 10_000 });
      if (x === null) break;
      sum += x;
    }
    expect(sum).toBe(2 * ((499 * 500) / 2));
    expect(await exited).toBe(0);
  });

  it('carries every v8.serialize type, and a Lock inside an item reopens on the other side', async () => {
    const q = track(new Queue<unknown>());
    const reply = track(new Queue<unknown>());
    const items: unknown[] = [
      { a: 1, nested: { b: [1, 'two', null, undefined, true] } },
      [1, 2, [3, [4]]],
      new Map<unknown, unknown>([['k', 1], [2, { v: 3 }]]),
      new Set([1, 'a', 3n]),
      new Date(1_700_000_000_000),
      /ab+c/gi,
      123456789012345678901234567890n,
      new Float64Array([1.5, -2.25]),
      new Int32Array([1, -2, 3]),
      new Uint8Array([0, 255]),
      Buffer.from('héllo'),
      'x'.repeat(100_000),
      -0,
      NaN,
      null,
      undefined,
    ];
    for (const it of items) q.putSync(it);
    expect(await runChild('queue.js', 'echo', [q, reply, items.length])).toBe(items.length);
    for (const it of items) {
      const back = reply.getSync({ timeout: 1000 });
      expect(back).toEqual(it);
      if (it !== null && typeof it === 'object') expect(Object.getPrototypeOf(back)).toBe(Object.getPrototypeOf(it));
    }
    const lock = track(new Lock());
    q.putSync({ lock, tag: 'with-lock' });
    expect(await runChild('queue.js', 'lockRoundTrip', [q, reply])).toBe(true);
    expect(reply.getSync({ timeout: 1000 })).toEqual({ ok: true, name: lock.name, tag: 'with-lock' });
    // And in this process too: the item's Lock is a new handle on the same lock.
    q.putSync([lock]);
    const [again] = q.getSync() as [Lock];
    expect(again).toBeInstanceOf(Lock);
    expect(again.name).toBe(lock.name);
    lock.acquireSync();
    expect(again.locked()).toBe(true);
    lock.release();
    again.close();
    // A queue of queues: the inner queue reopens as the same queue.
    const inner = track(new JoinableQueue<number>());
    q.putSync({ inner });
    const got = (q.getSync() as { inner: JoinableQueue<number> }).inner;
    expect(got).toBeInstanceOf(JoinableQueue);
    got.putSync(5);
    expect(inner.getSync()).toBe(5);
    got.close();
  });

  it('keeps what JSON would lose: shared references, primitives inside Maps, look-alike text', () => {
    const q = track(new Queue<unknown>());
    // A shared (not cyclic) reference stays one object, and a cycle survives.
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    q.putSync({ a: shared, b: shared, cyclic });
    const back = q.getSync() as { a: object; b: object; cyclic: Record<string, unknown> };
    expect(back.a).toBe(back.b);
    expect(back.cyclic.self).toBe(back.cyclic);
    // A primitive inside a Map (not JSON-able) reopens too.
    const lock = track(new Lock());
    q.putSync(new Map([['lock', lock]]));
    const m = q.getSync() as Map<string, Lock>;
    expect(m.get('lock')).toBeInstanceOf(Lock);
    expect(m.get('lock')!.name).toBe(lock.name);
    m.get('lock')!.close();
    // Text that merely mentions the marker key is left alone.
    const text = { note: 'a "$procsync" key', $procsync: 42 };
    q.putSync(text);
    expect(q.getSync()).toEqual(text);
    // Each put encodes into a reused buffer: items put back to back stay distinct.
    q.putSync({ i: 1, s: 'x'.repeat(10) });
    q.putSync({ i: 2 });
    expect(q.getSync()).toEqual({ i: 1, s: 'x'.repeat(10) });
    expect(q.getSync()).toEqual({ i: 2 });
  });

  it('an async put that waits for room keeps its own bytes while later puts encode', async () => {
    const q = track(new Queue<unknown>({ maxsize: 1 }));
    q.putSync({ n: 'first' });
    const second = q.put({ n: 'second' }, { timeout: 10_000 }); // waits: the queue is full
    const third = q.put({ n: 'third, longer than the second' }, { timeout: 10_000 });
    expect(q.getSync({ timeout: 1000 })).toEqual({ n: 'first' });
    await second;
    expect(q.getSync({ timeout: 1000 })).toEqual({ n: 'second' });
    await third;
    expect(q.getSync({ timeout: 1000 })).toEqual({ n: 'third, longer than the second' });
  });

  it('examples/queue-drain.js: two processes drain one queue without hanging; counts add up to 100', async () => {
    const script = path.join(__dirname, '..', 'examples', 'queue-drain.js');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [script], { timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const counts = [...out.matchAll(/processed (\d+) items from the queue/g)].map((m) => Number(m[1]));
    expect(counts).toHaveLength(2);
    expect(counts[0] + counts[1]).toBe(100);
  });
});

describe('Queue crash safety (SIGKILL in the middle of put/get)', () => {
  // Kills at random points for about `ms`; returns how many kills.
  async function killLoop(ms: number, step: () => Promise<void>): Promise<number> {
    const end = Date.now() + ms;
    let kills = 0;
    while (Date.now() < end) {
      await step();
      kills++;
    }
    return kills;
  }

  async function killSoon(child: Child): Promise<void> {
    await child.message(10_000);
    await sleep(Math.random() * 40);
    child.kill('SIGKILL');
    await child.done;
  }

  it('producers killed mid-put: nothing corrupt, each loses at most its item in flight', async () => {
    const q = track(new Queue<unknown>({ capacity: 64 * 1024 }));
    const stop = track(new Event());
    const collector = startChild('queue.js', 'collect', [q], { timeoutMs: 60_000 });
    let nextId = 0;
    const kills = await killLoop(2000, async () => {
      const producers = [0, 1].map(() => startChild('queue.js', 'produceRetry', [q, nextId++, 16 * 1024, stop]));
      await Promise.all(producers.map(killSoon));
    });
    expect(kills).toBeGreaterThan(0);
    q.putSync('STOP', { timeout: 10_000 });
    const r = await collector.done;
    expect(r.code, r.stderr + r.error?.stack).toBe(0);
    const got = r.result as Record<string, number[]>;
    let total = 0;
    for (const idx of Object.values(got)) {
      // What a killed producer put is exactly 0 .. k-1: no gap, no duplicate, no reordering.
      expect(idx).toEqual(Array.from({ length: idx.length }, (_, i) => i));
      total += idx.length;
    }
    expect(total).toBeGreaterThan(0);
    expect(q.qsize()).toBe(0);
    q.putSync({ after: true });
    expect(q.getSync({ timeout: 1000 })).toEqual({ after: true });
  }, 60_000);

  it('a process killed while copying big items under the mutex: the next user repairs, the item is whole', async () => {
    const SIZE = 4 * 1024 * 1024;
    // Room for one item only, so that records wrap around the ring end.
    const q = track(new Queue<Buffer>({ capacity: SIZE + 1000 }));
    const stats = () => (q as unknown as { stat(): { repairs: number } }).stat();
    // Kill churners until a kill has landed inside the critical section and the next user
    // (this process, just below) has repaired it; bounded in time and kills.
    const end = Date.now() + 30_000;
    let kills = 0;
    while (stats().repairs === 0 && kills < 200 && Date.now() < end) {
      const child = startChild('queue.js', 'churnBig', [q, SIZE]);
      await killSoon(child);
      kills++;
      // At most the one item of the killed churner is left, and it is whole.
      expect(q.qsize()).toBeLessThanOrEqual(1);
      if (!q.empty()) {
        const item = q.getNowait();
        expect(item.length).toBe(SIZE);
        expect(item.every((b) => b === 7)).toBe(true);
      }
    }
    // A kill inside the critical section did happen, and each repair belongs to a kill.
    expect(stats().repairs).toBeGreaterThanOrEqual(1);
    expect(stats().repairs).toBeLessThanOrEqual(kills);
    expect(q.qsize()).toBe(0);
    q.putSync(Buffer.from('ok'));
    expect(q.getSync({ timeout: 1000 }).toString()).toBe('ok');
  }, 60_000);

  it('consumers killed mid-get: nothing duplicated or corrupt, at most one item lost per kill', async () => {
    const q = track(new Queue<unknown>({ capacity: 32 * 1024 }));
    const stop = track(new Event());
    const MAX = 1 << 20;
    const seen = track(new SharedArray('uint8', MAX));
    const producer = startChild('queue.js', 'produceSeq', [q, 4096, stop], { timeoutMs: 60_000 });
    await producer.message();
    const spawn = () => startChild('queue.js', 'consumeMark', [q, seen], { timeoutMs: 60_000 });
    const survivor = spawn();
    const kills = await killLoop(2000, () => killSoon(spawn()));
    stop.set();
    const pr = await producer.done;
    expect(pr.code, pr.stderr).toBe(0);
    const produced = pr.result as number;
    expect(produced).toBeLessThan(MAX);
    q.putSync('STOP', { timeout: 10_000 });
    const sr = await survivor.done;
    expect(sr.code, sr.stderr + sr.error?.stack).toBe(0);
    const view = seen.view as Uint8Array;
    let missing = 0;
    for (let i = 0; i < produced; i++) {
      expect(view[i]).toBeLessThanOrEqual(1);
      if (view[i] === 0) missing++;
    }
    for (let i = produced; i < Math.min(MAX, produced + 100); i++) expect(view[i]).toBe(0);
    expect(missing).toBeLessThanOrEqual(kills);
    expect(q.qsize()).toBe(0);
    q.putSync('again');
    expect(q.getSync({ timeout: 1000 })).toBe('again');
  }, 60_000);
});

describe('Queue bad input and sharing', () => {
  it('rejects bad options and arguments with coded errors', async () => {
    expect(() => new Queue({ maxsize: -1 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Queue({ maxsize: 1.5 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Queue({ capacity: 0 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Queue({ capacity: 2 ** 31 })).toThrow(code('ERR_OUT_OF_RANGE'));
    expect(() => new Queue({ maxsize: '3' as unknown as number })).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => new Queue('x' as unknown as number)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => new Queue({ name: 'bad name' })).toThrow(code('ERR_INVALID_NAME'));
    const q = track(new Queue<unknown>({ capacity: 100 }));
    expect(q.capacity).toBe(100);
    expect(() => q.getSync({ timeout: 'x' as unknown as number })).toThrow(code('ERR_INVALID_ARG_TYPE'));
    expect(() => q.putSync(1, 5 as unknown as object)).toThrow(code('ERR_INVALID_ARG_TYPE'));
    await expect(q.get({ signal: 'x' as unknown as AbortSignal })).rejects.toThrow(code('ERR_INVALID_ARG_TYPE'));
    // Not serializable: TypeError at put, nothing enqueued (sync and async).
    expect(() => q.putSync(() => 1)).toThrow(TypeError);
    await expect(q.put({ f: () => 1 })).rejects.toThrow(TypeError);
    expect(() => q.putNowait(Symbol('s'))).toThrow(TypeError);
    expect(q.qsize()).toBe(0);
    // Larger than the capacity: ERR_MESSAGE_TOO_LARGE, the queue untouched.
    q.putSync('small');
    expect(() => q.putSync('x'.repeat(200))).toThrow(code('ERR_MESSAGE_TOO_LARGE'));
    await expect(q.put(new Uint8Array(500))).rejects.toThrow(code('ERR_MESSAGE_TOO_LARGE'));
    expect(q.qsize()).toBe(1);
    expect(q.getSync()).toBe('small');
    // An item of exactly the capacity fits (alone).
    const v8 = await import('v8');
    let item = 'y';
    while (v8.serialize(item).length < 100) item += 'y';
    expect(v8.serialize(item).length).toBe(100);
    q.putSync(item);
    expect(q.full()).toBe(true);
    expect(q.getSync()).toBe(item);
  });

  it('opens by name, checks kind and parameters; procsync.open returns the Queue', async () => {
    const name = uniqueName('queue');
    const a = track(new JoinableQueue({ name, maxsize: 3, capacity: 4096 }));
    const b = track(new JoinableQueue({ name, maxsize: 3, capacity: 4096 }));
    a.putSync('x');
    expect(b.getSync()).toBe('x');
    b.taskDone();
    expect(() => new JoinableQueue({ name, maxsize: 4, capacity: 4096 })).toThrow(code('ERR_PARAMS_MISMATCH'));
    expect(() => Queue.open(name)).toThrow(code('ERR_KIND_MISMATCH'));
    const c = track(open(name)) as JoinableQueue;
    expect(c).toBeInstanceOf(JoinableQueue);
    expect(c.kind).toBe('JoinableQueue');
    expect([c.maxsize, c.capacity]).toEqual([3, 4096]);
    expect(() => Queue.open(uniqueName('absent'))).toThrow(code('ERR_NOT_FOUND'));
    const lockName = uniqueName('lock');
    const l = track(new Lock({ name: lockName }));
    expect(() => SimpleQueue.open(l.name)).toThrow(code('ERR_KIND_MISMATCH'));
    expect(JSON.stringify(a)).toBe(JSON.stringify({ $procsync: 'JoinableQueue', name }));
  });

  it('a corrupt ring or record length in shared memory is ERR_CORRUPT, never a crash', () => {
    const name = uniqueName('corrupt');
    const q = track(new Queue<string>({ name, capacity: 256 }));
    q.putSync('hello');
    const f = segmentFile(name);
    const { word, read, write } = f;
    try {
      const head = read(word(Q.headWord));
      const ring = f.stateOffset + Q.headerBytes;
      // A record length far past the used bytes.
      const len = read(ring + head);
      write(ring + head, 0xfffffff0);
      expect(() => q.getSync({ block: false })).toThrow(code('ERR_CORRUPT'));
      expect(q.qsize()).toBe(1);
      write(ring + head, len);
      // Head/tail words out of range.
      const tail = read(word(Q.tailWord));
      write(word(Q.tailWord), 0x7fffffff);
      expect(() => q.getNowait()).toThrow(code('ERR_CORRUPT'));
      expect(() => q.putNowait('x')).toThrow(code('ERR_CORRUPT'));
      expect(() => q.qsize()).toThrow(code('ERR_CORRUPT'));
      write(word(Q.tailWord), tail);
      // More items counted than the ring could hold.
      const puts = read(word(Q.putCountWord));
      write(word(Q.putCountWord), puts + 1000);
      expect(() => q.getNowait()).toThrow(code('ERR_CORRUPT'));
      expect(() => q.putNowait('x')).toThrow(code('ERR_CORRUPT'));
      write(word(Q.putCountWord), puts);
      expect(q.getNowait()).toBe('hello');
    } finally {
      f.close();
    }
  });

  it('a process that died inside a commit (redo log valid) is rolled forward by the next user', () => {
    const name = uniqueName('redo');
    const q = track(new Queue<string>({ name, capacity: 256 }));
    q.putSync('a');
    q.putSync('b');
    const f = segmentFile(name);
    const readAt = f.read;
    const read = (i: number) => f.read(f.word(i));
    const write = (i: number, v: number) => f.write(f.word(i), v);
    try {
      // The get side's words a get of 'a' commits, written to its log as commit() does, and the
      // process "killed" after get_log_valid = 1 and the first of the real words (head).
      const head = read(Q.headWord);
      const gets = read(Q.getCountWord);
      const RING = f.stateOffset + Q.headerBytes;
      const rec = 4 + readAt(RING + head); // length prefix of 'a' (no wrap this early)
      const next = [(head + rec) % (256 + Q.ringExtra), gets + 1];
      next.forEach((v, k) => write(Q.getLogWord + k, v));
      write(Q.getLogValidWord, 1);
      write(Q.headWord, next[0]);
      expect(q.qsize()).toBe(1);
      expect(read(Q.getLogValidWord)).toBe(0);
      expect(q.getNowait()).toBe('b');
      // A log that is itself inconsistent is reported, not applied.
      q.putSync('c');
      [999, 0].forEach((v, k) => write(Q.getLogWord + k, v));
      write(Q.getLogValidWord, 1);
      expect(() => q.getNowait()).toThrow(code('ERR_CORRUPT'));
      // The put side's log likewise.
      write(Q.getLogValidWord, 0);
      [999, 0, 0].forEach((v, k) => write(Q.putLogWord + k, v));
      write(Q.putLogValidWord, 1);
      expect(() => q.putNowait('d')).toThrow(code('ERR_CORRUPT'));
    } finally {
      f.close();
    }
  });

  it('leaves nothing in /dev/shm after the last close', async () => {
    const name = uniqueName('gone');
    const q = new Queue({ name });
    q.putSync(1);
    expect(fs.existsSync(segmentPath(name))).toBe(true);
    q.close();
    await until(() => !fs.existsSync(segmentPath(name)), 2000, 'segment removal');
  });
});
