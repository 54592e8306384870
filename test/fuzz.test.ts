// Runs the hostile-segment fuzz (test/fuzz/hostile-segments.js) as part of the suite: a fixed
// seed, so a failure replays; `npm run test:asan` runs the same fuzz under AddressSanitizer and
// UBSan with guard pages around every segment.
import { describe, it, expect } from 'vitest';
import { execFile } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, 'fuzz', 'hostile-segments.js');

describe('hostile segment contents (fuzz)', () => {
  it('every call on a scribbled segment returns a result, an API error or a timeout — no crash, no hang', async () => {
    const seed = process.env.PROCSYNC_FUZZ_SEED ?? '20261130';
    const iterations = process.env.PROCSYNC_FUZZ_ITERATIONS ?? '80';
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(process.execPath, [SCRIPT, '--seed', seed, '--iterations', iterations], { timeout: 240_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      });
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/fuzz: seed \d+, \d+ iterations per kind, 16 kinds, .*: ok/);
  }, 250_000);
});
