// What ships in the package points to nothing that the package does not contain (issue 16
// point 15): the .d.ts comments and the examples name no API.md / EXAMPLES.md.
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const MISSING = /\b(API|EXAMPLES|DESIGN|REVIEW)\.md\b/;

function filesIn(dir: string, re: RegExp): string[] {
  return fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(dir, f));
}

describe('shipped files refer only to what ships', () => {
  it('no .d.ts comment points to API.md or EXAMPLES.md', () => {
    const bad = filesIn(path.join(ROOT, 'dist'), /\.d\.m?ts$/)
      .filter((f) => MISSING.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(bad).toEqual([]);
  });

  it('no example points to EXAMPLES.md', () => {
    const bad = filesIn(path.join(ROOT, 'examples'), /\.m?js$/)
      .filter((f) => MISSING.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f));
    expect(bad).toEqual([]);
  });
});
