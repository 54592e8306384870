// procsync/redis only: leases, loss, fencing tokens, FIFO, RWLock, Event, Web Locks, connection
// handling and packaging — real processes on a real redis-server started for this file.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { hostname } from 'os';
import * as path from 'path';
import { Redis } from 'ioredis';
import { connect, ProcsyncError } from 'procsync/redis';
import { startChild } from './helpers/children';
import { startRedis, RedisServer } from './helpers/redis';
import { WAITER_TTL_MS } from '../lib/redis/constants';
import { ACQUIRE, RELEASE } from '../lib/redis/scripts';

const root = path.join(__dirname, '..');
let server: RedisServer;
let remote: Awaited<ReturnType<typeof connect>>;
let seq = 0;
const uniq = (s: string) => `${s}${++seq}`;

beforeAll(async () => {
  server = await startRedis();
  remote = await connect(server.url, { prefix: 'rt:' });
});
afterAll(async () => {
  await remote?.close();
  await server?.stop();
});

/** The commands `r`'s own connection sent while `fn` ran (every one goes through sendCommand;
 * the wake loop's BLPOPs use another connection). fn may add markers to the list. */
async function commandsSent(r: typeof remote, fn: (sent: string[]) => Promise<void>): Promise<string[]> {
  const c = r.conn.client as unknown as { sendCommand(cmd: { name: string }): unknown };
  const sent: string[] = [];
  const orig = c.sendCommand;
  c.sendCommand = function (cmd) {
    sent.push(cmd.name);
    return orig.call(this, cmd);
  };
  try {
    await fn(sent);
  } finally {
    c.sendCommand = orig;
  }
  return sent;
}

/** Until the sorted set `key` has `n` members (waiters in a queue): bounded, so that a waiter
 * that never queues fails the test instead of hanging it. */
async function queued(key: string, n: number): Promise<void> {
  const end = Date.now() + 20_000;
  while ((await remote.conn.client.zcard(key)) < n) {
    if (Date.now() > end) throw new Error(`${key}: fewer than ${n} waiters after 20 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Takes resource R's lock (exclusive) as a holder outside the library, through the ACQUIRE
 * script itself (the remote part of its id names nobody's wake list); its fencing token. */
async function holdOutside(R: string): Promise<bigint> {
  const a = (await remote.conn.client.eval(ACQUIRE, 0, R, 'nobody|1', 'x', 0, 10_000, 1, WAITER_TTL_MS, 'rt:inbox:', 60_000, 0, '', '')) as [number, string];
  expect(a[0]).toBe(1);
  return BigInt(a[1]);
}
/** RELEASE's ARGV for that holder. */
const outsiderRelease = (R: string): (string | number)[] => [R, 'nobody|1', 0, 'rt:inbox:', 60_000];

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

describe('procsync/redis: Lock', () => {
  it('fencing tokens rise strictly per name across clients; token is null when not held', async () => {
    const other = await connect(server.url, { prefix: 'rt:' });
    const name = uniq('tok');
    const a = remote.Lock(name);
    const b = other.Lock(name);
    expect(a.token).toBe(null);
    const seen: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      for (const l of [a, b]) {
        await l.acquire();
        seen.push(l.token!);
        await l.release();
        expect(l.token).toBe(null);
      }
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i] > seen[i - 1]).toBe(true);
    await other.close();
  });

  it('one server round trip per uncontended acquire and one per release', async () => {
    const name = uniq('rt');
    const l = remote.Lock(name);
    await l.acquire(); // the wake loop's first BLPOP (its own connection) is not counted below
    await l.release();
    const sent = await commandsSent(remote, async (sent) => {
      await l.acquire();
      sent.push('|');
      await l.release();
    });
    expect(sent).toEqual(['evalsha', '|', 'evalsha']);
  });

  it('a contended hand-off costs the waiter no request: the release grants it', async () => {
    const other = await connect(server.url, { prefix: 'rt:' });
    const name = uniq('handoff');
    const a = remote.Lock(name);
    const b = other.Lock(name);
    await a.acquire();
    const sent = await commandsSent(other, async (sent) => {
      const got = b.acquire({ timeout: 20_000 });
      await queued(`rt:lock:${name}:q`, 1);
      const held = a.token!;
      sent.push('|');
      await a.release();
      expect(await got).toBe(true);
      expect(b.token).toBe(held + 1n);
    });
    // The EVALSHA that queued (a heartbeat may have repeated it on a slow machine); from the
    // release on, none: the grant came with the release, on the wake list.
    expect(sent[0]).toBe('evalsha');
    expect(sent.slice(sent.indexOf('|'))).toEqual(['|']);
    await b.release();
    await other.close();
  });

  it('a grant whose message is lost is picked up by the waiter’s heartbeat', async () => {
    const other = await connect(server.url, { prefix: 'rt:' });
    const name = uniq('lostgrant');
    const R = `rt:lock:${name}`;
    const c = remote.conn.client;
    const held = await holdOutside(R);
    const b = other.Lock(name);
    const got = b.acquire({ timeout: 20_000 });
    await queued(`${R}:q`, 1);
    // The release grants b and tells it on its wake list; the DEL in the same transaction takes
    // the message away before the server serves b's BLPOP (it does so after EXEC).
    const wakeList = (other as unknown as { inbox: { key: string } }).inbox.key;
    const res = await c.multi().eval(RELEASE, 0, ...outsiderRelease(R)).del(wakeList).exec();
    expect(res).toEqual([[null, 1], [null, 1]]);
    expect(await got).toBe(true);
    expect(b.token).toBe(held + 1n);
    await b.release();
    await other.close();
  });

  it('a waiter queued by an older client (its queue entry holds the mode only) is granted for its place', async () => {
    const name = uniq('oldwaiter');
    const R = `rt:lock:${name}`;
    const c = remote.conn.client;
    const held = await holdOutside(R);
    const [sec] = await c.time();
    const placeEnd = Number(sec) * 1000 + 3000;
    await c.multi().zadd(`${R}:q`, 1, 'old|1').zadd(`${R}:qx`, placeEnd, 'old|1').hset(`${R}:qm`, 'old|1', 'x').exec();
    expect(await c.eval(RELEASE, 0, ...outsiderRelease(R))).toBe(1);
    expect(await c.zscore(`${R}:h`, 'old|1')).toBe(String(placeEnd));
    expect(await c.hget(`${R}:hm`, 'old|1')).toBe(`x:${held + 1n}`);
    await c.del(`${R}:h`, `${R}:hm`, 'rt:inbox:old');
  });

  it('a queue entry that is not whole (an edited key) is dropped by the release, and the waiter behind it granted', async () => {
    const other = await connect(server.url, { prefix: 'rt:' });
    const name = uniq('badentry');
    const R = `rt:lock:${name}`;
    const c = remote.conn.client;
    const held = await holdOutside(R);
    const b = other.Lock(name);
    const got = b.acquire({ timeout: 20_000 });
    await queued(`${R}:q`, 1);
    // Ahead of b: an entry with no mode, and one with no place.
    const [sec] = await c.time();
    await c.multi()
      .zadd(`${R}:q`, 0, 'nomode|1').zadd(`${R}:qx`, Number(sec) * 1000 + 60_000, 'nomode|1')
      .zadd(`${R}:q`, 0, 'noplace|1').hset(`${R}:qm`, 'noplace|1', 'x10000')
      .exec();
    expect(await c.eval(RELEASE, 0, ...outsiderRelease(R))).toBe(1);
    expect(await got).toBe(true);
    expect(b.token).toBe(held + 1n);
    expect(await c.zcard(`${R}:q`)).toBe(0);
    expect(await c.hlen(`${R}:qm`)).toBe(0);
    await b.release();
    await other.close();
  });

  it('a waiter killed while queued is granted in its turn, and its grant lapses soon for the next', async () => {
    const name = uniq('deadwaiter');
    const a = remote.Lock(name);
    await a.acquire();
    const q = `rt:lock:${name}:q`;
    const child = startChild('redis.js', 'queueForever', [server.url, 'rt:', name]);
    await child.message();
    await queued(q, 1);
    child.kill('SIGKILL');
    await child.done;
    const other = await connect(server.url, { prefix: 'rt:' });
    const c = other.Lock(name);
    const got = c.acquire({ timeout: 20_000 });
    await queued(q, 2);
    const held = a.token!;
    await a.release();
    // The dead waiter was first: it holds now, for no longer than its place in the queue would
    // have lasted (WAITER_TTL_MS), far less than the 10 s lease; then it took the next token.
    const [, end] = await remote.conn.client.zrange(`rt:lock:${name}:h`, 0, -1, 'WITHSCORES');
    const [sec, usec] = await remote.conn.client.time();
    expect(Number(end) - (Number(sec) * 1000 + Number(usec) / 1000)).toBeLessThanOrEqual(WAITER_TTL_MS);
    expect(await got).toBe(true);
    expect(c.token).toBe(held + 2n);
    await c.release();
    await other.close();
  });

  it('a held lease is renewed: held across several leases, a waiter meanwhile times out', async () => {
    const name = uniq('renew');
    const a = remote.Lock(name, { lease: 1000 });
    await a.acquire();
    const other = await connect(server.url, { prefix: 'rt:' });
    expect(await other.Lock(name).acquire({ timeout: 3500 })).toBe(false);
    await a.release(); // not ERR_LOCK_LOST
    await other.close();
  });

  it('a stalled event loop loses the lease: onLost, release → ERR_LOCK_LOST, the next holder has a higher token', async () => {
    const name = uniq('stall');
    const a = remote.Lock(name, { lease: 300 });
    const lost: string[] = [];
    a.onLost((e) => lost.push(e.code));
    await a.acquire();
    const t1 = a.token!;
    busy(1000); // no renewal can run
    await new Promise((r) => setTimeout(r, 10));
    expect(lost).toEqual(['ERR_LOCK_LOST']);
    expect(a.token).toBe(null);
    await expect(a.release()).rejects.toMatchObject({ code: 'ERR_LOCK_LOST' });
    await expect(a.release()).rejects.toMatchObject({ code: 'ERR_RELEASED_TOO_MANY_TIMES' });
    const b = remote.Lock(name);
    expect(await b.acquire({ timeout: 5000 })).toBe(true);
    expect(b.token! > t1).toBe(true);
    await b.release();
  });

  it('a holder process whose event loop is paused is told (signal, onLost, withLock) while another process takes over', async () => {
    const name = uniq('pause');
    const child = startChild('redis.js', 'holdAndStall', [server.url, 'rt:', name, 600, 2500]);
    const { token } = (await child.message()) as { token: string };
    child.send('stall');
    const b = remote.Lock(name);
    expect(await b.acquire({ timeout: 20_000 })).toBe(true);
    expect(b.token! > BigInt(token)).toBe(true);
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.result).toMatchObject({ withLock: 'ERR_LOCK_LOST', lost: ['ERR_LOCK_LOST'], signalReason: 'ERR_LOCK_LOST', abortedAfterStall: true });
    await b.release();
  });

  it('a SIGKILLed holder’s lock is free once its lease runs out', async () => {
    const name = uniq('kill');
    const child = startChild('redis.js', 'holdForever', [server.url, 'rt:', name, 800]);
    const { token } = (await child.message()) as { token: string };
    const b = remote.Lock(name);
    expect(await b.acquire({ block: false })).toBe(false);
    child.kill('SIGKILL');
    await child.done;
    expect(await b.acquire({ timeout: 20_000 })).toBe(true);
    expect(b.token! > BigInt(token)).toBe(true);
    await b.release();
  });

  it('waiters are granted in order of arrival (FIFO), across clients', async () => {
    const name = uniq('fifo');
    const a = remote.Lock(name);
    await a.acquire();
    const clients = await Promise.all([1, 2, 3].map(() => connect(server.url, { prefix: 'rt:' })));
    const order: number[] = [];
    const waits: Promise<void>[] = [];
    for (const [i, c] of clients.entries()) {
      const l = c.Lock(name);
      waits.push(l.acquire({ timeout: 20_000 }).then(async () => {
        order.push(i);
        await l.release();
      }));
      // In the queue before the next one asks (its place is the outcome of its first call).
      await queued(`rt:lock:${name}:q`, i + 1);
    }
    await a.release();
    await Promise.all(waits);
    expect(order).toEqual([0, 1, 2]);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('withLock gives fn the token and a signal; close() rejects pending waits with ERR_CLOSED', async () => {
    const name = uniq('ctx');
    const c = await connect(server.url, { prefix: 'rt:' });
    const l = c.Lock(name);
    const ctx = await l.withLock(async (x) => x);
    expect(typeof ctx.token).toBe('bigint');
    expect(ctx.signal.aborted).toBe(false);
    await remote.Lock(name).acquire();
    const w = c.Lock(name).acquire();
    await c.close();
    await expect(w).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(l.acquire()).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => c.Lock('x')).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});

describe('procsync/redis: Semaphore, RWLock, Event', () => {
  it('Semaphore: value mismatch is ERR_PARAMS_MISMATCH; counts carry no token; release beyond what is held fails', async () => {
    const name = uniq('sem');
    const s = remote.Semaphore(name, 3);
    expect(await s.acquire()).toBe(true);
    expect(s.token).toBe(null);
    await expect(remote.Semaphore(name, 2).acquire()).rejects.toMatchObject({ code: 'ERR_PARAMS_MISMATCH' });
    await expect(s.release(2)).rejects.toMatchObject({ code: 'ERR_RELEASED_TOO_MANY_TIMES' });
    expect(await s.getValue()).toBe(2);
    await s.release();
    expect(await s.getValue()).toBe(3);
    expect(() => remote.Semaphore(name, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  it('RWLock: readers share; a reader queues behind a waiting writer; waiting readers enter together', async () => {
    const name = uniq('rw');
    const rw = remote.RWLock(name);
    expect(await rw.read.acquire()).toBe(true);
    expect(await rw.read.acquire()).toBe(true);
    expect(await rw.readers()).toBe(2);
    expect(await rw.read.locked()).toBe(false);
    expect(await rw.write.locked()).toBe(true);
    const events: string[] = [];
    const w = rw.write.acquire({ timeout: 20_000 }).then(() => events.push('writer'));
    await queued(`rt:rw:${name}:q`, 1);
    // A reader arriving now waits behind the writer (writers never starve).
    expect(await rw.read.acquire({ block: false })).toBe(false);
    const r1 = rw.read.acquire({ timeout: 20_000 }).then(() => events.push('reader'));
    const r2 = rw.read.acquire({ timeout: 20_000 }).then(() => events.push('reader'));
    await queued(`rt:rw:${name}:q`, 3);
    await rw.read.release();
    await rw.read.release();
    await w;
    expect(rw.write.token).not.toBe(null);
    expect(await rw.read.locked()).toBe(true);
    await rw.write.release();
    await Promise.all([r1, r2]);
    expect(events).toEqual(['writer', 'reader', 'reader']);
    expect(await rw.readers()).toBe(2);
    expect(rw.read.token).toBe(null);
    await rw.read.release();
    await rw.read.release();
  });

  it('Event: true when set while waiting, even if cleared again before the waiter looked', async () => {
    const e = remote.Event(uniq('ev'));
    const other = await connect(server.url, { prefix: 'rt:' });
    const w = e.wait({ timeout: 20_000 });
    await queued(`rt:event:${e.name}:w`, 1);
    const oe = other.Event(e.name);
    await Promise.all([oe.set(), oe.clear()]);
    expect(await w).toBe(true);
    expect(await e.isSet()).toBe(false);
    await other.close();
  });
});

describe('procsync/redis: locks (Web Locks)', () => {
  it('exclusive in order; shared requests at the head granted together; ifAvailable gives null', async () => {
    const name = uniq('wl');
    const order: string[] = [];
    let release!: () => void;
    const first = remote.locks.request(name, async (l) => {
      order.push(`x1:${l!.mode}`);
      await new Promise<void>((r) => (release = r));
    });
    while (!release) await new Promise((r) => setTimeout(r, 5));
    expect(await remote.locks.request(name, { ifAvailable: true }, (l) => l)).toBe(null);
    let sharedTogether = 0;
    let releaseShared!: () => void;
    const gate = new Promise<void>((r) => (releaseShared = r));
    const s1 = remote.locks.request(name, { mode: 'shared' }, async () => {
      order.push('s');
      if (++sharedTogether === 2) releaseShared();
      await gate;
    });
    const s2 = remote.locks.request(name, { mode: 'shared' }, async () => {
      order.push('s');
      if (++sharedTogether === 2) releaseShared();
      await gate;
    });
    const x2 = remote.locks.request(name, async () => order.push('x2'));
    while ((await remote.locks.query()).pending.filter((p) => p.name === name).length < 3) await new Promise((r) => setTimeout(r, 5));
    const q = await remote.locks.query();
    expect(q.held).toContainEqual({ name, mode: 'exclusive', clientId: `${hostname()}:${process.pid}` });
    expect(q.pending.filter((p) => p.name === name).map((p) => p.mode)).toEqual(['shared', 'shared', 'exclusive']);
    release();
    await Promise.all([first, s1, s2, x2]);
    expect(order).toEqual(['x1:exclusive', 's', 's', 'x2']);
  });

  it('steal: granted at once; the previous holder’s request rejects with AbortError, its callback runs on', async () => {
    const name = uniq('steal');
    let finish!: () => void;
    let callbackEnded = false;
    const victim = remote.locks.request(name, async () => {
      await new Promise<void>((r) => (finish = r));
      callbackEnded = true;
    }).then(() => 'resolved', (e: unknown) => e);
    while (!finish) await new Promise((r) => setTimeout(r, 5));
    const other = await connect(server.url, { prefix: 'rt:' });
    const got = await other.locks.request(name, { steal: true }, (l) => l!.token);
    expect(typeof got).toBe('bigint');
    expect(await victim).toMatchObject({ name: 'AbortError' });
    expect(callbackEnded).toBe(false);
    finish();
    await other.close();
  });

  it('signal aborts a waiting request; spec errors', async () => {
    const name = uniq('sig');
    let release!: () => void;
    const held = remote.locks.request(name, () => new Promise<void>((r) => (release = r)));
    while (!release) await new Promise((r) => setTimeout(r, 5));
    const ac = new AbortController();
    const w = remote.locks.request(name, { signal: ac.signal }, () => 'never');
    ac.abort();
    await expect(w).rejects.toMatchObject({ name: 'AbortError' });
    release();
    await held;
    await expect(remote.locks.request('-x', () => 1)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(remote.locks.request(name, { steal: true, ifAvailable: true }, () => 1)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(remote.locks.request(name, { steal: true, mode: 'shared' }, () => 1)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(remote.locks.request(name, { signal: ac.signal, ifAvailable: true }, () => 1)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(remote.locks.request(name, { mode: 'weird' as 'shared' }, () => 1)).rejects.toBeInstanceOf(TypeError);
    await expect((remote.locks.request as (n: string) => Promise<unknown>)(name)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('procsync/redis: connection and packaging', () => {
  it('connect to a server that is not there → ERR_BACKEND_UNAVAILABLE; a client passed in stays open', async () => {
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    const e = await connect(url, { commandTimeout: 2000 }).catch((x) => x);
    expect(e).toBeInstanceOf(ProcsyncError);
    expect(e.code).toBe('ERR_BACKEND_UNAVAILABLE');
    const mine = new Redis(server.url);
    const r = await connect(mine, { prefix: 'rt:' });
    await r.Lock(uniq('own')).withLock(() => 1);
    await r.close();
    expect(await mine.ping()).toBe('PONG');
    mine.disconnect();
  });

  it('the main entry does not load the Redis client; procsync/redis says how to install it when absent', () => {
    const loaded = execFileSync(process.execPath, ['-e', `
      require('procsync');
      console.log(Object.keys(require.cache).some((k) => k.includes('/node_modules/ioredis/')));`], { cwd: root, encoding: 'utf8' });
    expect(loaded.trim()).toBe('false');
    // ioredis made unresolvable, as when it is not installed.
    const out = execFileSync(process.execPath, ['-e', `
      const M = require('module');
      const orig = M._resolveFilename;
      M._resolveFilename = function (req, ...rest) {
        if (req === 'ioredis') { const e = new Error("Cannot find module 'ioredis'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
        return orig.call(this, req, ...rest);
      };
      require('procsync/redis').connect('redis://127.0.0.1:1').catch((e) => console.log(e.code, e.message));`], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/^ERR_BACKEND_UNAVAILABLE .*npm install ioredis/);
  });

  it('procsync/redis loads from ESM and CommonJS (one ProcsyncError) and ships types', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { connect, ProcsyncError } from 'procsync/redis';
      import { createRequire } from 'module';
      const require = createRequire(import.meta.url);
      console.log(typeof connect, ProcsyncError === require('procsync/redis').ProcsyncError, ProcsyncError === require('procsync').ProcsyncError);`],
      { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('function true true');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const e = pkg.exports['./redis'];
    for (const f of [e.import.types, e.import.default, e.require.types, e.require.default]) expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    expect(pkg.peerDependenciesMeta.ioredis.optional).toBe(true);
  });
});
