// Every JavaScript/TypeScript code block of the README type-checks with `tsc --strict` against
// the shipped types (dist/*.d.ts), as a new user would paste it (issue 16 point 13). A block
// that is not meant to compile on its own is preceded by the line `<!-- snippet: skip -->`.
// `js` blocks are checked as JavaScript (checkJs: `require('procsync')` is typed), CommonJS
// unless they use `import` (then ESM); `ts` blocks as TypeScript. Each block is its own module.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const SKIP = '<!-- snippet: skip -->';
const FENCE = /^```(js|javascript|mjs|cjs|ts|typescript)\s*$/;

export interface Snippet {
  /** 1-based README line of the opening fence. */
  line: number;
  lang: 'js' | 'ts';
  code: string;
}

/** The README's js/ts blocks that are not marked to be skipped. */
export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = FENCE.exec(lines[i]);
    if (!m) continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const skip = prev >= 0 && lines[prev].trim() === SKIP;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (!skip) out.push({ line: start + 1, lang: m[1].startsWith('t') ? 'ts' : 'js', code: body.join('\n') + '\n' });
  }
  return out;
}

let dir = '';
let errors = new Map<string, string[]>();
const snippets = extractSnippets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
const fileOf = (s: Snippet) => {
  const esm = /^\s*import\s/m.test(s.code) || /^\s*export\s/m.test(s.code);
  return `readme-line-${s.line}.${s.lang === 'ts' ? (esm ? 'mts' : 'cts') : esm ? 'mjs' : 'cjs'}`;
};

/** Checked in the same run: Value/SharedArray/RawValue/RawArray are typed by their type code. */
const TYPES_FILE = 'typed-by-code.mts';
const TYPES_CHECK = `
import { Value, RawValue, SharedArray, RawArray, TypeSpec } from 'procsync';
const i: number = new Value('i', 0).value;
const q: bigint = new Value('q', 2n ** 60n).value;
const Q: bigint = new RawValue('uint64', 1).value;
const b: boolean = new Value('bool', false).value;
const f: number = new RawValue('f', 0.5).value;
const view: Int32Array = new RawArray('i', 1).view;
const dview: Float64Array = new SharedArray('d', [1.5]).view;
const qview: BigInt64Array = new SharedArray('q', 2).view;
const bview: Uint8Array = new RawArray('?', 2).view;
const got: bigint = new SharedArray('Q', 2).get(0);
const all: boolean[] = new RawArray('bool', [true]).toArray();
const counter = new Value('i', 0);
counter.value += 1;
const big = new Value('q', 0n);
big.value += 1n;
big.value = 5; // 64-bit types also take safe-integer numbers
Atomics.add(new RawArray('i', 1).view, 0, 1);
const spec: TypeSpec = Math.random() < 0.5 ? 'i' : 'q';
const any: number | bigint | boolean = new Value(spec).value;
const opened: number | bigint | boolean = Value.open('x').value;
// @ts-expect-error a bigint Value's value is not a number
const wrong: number = new Value('q', 1n).value;
// @ts-expect-error an int32 Value takes no bigint
new Value('i', 1n);
// @ts-expect-error a bool Value takes no number
new Value('bool', 2);
// @ts-expect-error a float64 view is not an Int32Array
const wrongView: Int32Array = new RawArray('d', 1).view;
export { i, q, Q, b, f, view, dview, qview, bview, got, all, any, opened, wrong, wrongView };
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-readme-'));
  for (const s of snippets) fs.writeFileSync(path.join(dir, fileOf(s)), s.code);
  fs.writeFileSync(path.join(dir, TYPES_FILE), TYPES_CHECK);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      allowJs: true,
      checkJs: true,
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      moduleDetection: 'force',
      lib: ['ES2022', 'ESNext.Disposable'],
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      // The package as installed: its own d.ts files.
      paths: { procsync: [path.join(ROOT, 'dist', 'index.d.ts')], 'procsync/redis': [path.join(ROOT, 'dist', 'redis', 'index.d.ts')] },
      skipLibCheck: true,
    },
    files: [...snippets.map(fileOf), TYPES_FILE],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  let output = '';
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir, '--pretty', 'false'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    if (!output.trim()) throw e;
  }
  errors = new Map();
  for (const l of output.split('\n')) {
    const m = /^(?:.*[\\/])?(readme-line-\d+\.\w+|typed-by-code\.mts)\((\d+),(\d+)\): (.*)$/.exec(l.trim());
    if (m) {
      const list = errors.get(m[1]) ?? [];
      list.push(`snippet line ${m[2]}: ${m[4]}`);
      errors.set(m[1], list);
    } else if (l.trim()) {
      const list = errors.get('(tsc)') ?? [];
      list.push(l.trim());
      errors.set('(tsc)', list);
    }
  }
}, 150_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('README snippets type-check with tsc --strict against dist/*.d.ts', () => {
  it('finds the snippets (and skips the marked ones)', () => {
    expect(snippets.length).toBeGreaterThan(5);
    const demo = extractSnippets(['```js', 'a', '```', '', SKIP, '```ts', 'b', '```', '```sh', 'c', '```'].join('\n'));
    expect(demo).toEqual([{ line: 1, lang: 'js', code: 'a\n' }]);
  });

  it('tsc itself reports nothing outside the snippets', () => {
    expect(errors.get('(tsc)') ?? []).toEqual([]);
  });

  it('Value, RawValue, SharedArray and RawArray are typed by their type code', () => {
    const errs = errors.get(TYPES_FILE) ?? [];
    expect(errs, errs.join('\n')).toEqual([]);
  });

  for (const s of snippets) {
    const first = s.code.split('\n').find((l) => l.trim()) ?? '';
    it(`README.md line ${s.line}: ${first.trim().slice(0, 60)}`, () => {
      const errs = errors.get(fileOf(s)) ?? [];
      expect(errs, `README.md line ${s.line} (${fileOf(s)}):\n${errs.join('\n')}\n--- snippet ---\n${s.code}`).toEqual([]);
    });
  }
});
