// procsync/redis under faults, with real processes and a real redis-server: 8 contending
// processes, a server paused (SIGSTOP) for longer than a lease, a server killed and restarted
// without its data. Outcomes and orderings only: no assertion on how long anything took.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { connect } from 'procsync/redis';
import { expectOk, startChild, until } from './helpers/children';
import { startRedis, RedisServer } from './helpers/redis';

let server: RedisServer;
let dir: string;
beforeEach(async () => {
  server = await startRedis();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-redis-log-'));
});
afterEach(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Line {
  token: bigint;
  pid: number;
  what: 'start' | 'act' | 'end';
}
function readLog(file: string): Line[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [t, pid, what] = l.split(' ');
      return { token: BigInt(t), pid: Number(pid), what: what as Line['what'] };
    });
}
type Counted = { done: number; unavailable: number; lost: number };

describe('procsync/redis faults', () => {
  it('8 processes on one Lock: the counter in Redis is exact, sections never overlap, tokens strictly rise', async () => {
    const log = path.join(dir, 'log');
    const N = 8;
    const per = 25;
    const kids = Array.from({ length: N }, () =>
      startChild<Counted>('redis.js', 'counter', [server.url, 'f:', 'c8', per, log, 10_000, 1], { timeoutMs: 60_000 }),
    );
    const results = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    expect(results.map((r) => r.done)).toEqual(Array(N).fill(per));
    expect(Number(server.cli('GET', 'f:counter'))).toBe(N * per);
    const lines = readLog(log);
    expect(lines.length).toBe(N * per * 3);
    for (let i = 0; i < lines.length; i += 3) {
      const [s, a, e] = lines.slice(i, i + 3);
      expect([s.what, a.what, e.what]).toEqual(['start', 'act', 'end']);
      expect(a.token).toBe(s.token);
      expect(e.token).toBe(s.token);
      expect(a.pid).toBe(s.pid);
      if (i > 0) expect(s.token > lines[i - 3].token).toBe(true);
    }
  });

  it('server paused (SIGSTOP) longer than a lease: holders are told, and nobody acts under an older token after a newer one', async () => {
    const log = path.join(dir, 'log');
    const remote = await connect(server.url, { prefix: 'f:', commandTimeout: 20_000 });
    const kids = Array.from({ length: 3 }, () =>
      startChild<Counted>('redis.js', 'counter', [server.url, 'f:', 'p', 30, log, 1000, 3], { timeoutMs: 60_000 }),
    );
    await Promise.all(kids.map((k) => k.message()));
    // This process holds it too, when the server stops (then it is certain that a holder loses).
    const mine = remote.Lock('p', { lease: 1000 });
    await mine.acquire({ timeout: 30_000 });
    const myToken = mine.token!;
    const lost: string[] = [];
    mine.onLost((e) => lost.push(e.code));
    server.pause();
    try {
      await until(() => lost.length > 0, 20_000, 'the lease loss to be reported while the server is stopped');
    } finally {
      server.resume();
    }
    await expect(mine.release()).rejects.toMatchObject({ code: 'ERR_LOCK_LOST' });
    const results = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    expect(results.map((r) => r.done)).toEqual([30, 30, 30]);
    const lines = readLog(log);
    // One token, one holder; in the order things were done, tokens never go back.
    const owner = new Map<bigint, number>();
    let last = 0n;
    for (const l of lines) {
      if (owner.has(l.token)) expect(owner.get(l.token)).toBe(l.pid);
      owner.set(l.token, l.pid);
      if (l.what === 'act') {
        expect(l.token >= last).toBe(true);
        last = l.token;
      }
    }
    expect(lines.some((l) => l.token > myToken)).toBe(true);
    await remote.close();
  });

  it('server killed and restarted without its data: ERR_BACKEND_UNAVAILABLE while down, works after, tokens still rise', async () => {
    const log = path.join(dir, 'log');
    const remote = await connect(server.url, { prefix: 'f:' });
    const lock = remote.Lock('r', { lease: 2000 });
    await lock.acquire();
    const before = lock.token!;
    await lock.release();
    const kids = Array.from({ length: 8 }, () =>
      startChild<Counted>('redis.js', 'counter', [server.url, 'f:', 'r', 40, log, 2000, 1], { timeoutMs: 90_000 }),
    );
    await Promise.all(kids.map((k) => k.message()));
    // A key no process writes shows whether the data survived: the lock's own keys do not, since
    // the children reconnect on their own and may take the lock again before this test looks.
    server.cli('SET', 'f:marker', '1');
    await server.kill();
    await expect(lock.acquire({ timeout: 1000 })).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    await expect(remote.Event('e').isSet()).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    await server.start();
    expect(server.cli('EXISTS', 'f:marker')).toBe('0'); // the data is gone
    // The client reconnects by itself; then calls work again.
    await until(() => remote.conn.client.status === 'ready', 20_000, 'the client to reconnect');
    expect(await lock.acquire({ timeout: 30_000 })).toBe(true);
    expect(lock.token! > before).toBe(true);
    await lock.release();
    const results = (await Promise.all(kids.map((k) => k.done))).map(expectOk);
    expect(results.map((r) => r.done)).toEqual(Array(8).fill(40));
    // Each process saw strictly rising tokens, also from before the restart to after it.
    const lines = readLog(log).filter((l) => l.what === 'start');
    const byPid = new Map<number, bigint[]>();
    for (const l of lines) byPid.set(l.pid, [...(byPid.get(l.pid) ?? []), l.token]);
    expect(byPid.size).toBe(8);
    for (const toks of byPid.values()) for (let i = 1; i < toks.length; i++) expect(toks[i] > toks[i - 1]).toBe(true);
    expect(new Set(lines.map((l) => l.token)).size).toBe(lines.length);
    await remote.close();
  });
});
