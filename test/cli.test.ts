// procsync.inspect / listSegments details and the procsync command (bin/procsync.js), run as a
// real command against primitives held and waited on by child processes.
import { describe, it, expect } from 'vitest';
import { execFile } from 'child_process';
import * as path from 'path';
import { Lock, RWLock, Semaphore, Queue, Value, inspect, listSegments, unlink } from 'procsync';
import { startChild, uniqueName, until } from './helpers/children';
import { useTracked } from './helpers/track';

const track = useTracked();
const BIN = path.join(__dirname, '..', 'bin', 'procsync.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, env: { ...process.env, COLUMNS: '90' } }, (e, out, err) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

describe('procsync.inspect', () => {
  it('kind, users, state, size, age of primitives of this process', () => {
    const before = Date.now();
    const l = track(new Lock({ name: uniqueName('insp') }));
    const s = track(new Semaphore(3, { name: uniqueName('insp') }));
    l.acquireSync();
    const i = inspect(l.name);
    expect(i).toMatchObject({ name: l.name, kind: 'Lock', held: true, persistent: false, users: [process.pid] });
    expect(i.state).toMatchObject({ locked: true, holder: { pid: process.pid } });
    expect(i.bytes).toBeGreaterThan(0);
    expect(i.createdAt).toBeGreaterThanOrEqual(before - 1000);
    expect(i.createdAt).toBeLessThanOrEqual(Date.now() + 1000);
    l.release();
    expect(inspect(l.name).state).toMatchObject({ locked: false, holder: null });
    expect(inspect(s.name).state).toMatchObject({ value: 3 });
    const listed = listSegments().find((x) => x.name === s.name);
    expect(listed).toMatchObject({ kind: 'Semaphore', held: true, users: [process.pid] });
    expect(() => inspect(uniqueName('none'))).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
  });
});

describe('the procsync command', () => {
  it('ls --json and show --json with a 64-bit Value (a bigint) among the segments', async () => {
    const v = track(new Value('q', 2n ** 60n, { name: uniqueName('cli-big') }));
    const ls = await cli('ls', '--json');
    expect(ls.code, ls.err).toBe(0);
    const show = await cli('show', v.name, '--json');
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain(String(2n ** 60n));
  });

  it('usage errors exit 2', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('show')).code).toBe(2);
    expect((await cli('ls', '--bogus')).code).toBe(2);
  });

  it('ls / show / rm against a holder and a waiter in child processes, then a SIGKILLed holder', async () => {
    const lock = track(new Lock({ name: uniqueName('cli') }));
    const rw = track(new RWLock({ name: uniqueName('cli-rw') }));
    const q = track(new Queue({ name: uniqueName('cli-q') }));
    q.putSync({ a: 1 });
    const holder = startChild('locks.js', 'holdLock', [lock]);
    expect(await holder.message()).toBe('held');
    const waiter = startChild<{ ok: boolean }>('locks.js', 'acquireStamp', [lock, true]);
    expect(await waiter.message()).toBe('waiting');
    const reader = startChild('rwlock.js', 'hold', [rw, 'read']);
    expect(await reader.message()).toBe('held');

    const ls = await cli('ls', '--json');
    expect(ls.code, ls.err).toBe(0);
    const list = JSON.parse(ls.out) as { name: string; kind: string; users: number[]; state: Record<string, unknown> }[];
    const mine = list.find((x) => x.name === lock.name)!;
    expect(mine.kind).toBe('Lock');
    expect(mine.users).toEqual(expect.arrayContaining([process.pid, holder.pid, waiter.pid]));
    expect(mine.state).toMatchObject({ locked: true, holder: { pid: holder.pid } });
    expect(list.find((x) => x.name === rw.name)!.state).toMatchObject({ readers: 1 });
    expect(list.find((x) => x.name === q.name)!.state).toMatchObject({ qsize: 1 });

    const table = await cli('ls');
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+USERS\s+AGE\s+SIZE\s+STATE/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(90);
    expect(lines.some((l) => l.includes(lock.name.slice(0, 10)) && /Lock/.test(l))).toBe(true);

    const show = await cli('show', lock.name, '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.out)).toMatchObject({ name: lock.name, kind: 'Lock', state: { holder: { pid: holder.pid } } });
    const text = await cli('show', lock.name);
    expect(text.out).toMatch(new RegExp(`state\\s+locked, holder pid ${holder.pid}`));

    // In use: rm refuses.
    const refused = await cli('rm', lock.name);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/in use/);

    holder.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');
    const w = await waiter.done; // took over from the dead holder
    expect(w.result!.ok).toBe(true);
    const after = JSON.parse((await cli('show', lock.name, '--json')).out);
    expect(after.users).not.toContain(holder.pid);
    expect(after.state).toMatchObject({ locked: false });

    reader.send('release');
    await reader.done;
    expect(JSON.parse((await cli('show', rw.name, '--json')).out).state).toMatchObject({ readers: 0 });
    expect((await cli('show', uniqueName('none'))).code).toBe(1);
    expect((await cli('rm', uniqueName('none'))).code).toBe(1);
  });

  it('holder { pid, threadId }: a Lock and an RWLock held by a worker thread of a child process', async () => {
    const lock = track(new Lock({ name: uniqueName('cli-wt') }));
    const rw = track(new RWLock({ name: uniqueName('cli-wtrw') }));
    lock.acquireSync();
    expect(inspect(lock.name).state).toMatchObject({ holder: { pid: process.pid, threadId: 0 } });
    lock.release();
    const a = startChild('locks.js', 'holdInWorker', [lock.name]);
    const b = startChild('locks.js', 'holdInWorker', [rw.name]);
    const ta = ((await a.message()) as { threadId: number }).threadId;
    const tb = ((await b.message()) as { threadId: number }).threadId;
    expect(ta).toBeGreaterThan(0);
    expect(inspect(lock.name).state).toMatchObject({ locked: true, holder: { pid: a.pid, threadId: ta } });
    expect(inspect(rw.name).state).toMatchObject({ readers: 0, writer: { pid: b.pid, threadId: tb } });
    const show = await cli('show', lock.name, '--json');
    expect(show.code, show.err).toBe(0);
    expect(JSON.parse(show.out).state).toMatchObject({ holder: { pid: a.pid, threadId: ta } });
    const text = await cli('show', rw.name);
    expect(text.out).toMatch(new RegExp(`writer pid ${b.pid} thread ${tb}`));
    for (const c of [a, b]) c.send('go');
    for (const c of [a, b]) expect((await c.done).result).toBe('done');
    expect(inspect(lock.name).state).toMatchObject({ locked: false, holder: null });
  });

  it('rm --force removes a name in use; rm of an unused persistent one; sweep; watch', async () => {
    const l = track(new Lock({ name: uniqueName('cli-f') }));
    expect((await cli('rm', l.name)).code).toBe(1);
    const forced = await cli('rm', l.name, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect((await cli('show', l.name)).code).toBe(1);

    const name = uniqueName('cli-p');
    new Lock({ name, persistent: true }).close();
    expect(listSegments().find((s) => s.name === name)).toMatchObject({ held: false, persistent: true });
    const rm = await cli('rm', name);
    expect(rm.code, rm.err).toBe(0);
    expect(listSegments().find((s) => s.name === name)).toBeUndefined();
    unlink(name);

    const sw = await cli('sweep');
    expect(sw.code).toBe(0);
    expect(sw.out).toMatch(/removed \d+ leftovers?/);

    const keep = track(new Lock({ name: uniqueName('cli-w') }));
    const watch = await cli('watch', '--interval', '50', '--count', '2');
    expect(watch.code).toBe(0);
    expect(watch.out.match(/procsync watch/g)).toHaveLength(2);
    expect(watch.out).toContain(keep.name.slice(0, 12));
    await sleep(0);
    await until(() => true);
  });
});
