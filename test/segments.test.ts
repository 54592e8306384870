// Segment hardening (issue 16, points 1, 2, 6, 10): a full /dev/shm is ERR_NO_SPACE at creation
// (never a SIGBUS later), segments over 4 GiB are ERR_OUT_OF_RANGE (never an abort), other
// users' segments and symlinks are refused unless allowed, and the leftovers of users that all
// died by SIGKILL are removed by live procsync processes. Real processes, real tmpfs mounts.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lock, Value, open } from 'procsync';
import { startChild, uniqueName } from './helpers/children';
import { segmentPath, backend } from './helpers/segment-path';

const shm = (name: string) => segmentPath(name);
const exists = (name: string) => fs.existsSync(shm(name));
const LIMITS = path.join(__dirname, 'fixtures', 'shm-limits.js');

// A private mount namespace lets a child see a small tmpfs as /dev/shm (root, or a user
// namespace that allows it). Checked once, with a bounded run.
const unshareProbe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'], {
  timeout: 10_000,
  encoding: 'utf8',
});
const unshareOk = unshareProbe.status === 0;
if (!unshareOk) {
  console.log(`segments.test: skipping the small-/dev/shm tests: 'unshare -m' + mount not permitted here ` +
    `(${(unshareProbe.error?.message ?? unshareProbe.stderr ?? '').trim() || `exit ${unshareProbe.status}`})`);
}
const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('segments.test: skipping the other-user tests: they need root to become another user');
// The posix backend sizes a segment with ftruncate (macOS has no posix_fallocate and cannot
// write an shm object), so a full /dev/shm is not ERR_NO_SPACE there; and its lock files live in
// a per-user directory, so two users never share a segment (README, "Platforms").
const posix = backend === 'posix';
if (posix) console.log('segments.test: posix backend: skipping the ERR_NO_SPACE tests (no reservation) and the other-user test (per-user lock directories)');

interface LimitsResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  out: Record<string, { ok?: true; code?: string; message?: string } | string[]>;
}

/** Runs shm-limits.js <mode>, on a private tmpfs of `size` as /dev/shm when one is given. */
function runLimits(mode: string, size?: string): Promise<LimitsResult> {
  const [cmd, args] = size
    ? ['unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=${size} tmpfs /dev/shm && exec "$0" "$@"`, process.execPath, '--expose-gc', LIMITS, mode]]
    : [process.execPath, ['--expose-gc', LIMITS, mode]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (status, signal) => {
      clearTimeout(timer);
      setImmediate(() => {
        let out = {};
        try {
          out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
        } catch {
          // reported below through status/signal/stderr
        }
        resolve({ status, signal, stderr, out });
      });
    });
  });
}

function expectClean(r: LimitsResult, privateShm: boolean) {
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  expect(r.out.left).toEqual([]);
  if (privateShm) expect(r.out.all).toEqual([]);
}

describe('a /dev/shm too small for a segment (issue 16.1)', () => {
  it.skipIf(!unshareOk || posix)('SharedArray/RawArray: ERR_NO_SPACE at creation naming the sizes, no SIGBUS, nothing left', async () => {
    const r = await runLimits('array', '16m');
    expectClean(r, true);
    const big = r.out.big as { code: string; message: string };
    expect(big.code).toBe('ERR_NO_SPACE');
    // The size asked for (header + 32 MB) and the space free on /dev/shm.
    expect(big.message).toContain(`${32e6 + (r.out.stateOffset as unknown as number)} bytes`);
    expect(big.message).toMatch(/\/dev\/shm has \d+ bytes free of 16777216/);
    expect((r.out.bigRaw as { code: string }).code).toBe('ERR_NO_SPACE');
    // 12 MB taken: 8 MB more do not fit (reserved, not lazily promised), until the 12 MB go.
    expect((r.out.second as { code: string }).code).toBe('ERR_NO_SPACE');
    expect(r.out.afterClose).toEqual({ ok: true });
  });

  it.skipIf(!unshareOk || posix)('Queue: a capacity the tmpfs cannot hold is ERR_NO_SPACE; a queue that fits works', async () => {
    const r = await runLimits('queue', '1m');
    expectClean(r, true);
    expect((r.out.queue as { code: string }).code).toBe('ERR_NO_SPACE');
    expect((r.out.named as { code: string }).code).toBe('ERR_NO_SPACE');
    expect(r.out.small).toEqual({ ok: true });
  });
});

describe('segments over 4 GiB (issue 16.2)', () => {
  it('arrays whose segment (header included) exceeds 4 GiB are ERR_OUT_OF_RANGE, before allocating', async () => {
    // On a 16 MiB /dev/shm when possible: an attempt to allocate would be ERR_NO_SPACE there.
    const r = await runLimits('huge', unshareOk ? '16m' : undefined);
    expectClean(r, unshareOk);
    for (const k of ['bytes', 'doubles', 'locked', 'named', 'native', 'nativeDoubles']) {
      expect((r.out[k] as { code: string }).code, k).toBe('ERR_OUT_OF_RANGE');
    }
    // An opener of a header that claims 4 GiB + 8 bytes: ERR_CORRUPT, never an abort.
    expect((r.out.hostile as { code: string }).code).toBe('ERR_CORRUPT');
  });
});

describe('segments of other users (issue 16.6)', () => {
  it.skipIf(!isRoot || posix)('a segment another user owns is ERR_PERMISSION unless allowed with allowOwner', async () => {
    const name = uniqueName('squat');
    const uid = 65534;
    const kid = startChild('owners.js', 'squat', [name, uid]);
    try {
      expect(await kid.message()).toEqual({ uid });
      expect(fs.statSync(shm(name)).uid).toBe(uid);
      const refused = expect.objectContaining({ code: 'ERR_PERMISSION', message: expect.stringContaining(`uid ${uid}`) });
      expect(() => new Lock({ name })).toThrow(refused);
      expect(() => Lock.open(name)).toThrow(refused);
      expect(() => open(name)).toThrow(refused);
      expect(() => new Value('i', 0, { name: `${name}-v` })).toThrow(refused);
      expect(() => new Lock({ name, allowOwner: uid + 1 })).toThrow(refused);
      expect(() => new Lock({ name, allowOwner: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));

      // Allowed: the same primitive, shared with that user (the child holds the lock).
      const l = new Lock({ name, allowOwner: uid });
      expect(l.locked()).toBe(true);
      expect(l.acquireSync({ timeout: 0 })).toBe(false);
      const l2 = open(name, { allowOwner: uid }) as Lock;
      expect(l2.locked()).toBe(true);
      // A Value and its lock (which the Value names): both allowed by the one option.
      const v = new Value('i', 0, { name: `${name}-v`, allowOwner: uid });
      expect(v.value).toBe(7);
      v.getLock().acquireSync({ timeout: 5000 });
      v.getLock().release();
      const v2 = open(`${name}-v`, { allowOwner: uid }) as Value;
      expect(v2.value).toBe(7);
      kid.send('done');
      expect((await kid.done).code).toBe(0);
      expect(l.acquireSync({ timeout: 5000 })).toBe(true);
      l.release();
      for (const p of [l, l2, v, v2]) p.close();
      expect(exists(name)).toBe(false);
      expect(exists(`${name}-v`)).toBe(false);
    } finally {
      kid.kill('SIGKILL');
      await kid.done;
      for (const n of [name, `${name}-v`, `${name}-v.lock`]) fs.rmSync(shm(n), { force: true });
    }
  });

  it('a symbolic link planted at the name is refused, never followed', () => {
    const name = uniqueName('symlink');
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-')), 'target');
    fs.writeFileSync(target, '');
    fs.symlinkSync(target, shm(name));
    try {
      const refused = expect.objectContaining({ code: 'ERR_PERMISSION', message: expect.stringContaining('symbolic link') });
      expect(() => new Lock({ name })).toThrow(refused);
      expect(() => Lock.open(name)).toThrow(refused);
      expect(fs.statSync(target).size).toBe(0);
      expect(fs.lstatSync(shm(name)).isSymbolicLink()).toBe(true);
    } finally {
      fs.rmSync(shm(name), { force: true });
      fs.rmSync(path.dirname(target), { recursive: true, force: true });
    }
  });
});

describe('leftovers of users that all died by SIGKILL (issue 16.10)', () => {
  // On a private /dev/shm, so that no other process (another test file's children loading
  // procsync) sweeps in its place.
  it.skipIf(!unshareOk)('are removed by a live procsync process that creates, opens or closes a primitive', async () => {
    const r = await runLimits('killed', '16m');
    expectClean(r, true);
    expect(r.out.leftAfterKill).toBe(true);
    expect(r.out.removed).toBe(true);
  });
});
