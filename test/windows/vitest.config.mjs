// The vitest configuration of npm run test:win (scripts/test-win.sh): the project's own, limited
// to the tests listed in vitest-tests.txt (`file: exact title`, one a line). The list becomes
// `include` and `testNamePattern` here rather than on the command line, which Wine would have
// to pass through CreateProcess (32,767 characters at most).
import { defineConfig } from 'vitest/config';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import base from '../../vitest.config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const tests = fs
  .readFileSync(path.join(here, 'vitest-tests.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.trimStart().startsWith('#'))
  .map((l) => ({ file: `test/${l.slice(0, l.indexOf(': '))}`, title: l.slice(l.indexOf(': ') + 2) }));
const escape = (s) => s.replace(/[[\]\\.^$*+?(){}|/]/g, '\\$&');

// Spread, not mergeConfig: that would append to the project's include instead of replacing it.
export default defineConfig({
  ...base,
  root: path.resolve(here, '..', '..'),
  test: {
    ...base.test,
    include: [...new Set(tests.map((t) => t.file))],
    testNamePattern: new RegExp(tests.map((t) => `${escape(t.title)}$`).join('|')),
    // Every node.exe start under Wine takes about a second: the bounds of a loaded Linux CI
    // are too short for the examples that start many processes.
    testTimeout: 240_000,
    globalSetup: [...base.test.globalSetup, 'test/windows/global-setup.mjs'],
    hookTimeout: 120_000,
  },
});
