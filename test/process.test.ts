// Process: the seed programs of EXAMPLES.md (#4-#7) run through Process, and its edge cases.
import { describe, it, expect, afterEach, afterAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as v8 from 'v8';
import * as vm from 'vm';
import {
  Process, currentProcess, cpuCount, activeChildren,
  Lock, RLock, Semaphore, Event, Value,
} from 'procsync';
import { startChild, until } from './helpers/children';

const FIX = path.join(__dirname, 'fixtures');
const TARGETS = path.join(FIX, 'process-targets.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-process-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let fileN = 0;
function logFile(): string {
  const f = path.join(tmp, `log-${++fileN}.txt`);
  fs.writeFileSync(f, '');
  return f;
}
const lines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opened: { close(): void }[] = [];
const procs: InstanceType<typeof Process>[] = [];
function track<T extends { close(): void }>(p: T): T {
  opened.push(p);
  return p;
}
function proc(exportName: string, args: unknown[] = [], extra: { name?: string; target?: string | URL } = {}) {
  const p = new Process({ target: extra.target ?? TARGETS, exportName, args, name: extra.name });
  procs.push(p);
  return p;
}
afterEach(async () => {
  // Never leave a child behind, even when a test failed half-way.
  for (const p of procs.splice(0)) {
    if (p.pid !== null && p.isAlive()) p.kill();
    if (p.pid !== null) await p.join({ timeout: 10_000 }).catch(() => {});
  }
  for (const p of opened.splice(0)) p.close();
});

describe('seed programs through Process', () => {
  it('RLock (#7): nothing runs while the parent holds it; each child prints its 5 lines as a block', async () => {
    const rlock = track(new RLock());
    const file = logFile();
    rlock.acquireSync();
    const ps = [proc('rlockChild', [rlock, file]), proc('rlockChild', [rlock, file])];
    for (const p of ps) p.start();
    await sleep(300);
    expect(lines(file)).toEqual([]);
    rlock.release();
    await Promise.all(ps.map((p) => p.join({ timeout: 20_000 })));
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0]);
    const out = lines(file);
    expect(out).toHaveLength(10);
    const first = out[0];
    expect(out.slice(0, 5)).toEqual(Array(5).fill(first));
    const other = out[5];
    expect(other).not.toBe(first);
    expect(out.slice(5)).toEqual(Array(5).fill(other));
    expect([first, other].sort()).toEqual(ps.map((p) => `I am child process ${p.name}`).sort());
  });

  it('Semaphore(2) pool of 5 (#6): never more than two inside', async () => {
    const sem = track(new Semaphore(2));
    const inside = track(new Value('i', 0));
    const most = track(new Value('i', 0));
    const file = logFile();
    const ps = Array.from({ length: 5 }, (_, i) => proc('semWorker', [sem, inside, most, file, i * 20]));
    for (const p of ps) p.start();
    await Promise.all(ps.map((p) => p.join({ timeout: 20_000 })));
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0, 0, 0, 0]);
    expect(most.value).toBeGreaterThanOrEqual(1);
    expect(most.value).toBeLessThanOrEqual(2);
    expect(inside.value).toBe(0);
    expect(sem.getValue()).toBe(2);
    // The log lines are written inside the semaphore: every prefix has at most two open.
    let open = 0;
    const seen = new Set<string>();
    for (const l of lines(file)) {
      const [name, what] = l.split(' ');
      if (what === 'acquire') {
        open++;
        seen.add(name);
      } else {
        expect(seen.has(name)).toBe(true);
        open--;
      }
      expect(open).toBeLessThanOrEqual(2);
    }
    expect(seen).toEqual(new Set(ps.map((p) => p.name)));
  });

  it('Event (#4): the waiter with a timeout gives up, the other sees the set', async () => {
    const e = track(new Event());
    const file = logFile();
    const w1 = proc('waitForEvent', [e, file], { name: 'block' });
    const w2 = proc('waitForEventTimeout', [e, 200, file], { name: 'non-block' });
    w1.start();
    w2.start();
    await w2.join({ timeout: 20_000 });
    expect(w1.isAlive()).toBe(true);
    e.set();
    fs.appendFileSync(file, 'main: event is set\n');
    await w1.join({ timeout: 20_000 });
    expect([w1.exitCode, w2.exitCode]).toEqual([0, 0]);
    const out = lines(file);
    expect([...out].sort()).toEqual([
      'main: event is set',
      'wait_for_event: e.is_set()->true',
      'wait_for_event: starting',
      'wait_for_event_timeout: e.is_set()->false',
      'wait_for_event_timeout: starting',
    ]);
    // The orderings that are guaranteed (the block waiter may start late on a loaded machine,
    // and may print before the main line, which follows the set).
    const at = (l: string) => out.indexOf(l);
    expect(at('wait_for_event_timeout: starting')).toBeLessThan(at('wait_for_event_timeout: e.is_set()->false'));
    expect(at('wait_for_event_timeout: e.is_set()->false')).toBeLessThan(at('main: event is set'));
    expect(at('wait_for_event: starting')).toBeLessThan(at('wait_for_event: e.is_set()->true'));
  });

  it('Lock around appends to one file from two processes (#5): no append is lost', async () => {
    const lock = track(new Lock());
    const file = logFile();
    const a = proc('appendWith', [lock, file, 'Lock acquired via with', 30]);
    const b = proc('appendNoWith', [lock, file, 'Lock acquired directly', 30]);
    a.start();
    b.start();
    await Promise.all([a.join({ timeout: 20_000 }), b.join({ timeout: 20_000 })]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const out = lines(file);
    expect(out).toHaveLength(60);
    expect(out.filter((l) => l === 'Lock acquired via with')).toHaveLength(30);
    expect(out.filter((l) => l === 'Lock acquired directly')).toHaveLength(30);
    expect(lock.locked()).toBe(false);
  });
});

describe('Process', () => {
  it('exit codes: 0, 1 on an exception (sync or async), -9 after kill()', async () => {
    const ok = proc('ok');
    const boom = proc('boom');
    const rej = proc('rejects');
    const hang = proc('sleepForever');
    for (const p of [ok, boom, rej, hang]) p.start();
    await ok.join({ timeout: 20_000 });
    boom.joinSync({ timeout: 20_000 });
    await rej.join({ timeout: 20_000 });
    expect([ok.exitCode, boom.exitCode, rej.exitCode]).toEqual([0, 1, 1]);
    expect(hang.exitCode).toBeNull();
    hang.kill();
    hang.joinSync({ timeout: 20_000 });
    expect(hang.exitCode).toBe(-9);
    expect(hang.isAlive()).toBe(false);
  });

  it('an exception prints its stack to the child stderr', async () => {
    const r = await startChild('process-parent.js', 'runTarget', [TARGETS, 'boom']).done;
    expect(r.code).toBe(0);
    expect(r.result).toBe(1);
    expect(r.stderr).toContain('Error: boom from the child');
    expect(r.stderr).toMatch(/at .*process-targets\.js/);
  });

  it('join and joinSync with a timeout return with the child still running', async () => {
    const p = proc('sleepForever');
    p.start();
    expect(p.isAlive()).toBe(true);
    expect(activeChildren()).toContain(p);
    await p.join({ timeout: 50 });
    p.joinSync({ timeout: 50 });
    await p.join({ timeout: 0 });
    expect(p.isAlive()).toBe(true);
    expect(p.exitCode).toBeNull();
    p.terminate();
    await p.join({ timeout: 20_000 });
    expect(p.exitCode).toBe(-15);
    expect(activeChildren()).not.toContain(p);
  });

  it('joinSync works right after start(), while the event loop never runs', () => {
    const p = proc('ok');
    p.start();
    p.joinSync({ timeout: 20_000 });
    expect(p.exitCode).toBe(0);
    expect(p.isAlive()).toBe(false);
  });

  it('terminate() ends a child blocked in acquireSync; the lock stays with its holder', async () => {
    const lock = track(new Lock());
    const started = track(new Event());
    lock.acquireSync();
    const p = proc('blockOn', [lock, started]);
    p.start();
    expect(await started.wait({ timeout: 20_000 })).toBe(true);
    await sleep(50); // let it reach the futex wait (the outcome does not depend on it)
    p.terminate();
    await p.join({ timeout: 20_000 });
    expect(p.exitCode).toBe(-15);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.acquireSync({ block: false })).toBe(true);
    lock.release();
  });

  it('a missing target module or export is an error of join / joinSync', async () => {
    const noModule = proc('ok', [], { target: path.join(tmp, 'does-not-exist.js') });
    const noExport = proc('noSuchExport');
    noModule.start();
    noExport.start();
    await expect(noModule.join({ timeout: 20_000 })).rejects.toMatchObject({ code: 'ERR_TARGET_NOT_FOUND' });
    expect(() => noExport.joinSync({ timeout: 20_000 })).toThrow(expect.objectContaining({ code: 'ERR_EXPORT_NOT_FOUND' }));
    await expect(noExport.join()).rejects.toMatchObject({ code: 'ERR_EXPORT_NOT_FOUND' });
    expect(noModule.exitCode).toBe(1);
    expect(noExport.exitCode).toBe(1);
  });

  it('args with nested primitives are reopened in the child; other values are cloned', async () => {
    const lock = track(new Lock());
    const value = track(new Value('i', 0));
    const sem = track(new Semaphore(0));
    const ev = track(new Event());
    const arg = { lock, parts: [value, { sem }], map: new Map<string, unknown>([['ev', ev]]) };
    const p = proc('nested', [arg, 25]);
    const q = proc('nested', [arg, 25]);
    p.start();
    q.start();
    await Promise.all([p.join({ timeout: 20_000 }), q.join({ timeout: 20_000 })]);
    expect([p.exitCode, q.exitCode]).toEqual([0, 0]);
    expect(value.value).toBe(50);
    expect(sem.getValue()).toBe(2);
    expect(ev.isSet()).toBe(true);
  });

  it('keeps the args alive until the child opened them, even if the parent drops every reference', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let p!: InstanceType<typeof Process>;
    (() => {
      const v = new Value('i', 42);
      p = new Process({ target: path.join(FIX, 'slow-import.js'), args: [v] });
      procs.push(p);
      p.start();
    })();
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(20);
    }
    await p.join({ timeout: 20_000 });
    expect(p.exitCode).toBe(0);
  });

  it('currentProcess().name is MainProcess in the parent and the given or default name in the child', async () => {
    expect(currentProcess()).toEqual({ name: 'MainProcess', pid: process.pid });
    const f1 = path.join(tmp, 'name1');
    const f2 = path.join(tmp, 'name2');
    const named = proc('writeName', [f1], { name: 'worker-7' });
    const unnamed = proc('writeName', [f2]);
    expect(unnamed.name).toMatch(/^Process-\d+$/);
    named.start();
    unnamed.start();
    await Promise.all([named.join({ timeout: 20_000 }), unnamed.join({ timeout: 20_000 })]);
    expect(fs.readFileSync(f1, 'utf8')).toBe('worker-7');
    expect(fs.readFileSync(f2, 'utf8')).toBe(unnamed.name);
    expect(cpuCount()).toBeGreaterThanOrEqual(1);
  });

  it('runs ES module targets given by path or URL (default and named exports)', async () => {
    const f1 = path.join(tmp, 'esm1');
    const f2 = path.join(tmp, 'esm2');
    const esm = path.join(FIX, 'esm-target.mjs');
    const a = proc('default', [f1], { target: esm, name: 'esm-a' });
    const b = proc('named', [f2, { x: [1, 2], b: 3n, m: new Map([['k', 'v']]) }], { target: pathToFileURL(esm) });
    a.start();
    b.start();
    await Promise.all([a.join({ timeout: 20_000 }), b.join({ timeout: 20_000 })]);
    expect(fs.readFileSync(f1, 'utf8')).toBe('esm default esm-a');
    expect(fs.readFileSync(f2, 'utf8')).toBe('esm named 1,2 3 v');
  });

  it('validates its options and its state', async () => {
    expect(() => new Process({} as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => new Process({ target: TARGETS, args: 'x' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const p = proc('ok', [() => 1]);
    expect(() => p.start()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    const q = proc('ok');
    expect(() => q.joinSync()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await expect(q.join()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect(q.exitCode).toBeNull();
    expect(q.isAlive()).toBe(false);
    q.start();
    expect(() => q.start()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    await q.join({ timeout: 20_000 });
    await until(() => q.exitCode === 0, 1000, 'exit code');
  });
});
