// Segment lifetime: create-or-open races, close/exit/GC/SIGKILL cleanup, sweep, persistent,
// corrupt segments. Asserts on /dev/shm itself.
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Lock, RLock, Semaphore, Event, RawValue, Value, open, unlink, sweep, serialize, deserialize, listSegments } from 'procsync';
import { startChild, runChild, uniqueName, until, expectOk } from './helpers/children';
import { segmentPath, backend } from './helpers/segment-path';

const shm = (name: string) => segmentPath(name);
const exists = (name: string) => fs.existsSync(shm(name));

describe('lifetime', () => {
  it('many processes doing new Lock({ name }) at once: one creates, all share it', async () => {
    const name = uniqueName('race');
    const N = 8;
    const PER = 100;
    const count = new RawValue('i', 0, { name: `${name}.count` });
    const kids = Array.from({ length: N }, () => startChild<{ name: string; inodes: string[] }>('locks.js', 'createOrOpen', [name, 'Lock', PER]));
    await new Promise((r) => setTimeout(r, 300));
    for (const k of kids) k.send('go');
    for (const k of kids) expect(await k.message()).toBe('ready');
    // One segment for the name, and every process has mapped that one.
    expect(listSegments().filter((s) => s.name === name)).toHaveLength(1);
    const ino = String(fs.statSync(shm(name)).ino);
    for (const k of kids) k.send('count');
    const results = await Promise.all(kids.map((k) => k.done));
    for (const r of results) {
      expect(r.code, r.stderr + r.error?.stack).toBe(0);
      expect(r.result!.name).toBe(name);
      expect(r.result!.inodes).toContain(ino);
    }
    // Contended read-modify-write increments (a yield inside each critical section): exact
    // only if all of them excluded each other through one lock.
    expect(count.value).toBe(N * PER);
    count.close();
    await until(() => !exists(name) && !exists(`${name}.count`), 5000, 'segments removed');
  });

  it('the last close() removes the segment; earlier closes do not', () => {
    const name = uniqueName('close');
    const a = new Lock({ name });
    const b = Lock.open(name);
    expect(exists(name)).toBe(true);
    a.close();
    expect(exists(name)).toBe(true);
    b.acquireSync();
    b.release();
    b.close();
    expect(exists(name)).toBe(false);
    a.close(); // idempotent
  });

  // linux: a thread's handles of one segment share one file description (its flock and its
  // user lock, platform/linux/segment.cc): 10,000 segments used to take 20,000 fds (EMFILE).
  // Counted by inode: a creator's fd and mapping name the unnamed (or temporary) file it linked
  // into place ("/dev/shm/#<inode> (deleted)").
  it.skipIf(backend !== 'linux')('one fd per segment per thread, however many handles; close() unmaps at once', () => {
    const names = Array.from({ length: 20 }, (_, i) => uniqueName(`fd${i}`));
    const a = names.map((name) => new Lock({ name }));
    const inodes = new Set(names.map((n) => fs.statSync(shm(n)).ino));
    const fds = () =>
      fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return inodes.has(fs.fstatSync(Number(fd)).ino);
        } catch {
          return false; // the directory's own fd, or one closed meanwhile
        }
      }).length;
    const mapped = () =>
      fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
        .filter((l) => l.includes('/dev/shm/') && inodes.has(Number(l.split(/\s+/)[4]))).length;
    expect(fds()).toBe(20);
    const b = names.map((name) => Lock.open(name));
    expect(fds()).toBe(20);
    expect(mapped()).toBe(40);
    b[0].acquireSync();
    for (const l of a) l.close();
    expect(fds()).toBe(20); // b's handles still hold the segments (and b[0] its lock)
    expect(mapped()).toBe(20);
    expect(names.every(exists)).toBe(true);
    expect(b[0].locked()).toBe(true);
    b[0].release();
    for (const l of b) l.close();
    expect(fds()).toBe(0);
    expect(mapped()).toBe(0);
    expect(names.some(exists)).toBe(false);
  });

  // linux: a creator builds the segment as an unnamed file (O_TMPFILE) and links it into place;
  // with PROCSYNC_TMPFILE=0 (or without O_TMPFILE or /proc) under a temporary name. Either way
  // another process opens a whole segment, and nothing is left behind.
  it.skipIf(backend !== 'linux')('a segment is built unnamed, or under a temporary name, and published whole', async () => {
    const ways: [NodeJS.ProcessEnv, RegExp][] = [
      [{}, /^\/dev\/shm\/#\d+ \(deleted\)$/],
      [{ PROCSYNC_TMPFILE: '0' }, /^\/dev\/shm\/procsync\.~\d+~\d+~\d+ \(deleted\)$/],
    ];
    for (const [env, shown] of ways) {
      const name = uniqueName('built');
      const child = startChild<void>('locks.js', 'createShowMapping', [name], { env });
      const { mapped } = (await child.message()) as { mapped: string };
      expect(mapped).toMatch(shown);
      const l = Lock.open(name);
      l.acquireSync();
      l.release();
      l.close();
      child.send('close');
      expectOk(await child.done);
      expect(exists(name)).toBe(false);
      expect(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`procsync.~${child.pid}~`))).toEqual([]);
    }
  });

  // linux: the thread's last handle gives its flock up while an in-flight wait keeps its
  // identity (and description); a handle opened again meanwhile must take the flock back, or
  // another user's close would find the segment unheld and remove it under that handle.
  it.skipIf(backend !== 'linux')('a handle opened while a closed handle\'s wait is in flight holds the segment', async () => {
    const dist = path.join(__dirname, '..', 'dist');
    const n = require(path.join(dist, 'core', 'native.js')).native;
    const { layout } = require(path.join(dist, 'core', 'layout.js'));
    const name = uniqueName('reclaim');
    const l = new Lock({ name });
    const w = new Worker(
      `const { parentPort, workerData } = require('worker_threads');
       const { Lock } = require(workerData.root);
       const l = Lock.open(workerData.name);
       l.acquireSync();
       parentPort.postMessage('held');
       parentPort.once('message', () => { l.release(); l.close(); parentPort.postMessage('closed'); });`,
      { eval: true, workerData: { root: path.join(__dirname, '..'), name } },
    );
    const next = () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message from the worker in 10 s')), 10_000);
        w.once('message', (m) => { clearTimeout(t); resolve(m); });
      });
    try {
      expect(await next()).toBe('held');
      const b = n.open({ name, kind: 0, how: 1 });
      let code: number | undefined;
      n.lockAcquire(b.info().handle, b.info().stateOffset + 4 * layout.lock.ownerWord, 10_000, (c: number) => { code = c; });
      b.close();
      l.close(); // every handle of this thread is closed; the wait keeps the identity
      const c = Lock.open(name);
      const closed = next();
      w.postMessage('go');
      expect(await closed).toBe('closed');
      expect(exists(name)).toBe(true); // held by c
      await until(() => code !== undefined, 10_000, 'the in-flight wait ends');
      if (c.locked()) c.release();
      c.close();
      expect(exists(name)).toBe(false);
    } finally {
      await w.terminate();
    }
  });

  it('[Symbol.dispose]() closes', () => {
    const l = new Lock();
    l[Symbol.dispose]();
    expect(exists(l.name)).toBe(false);
    expect(() => l.locked()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });

  it('a process that exits (naturally or by process.exit) without closing leaves nothing', async () => {
    const n1 = uniqueName('exit1');
    const n2 = uniqueName('exit2');
    await runChild('locks.js', 'openAndExit', [n1, 'return']);
    await startChild('locks.js', 'openAndExit', [n2, 'exit']).done;
    expect(exists(n1)).toBe(false);
    expect(exists(n2)).toBe(false);
  });

  it('SIGKILL of every user leaves the segment unheld; the next load (sweep) removes it', async () => {
    // Unheld: checked on a persistent segment, which no process that loads procsync meanwhile
    // (a child of another test file) may sweep away before we look.
    const kept = uniqueName('killp');
    const holder = startChild('locks.js', 'openPersistentAndHang', [kept]);
    expect(await holder.message()).toBe('open');
    expect(listSegments().find((s) => s.name === kept)).toMatchObject({ held: true });
    holder.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');
    expect(listSegments().find((s) => s.name === kept)).toMatchObject({ held: false });
    expect(unlink(kept)).toBe(true);

    // Removed: the next process that loads procsync sweeps the unheld segment.
    const name = uniqueName('kill');
    const kid = startChild('locks.js', 'openAndHang', [name]);
    expect(await kid.message()).toBe('open');
    expect(exists(name)).toBe(true);
    kid.kill('SIGKILL');
    expect((await kid.done).signal).toBe('SIGKILL');
    await runChild('locks.js', 'loadOnly', []);
    expect(exists(name)).toBe(false);
  });

  it('sweep() leaves segments that a live process holds', async () => {
    const name = uniqueName('held');
    const kid = startChild('locks.js', 'openAndHang', [name]);
    expect(await kid.message()).toBe('open');
    sweep();
    expect(exists(name)).toBe(true);
    const l = Lock.open(name);
    kid.kill('SIGKILL');
    await kid.done;
    l.close();
    expect(exists(name)).toBe(false);
  });

  it('a garbage-collected primitive gives up its segment', async () => {
    const r = await startChild('gc.js', 'gcDrops', [], { execArgv: ['--expose-gc'] }).done;
    expect(r.result).toBe(true);
  });

  it('persistent primitives survive their last user until unlink(name)', async () => {
    const name = uniqueName('persist');
    const sem = new Semaphore(3, { name, persistent: true });
    sem.acquireSync();
    sem.close();
    expect(exists(name)).toBe(true);
    sweep();
    expect(exists(name)).toBe(true);
    const again = Semaphore.open(name);
    expect(again.getValue()).toBe(2);
    again.close();
    expect(unlink(name)).toBe(true);
    expect(exists(name)).toBe(false);
    expect(unlink(name)).toBe(false);
  });

  it('open(name) returns the class the name holds; X.open checks the kind', () => {
    const ev = new Event();
    const r = new RLock();
    const a = open(ev.name);
    expect(a.kind).toBe('Event');
    expect(a).toBeInstanceOf(Event);
    expect(open(r.name)).toBeInstanceOf(RLock);
    expect(() => Lock.open(ev.name)).toThrow(expect.objectContaining({ code: 'ERR_KIND_MISMATCH' }));
    expect(() => Lock.open(uniqueName('absent'))).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
    expect(() => open(uniqueName('absent'))).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
    for (const p of [ev, r, a]) p.close();
    open(r.name).close();
    r.close();
  });

  it('serialize / deserialize / JSON.stringify give markers that reopen the same primitives', () => {
    const l = new Lock();
    const v = new Value('i', 7);
    const marker = JSON.parse(JSON.stringify({ l, nested: [{ v }] }));
    expect(marker.l).toEqual({ $procsync: 'Lock', name: l.name });
    expect(serialize({ l })).toEqual({ l: { $procsync: 'Lock', name: l.name } });
    const back = deserialize<{ l: Lock; nested: { v: Value }[] }>(marker);
    expect(back.l).toBeInstanceOf(Lock);
    expect(back.nested[0].v.value).toBe(7);
    back.l.acquireSync();
    expect(l.locked()).toBe(true);
    back.l.release();
    for (const p of [l, v, back.l, back.nested[0].v]) p.close();
  });

  it('a segment whose header is not ours is ERR_CORRUPT, never a crash', () => {
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['short', Buffer.from('garbage')],
      ['random', Buffer.from(Array.from({ length: 384 }, (_, i) => (i * 37) & 255))],
    ];
    // A valid header with one field broken at a time.
    const good = new Lock();
    const img = fs.readFileSync(shm(good.name));
    good.close();
    const broken = (off: number, v: number) => {
      const b = Buffer.from(img);
      b.writeUInt32LE(v, off);
      return b;
    };
    cases.push(['kind', broken(8, 99)], ['version', broken(4, 7)], ['size', broken(16, 999)],
      ['params', broken(24, 5)], ['flags', broken(12, 0x80)], ['init', broken(60, 0)],
      ['statesize', broken(40, 8)], ['linkkind', broken(44, 3)]);
    for (const [tag, bytes] of cases) {
      const name = uniqueName(`corrupt-${tag}`);
      fs.writeFileSync(shm(name), bytes, { mode: 0o600 });
      try {
        expect(() => Lock.open(name), tag).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
        expect(() => new Lock({ name }), tag).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
        expect(() => open(name), tag).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
      } finally {
        fs.rmSync(shm(name), { force: true });
      }
    }
  });

  it('mode sets the permission bits of a new primitive (default 0o600)', () => {
    const a = new Lock();
    const b = new Lock({ name: uniqueName('mode'), mode: 0o640 });
    expect(fs.statSync(shm(a.name)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(shm(b.name)).mode & 0o777).toBe(0o640);
    a.close();
    b.close();
  });
});
