// Runs the Condition/Barrier ports of EXAMPLES.md (#2, #3, #9) and checks the shape of their
// output, that they end by themselves, and that they leave nothing in /dev/shm.
import { describe, it, expect } from 'vitest';
import { spawn } from 'child_process';
import * as path from 'path';
import { listSegments } from 'procsync';

const EXAMPLES = path.join(__dirname, '..', 'examples');

function runExample(file: string, args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(EXAMPLES, file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${file} did not end within 30 s\n${out}\n${err}`));
    }, 30_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      setImmediate(() => resolve({ code, lines: out.split('\n').filter(Boolean), stderr: err, pid: p.pid! }));
    });
  });
}

/** Segments named after the example's process (anonymous names embed the creator's pid). */
function leftovers(pid: number): string[] {
  return listSegments().map((s) => s.name).filter((n) => n.includes(`-${pid}-`));
}

describe('examples (Condition, Barrier)', () => {
  it('primes.js: a finder and a printer print 1 and the primes, in order, each once', async () => {
    const r = await runExample('primes.js', ['1500']);
    expect(r.code, r.stderr).toBe(0);
    const expected = [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];
    const isPrime = (n: number) => n > 1 && Array.from({ length: n - 2 }, (_, i) => i + 2).every((d) => n % d !== 0);
    const nums = r.lines.map(Number);
    expect(nums.length).toBeGreaterThanOrEqual(3);
    expect(nums.slice(0, expected.length)).toEqual(expected.slice(0, Math.min(nums.length, expected.length)));
    for (let i = 1; i < nums.length; i++) {
      expect(nums[i]).toBeGreaterThan(nums[i - 1]);
      expect(isPrime(nums[i])).toBe(true);
    }
    expect(leftovers(r.pid)).toEqual([]);
  });

  it('barrier.js: five processes report, and the action line is printed exactly once, last', async () => {
    const r = await runExample('barrier.js', ['50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines).toHaveLength(6);
    const blocked = r.lines.filter((l) => /^Currently [0-4] processes blocked on barrier$/.test(l));
    expect(blocked).toHaveLength(5);
    const action = r.lines.filter((l) => /^All processes released, reported by Process-[1-5]$/.test(l));
    expect(action).toHaveLength(1);
    expect(r.lines[5]).toBe(action[0]);
    expect(leftovers(r.pid)).toEqual([]);
  });

  it('stack.js: six tasks pushed, each popped exactly once by one of three consumers', async () => {
    const r = await runExample('stack.js', ['100']);
    expect(r.code, r.stderr).toBe(0);
    const pushed = r.lines.filter((l) => /^Producer pushed Task\d$/.test(l)).map((l) => l.slice(-5));
    const popped = r.lines.map((l) => /^Consumer-[1-3] popped (Task\d)$/.exec(l)?.[1]).filter(Boolean);
    const tasks = ['Task0', 'Task1', 'Task2', 'Task3', 'Task4', 'Task5'];
    expect(pushed).toEqual(tasks);
    expect([...popped].sort()).toEqual(tasks);
    expect(r.lines).toHaveLength(12);
    expect(leftovers(r.pid)).toEqual([]);
  });
});
