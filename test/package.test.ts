// The package loads from CommonJS and ESM (one addon instance) and ships its types.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
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
    const dts = fs.readFileSync(path.join(root, 'dist/primitives/lock.d.ts'), 'utf8');
    expect(dts).toMatch(/acquireSync\(opts\?: WaitOptions\): boolean/);
  });

  it('ships declarations that name nothing internal and type-check on their own', () => {
    // What the library uses between its own modules (@internal, stripped) must not reach a
    // user's editor: the attach option of every constructor, the lock hooks of Condition.
    const internal = /@internal|kAttach|AttachOptions|afterNextRelease|heldByCaller|releaseAll|restoreLevel|rawSegment/;
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (/\.d\.m?ts$/.test(e.name)) files.push(f);
      }
    };
    walk(path.join(root, 'dist'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(fs.readFileSync(f, 'utf8'), path.relative(root, f)).not.toMatch(internal);
    // A user's strict build that checks the package's own .d.ts files too (skipLibCheck off).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-types-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'use.ts'),
        `import * as procsync from 'procsync';
        import { connect } from 'procsync/redis';
        const lock = new procsync.Lock({ name: 'x' });
        const sem = new procsync.Semaphore(2);
        export const used = [lock, sem, connect, procsync];`,
      );
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            module: 'node16',
            moduleResolution: 'node16',
            types: ['node'],
            typeRoots: [path.join(root, 'node_modules', '@types')],
            skipLibCheck: false,
            paths: { procsync: [path.join(root, 'dist', 'index.d.ts')], 'procsync/redis': [path.join(root, 'dist', 'redis', 'index.d.ts')] },
          },
          files: ['use.ts'],
        }),
      );
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      let out = '';
      try {
        execFileSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? e);
      }
      expect(out).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
