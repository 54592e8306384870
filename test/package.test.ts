// The package loads from CommonJS and ESM (one addon instance) and ships its types.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');

describe('package', () => {
  it('works from CommonJS and from ESM, with the same classes', () => {
    const cjs = execFileSync(process.execPath, ['-e', `
      const { Lock, Semaphore } = require('procsync');
      const l = new Lock(); l.acquireSync(); l.release(); l.close();
      console.log(typeof Semaphore);`], { cwd: root, encoding: 'utf8' });
    expect(cjs.trim()).toBe('function');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { Lock } from 'procsync';
      import procsync from 'procsync';
      import { createRequire } from 'module';
      const require = createRequire(import.meta.url);
      const l = new Lock();
      console.log(l instanceof require('procsync').Lock, procsync.Lock === Lock, l.acquireSync());
      l.release(); l.close();`], { cwd: root, encoding: 'utf8' });
    expect(esm.trim()).toBe('true true true');
  });

  it('ships .d.ts types for both entry points', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    for (const f of [pkg.types, pkg.exports['.'].import.types, pkg.exports['.'].require.types]) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    }
    const dts = fs.readFileSync(path.join(root, 'dist/lock.d.ts'), 'utf8');
    expect(dts).toMatch(/acquireSync\(opts\?: WaitOptions\): boolean/);
  });
});
