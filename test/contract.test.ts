// One behaviour suite, two backends: the shared-memory classes and procsync/redis (on a real
// redis-server started for this file), where their semantics agree (lib/contract.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lock, Semaphore, Event, AsyncLock, AsyncSemaphore, AsyncEvent } from 'procsync';
import { connect } from 'procsync/redis';
import { startRedis, RedisServer } from './helpers/redis';

interface Backend {
  lock(): AsyncLock;
  sem(n: number): AsyncSemaphore;
  event(): AsyncEvent;
  done(): Promise<void>;
}

let server: RedisServer;
let remote: Awaited<ReturnType<typeof connect>>;
let seq = 0;
const closers: { close(): unknown }[] = [];

beforeAll(async () => {
  server = await startRedis();
  remote = await connect(server.url, { prefix: 'contract:' });
});
afterAll(async () => {
  for (const c of closers) c.close();
  await remote?.close();
  await server?.stop();
});

const backends: Record<string, () => Backend> = {
  'shared memory': () => ({
    lock: () => {
      const l = new Lock();
      closers.push(l);
      return l;
    },
    sem: (n) => {
      const s = new Semaphore(n);
      closers.push(s);
      return s;
    },
    event: () => {
      const e = new Event();
      closers.push(e);
      return e;
    },
    done: async () => {},
  }),
  redis: () => ({
    lock: () => remote.Lock(`l${++seq}`),
    sem: (n) => remote.Semaphore(`s${++seq}`, n),
    event: () => remote.Event(`e${++seq}`),
    done: async () => {},
  }),
};

/** The same primitive seen by a second user: shared memory reopens by name, Redis opens a second object. */
function second<T extends { name: string }>(kind: string, x: T): T {
  if (kind === 'redis') {
    if (x instanceof Object && 'getValue' in x) return remote.Semaphore(x.name, (x as unknown as { value: number }).value) as unknown as T;
    if ('isSet' in x) return remote.Event(x.name) as unknown as T;
    return remote.Lock(x.name) as unknown as T;
  }
  const C = x.constructor as unknown as { open(n: string): T & { close(): void } };
  const o = C.open(x.name);
  closers.push(o);
  return o;
}

for (const [kind, make] of Object.entries(backends)) {
  describe(`contract: ${kind}`, () => {
    it('Lock: acquire, locked, release; a second user waits, then gets it', async () => {
      const b = make();
      const a = b.lock();
      const other = second(kind, a);
      expect(await a.acquire()).toBe(true);
      expect(await a.locked()).toBe(true);
      expect(await other.acquire({ block: false })).toBe(false);
      expect(await other.acquire({ timeout: 50 })).toBe(false);
      const waiting = other.acquire({ timeout: 20_000 });
      await a.release();
      expect(await waiting).toBe(true);
      await other.release();
      expect(await a.locked()).toBe(false);
    });

    it('Lock: release of an unlocked lock is ERR_RELEASED_TOO_MANY_TIMES', async () => {
      const a = make().lock();
      await expect((async () => a.release())()).rejects.toMatchObject({ code: 'ERR_RELEASED_TOO_MANY_TIMES' });
    });

    it('Lock: an aborted wait rejects with the reason and has taken nothing', async () => {
      const a = make().lock();
      const other = second(kind, a);
      await a.acquire();
      const ac = new AbortController();
      const w = other.acquire({ signal: ac.signal });
      ac.abort(new Error('stop'));
      await expect(w).rejects.toThrow('stop');
      await a.release();
      expect(await other.acquire({ block: false })).toBe(true);
      await other.release();
      await expect(a.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('Lock: withLock releases after fn, also when fn throws; ERR_TIMEOUT when not acquired', async () => {
      const a = make().lock();
      const other = second(kind, a);
      expect(await a.withLock(async () => 7)).toBe(7);
      await expect(a.withLock(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await a.locked()).toBe(false);
      await other.acquire();
      await expect(a.withLock(() => 1, { timeout: 30 })).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
      await other.release();
    });

    it('Semaphore: counts, getValue, release(n), a waiter gets a freed count', async () => {
      const s = make().sem(2);
      expect(await s.acquire()).toBe(true);
      expect(await s.acquire()).toBe(true);
      expect(await s.getValue()).toBe(0);
      expect(await s.locked()).toBe(true);
      expect(await s.acquire({ block: false })).toBe(false);
      const w = s.acquire({ timeout: 20_000 });
      await s.release();
      expect(await w).toBe(true);
      await s.release(2);
      expect(await s.getValue()).toBe(2);
    });

    it('Event: set wakes waiters; clear; wait times out with false', async () => {
      const e = make().event();
      const other = second(kind, e);
      expect(await e.isSet()).toBe(false);
      expect(await e.wait({ timeout: 30 })).toBe(false);
      const ws = [other.wait({ timeout: 20_000 }), e.wait({ timeout: 20_000 })];
      await new Promise((r) => setTimeout(r, 50));
      await e.set();
      expect(await Promise.all(ws)).toEqual([true, true]);
      expect(await other.isSet()).toBe(true);
      expect(await e.wait()).toBe(true);
      await e.clear();
      expect(await e.isSet()).toBe(false);
      const ac = new AbortController();
      const w = e.wait({ signal: ac.signal });
      ac.abort();
      await expect(w).rejects.toMatchObject({ name: 'AbortError' });
    });
  });
}
