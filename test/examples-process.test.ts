// The ports of EXAMPLES.md #1, #4, #5, #6, #7 in examples/: run each as a program and check the
// shape of its output (what the Python original prints), never its timing.
import { describe, it, expect } from 'vitest';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function runExample(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000) {
  return new Promise<{ code: number | null; out: string[]; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(EXAMPLES, file), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[test] ${file} did not finish within ${timeoutMs} ms: killed`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: stdout.split('\n').filter(Boolean), stderr });
    });
  });
}

describe('examples (Process)', () => {
  it('ping-pong.js: ping and pong strictly alternate, and it ends by itself', async () => {
    const r = await runExample('ping-pong.js', [], { PING_PONG_MS: '600' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.length).toBeGreaterThanOrEqual(2);
    r.out.forEach((l, i) => expect(l).toBe(i % 2 === 0 ? 'ping' : 'pong'));
  });

  it('event.js: the timed waiter gives up before the set, the other sees it', async () => {
    const r = await runExample('event.js');
    expect(r.code, r.stderr).toBe(0);
    expect([...r.out].sort()).toEqual([
      'main: event is set',
      'wait_for_event: e.is_set()->True',
      'wait_for_event: starting',
      'wait_for_event_timeout: e.is_set()->False',
      'wait_for_event_timeout: starting',
    ]);
    // The orderings the program guarantees (the rest races, as in Python).
    const at = (l: string) => r.out.indexOf(l);
    expect(at('wait_for_event_timeout: starting')).toBeLessThan(at('wait_for_event_timeout: e.is_set()->False'));
    expect(at('wait_for_event_timeout: e.is_set()->False')).toBeLessThan(at('main: event is set'));
    expect(at('wait_for_event: starting')).toBeLessThan(at('wait_for_event: e.is_set()->True'));
  });

  it('rlock.js: each child prints its five lines as one block', async () => {
    const r = await runExample('rlock.js');
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toHaveLength(10);
    const blocks = [r.out.slice(0, 5), r.out.slice(5)];
    for (const b of blocks) expect(new Set(b).size).toBe(1);
    expect([blocks[0][0], blocks[1][0]].sort()).toEqual(['I am child process Process-1', 'I am child process Process-2']);
  });

  it('semaphore.js: five processes acquire and release, never more than two inside', async () => {
    const r = await runExample('semaphore.js');
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toHaveLength(10);
    const inside = new Set<string>();
    for (const l of r.out) {
      const m = /^(Process-[1-5]) (acquire|release)$/.exec(l);
      expect(m, l).not.toBeNull();
      if (m![2] === 'acquire') inside.add(m![1]);
      else expect(inside.delete(m![1])).toBe(true);
      expect(inside.size).toBeLessThanOrEqual(2);
    }
    expect(inside.size).toBe(0);
  });

  it('lock-file.js: both processes appended their line', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-ex-')), 'file.txt');
    try {
      const r = await runExample('lock-file.js', [file]);
      expect(r.code, r.stderr).toBe(0);
      expect([...r.out].sort()).toEqual(['Lock acquired directly', 'Lock acquired via with']);
      expect(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['Lock acquired directly', 'Lock acquired via with']);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it('demo.js (npm run demo) runs the examples that are present and succeeds', async () => {
    const r = await runExample('demo.js', [], {}, 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out).toContain('=== Ping-pong: two processes, two Semaphores, a shared exit flag (examples/ping-pong.js) ===');
    expect(r.out.some((l) => l.startsWith('=== Event:'))).toBe(true);
    expect(r.out).toContain('main: event is set');
  });
});
